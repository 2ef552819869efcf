//! The workspace's OCSP responder and CRLs over HTTP, run from the Generate pane (`O`): what
//! `certbench ocsp` does, with each request it answers shown as it comes, where revocations are
//! made, so a `x` (revoke) shows in the next answer.

use std::collections::VecDeque;
use std::net::SocketAddr;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::GeneratePane;
use crate::action::{Action, Effect, ServeControl};
use crate::app::{App, Cx, Severity};
use crate::keymap::Context;
use crate::theme;
use crate::ui::pane_block;
use certbench_tls::responder::Served;

/// The requests kept for the box, newest last.
const KEPT: usize = 64;

/// The responder, as the pane knows it.
#[derive(Debug, Default)]
pub enum ResponderState {
    #[default]
    Off,
    Starting(ServeControl),
    On {
        addr: SocketAddr,
        control: ServeControl,
        served: VecDeque<Served>,
        total: u64,
    },
    Stopping,
}

impl ResponderState {
    pub fn is_off(&self) -> bool {
        matches!(self, ResponderState::Off)
    }
}

impl GeneratePane {
    /// `O`, and the responder's own news.
    pub(super) fn responder_update(&mut self, action: Action, cx: &mut Cx<'_>) -> Vec<Effect> {
        match action {
            Action::ToggleResponder => match &self.responder {
                ResponderState::Off => {
                    if cx.view.ca_names().is_empty() {
                        cx.say(
                            Severity::Info,
                            "There is no CA to answer for yet: issue a root CA first.",
                        );
                        return vec![];
                    }
                    let control = ServeControl::default();
                    self.responder = ResponderState::Starting(control.clone());
                    return vec![Effect::StartResponder {
                        dir: cx.view.dir.clone(),
                        control,
                    }];
                }
                ResponderState::Starting(control) | ResponderState::On { control, .. } => {
                    let control = control.clone();
                    self.responder = ResponderState::Stopping;
                    cx.say(Severity::Info, "Stopping the OCSP responder…");
                    return vec![Effect::StopServe(control)];
                }
                ResponderState::Stopping => {}
            },
            Action::ResponderStarted(Ok(addr)) => {
                if let ResponderState::Starting(control) = &self.responder {
                    self.responder = ResponderState::On {
                        addr,
                        control: control.clone(),
                        served: VecDeque::new(),
                        total: 0,
                    };
                    cx.say(
                        Severity::Info,
                        format!(
                            "OCSP and CRLs at http://{addr} (certificates issued with --responder http://{addr} point here); {} stops it",
                            cx.key_for(Context::List, Action::ToggleResponder)
                        ),
                    );
                }
            }
            Action::ResponderStarted(Err(m)) => {
                self.responder = ResponderState::Off;
                cx.say(
                    Severity::Error,
                    format!("The OCSP responder could not start: {m}"),
                );
            }
            Action::ResponderServed(s) => {
                if let ResponderState::On { served, total, .. } = &mut self.responder {
                    *total += 1;
                    if served.len() == KEPT {
                        served.pop_front();
                    }
                    served.push_back(*s);
                }
            }
            Action::ResponderStopped => {
                self.responder = ResponderState::Off;
                cx.say(Severity::Info, "The OCSP responder stopped.");
            }
            _ => {}
        }
        vec![]
    }
}

/// How many rows the responder's box takes in an area `height` rows high (0: none).
pub fn height(app: &App, height: u16) -> u16 {
    if app.generate.responder.is_off() {
        0
    } else {
        (height / 3).clamp(4, 10)
    }
}

/// The responder's box: where it listens, how many requests it answered, the last ones.
pub fn draw(f: &mut Frame<'_>, app: &App, area: Rect) {
    let key = app.keymap.key_for(Context::List, Action::ToggleResponder);
    let (title, served, total) = match &app.generate.responder {
        ResponderState::On {
            addr,
            served,
            total,
            ..
        } => (
            format!("OCSP responder http://{addr} · {total} answered · {key} stops"),
            Some(served),
            *total,
        ),
        ResponderState::Starting(_) => ("OCSP responder: starting…".to_string(), None, 0),
        ResponderState::Stopping => ("OCSP responder: stopping…".to_string(), None, 0),
        ResponderState::Off => return,
    };
    let block = pane_block(&title, false);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    let lines: Vec<Line<'static>> = match served {
        Some(served) if total > 0 => served
            .iter()
            .skip(served.len().saturating_sub(rows))
            .map(|s| {
                let clock =
                    s.at.format(time::macros::format_description!(
                        "[hour]:[minute]:[second]"
                    ))
                    .unwrap_or_default();
                Line::from(vec![
                    Span::styled(format!("{clock} {:<4} ", s.method), theme::dim()),
                    Span::raw(certbench_lab::responded::line(s)),
                ])
            })
            .collect(),
        _ => vec![Line::from(Span::styled(
            "No request yet: openssl ocsp -issuer CA.crt -cert CERT.crt -url URL asks here.",
            theme::dim(),
        ))],
    };
    f.render_widget(Paragraph::new(lines), inner);
}
