//! Whether a run went as its scenario says: each expected fact compared as the value it is.

use serde::Serialize;

use crate::{Alert, Scenario};
use certbench_tls::event::Event;
use certbench_tls::run::Summary;
use certbench_wire::Side;
use certbench_wire::names::HandshakeType;

/// One way a run differs from what its scenario expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub what: &'static str,
    pub expected: String,
    pub got: String,
}

/// How a run differs from what the scenario expects (nothing: it failed, or worked, as designed).
pub fn check(s: &Scenario, summary: &Summary, events: &[Event]) -> Vec<Mismatch> {
    let e = &s.expect;
    let mut out = Vec::new();
    // Each fact compared as the value it is; words only for the mismatch a person reads.
    let mut differ = |what: &'static str, expected: String, got: String| {
        out.push(Mismatch {
            what,
            expected,
            got,
        });
    };
    let opt = |o: Option<&str>| o.unwrap_or("none").to_string();
    if e.ok != summary.ok() {
        differ("ok", e.ok.to_string(), summary.ok().to_string());
    }
    let f = summary.failure();
    let detected_by = f.map(|f| f.detected_by);
    if e.detected_by != detected_by {
        differ(
            "detected_by",
            opt(e.detected_by.map(Side::name)),
            opt(detected_by.map(Side::name)),
        );
    }
    let cause = f.map(|f| f.cause.code());
    if e.cause != cause {
        differ("cause", opt(e.cause), opt(cause));
    }
    let error = f.and_then(|f| f.error.as_deref());
    if e.error != error {
        differ("error", opt(e.error), opt(error));
    }
    let alert_sent = f.and_then(|f| f.alert_sent);
    if e.alert_sent != alert_sent {
        differ(
            "alert_sent",
            opt(e.alert_sent.map(Alert::name)),
            opt(alert_sent.map(Alert::name)),
        );
    }
    let alert_received = f.and_then(|f| f.alert_received);
    if e.alert_received != alert_received {
        differ(
            "alert_received",
            opt(e.alert_received.map(Alert::name)),
            opt(alert_received.map(Alert::name)),
        );
    }
    let step = |s: Option<(HandshakeType, Side)>| {
        s.map(|(m, side)| format!("{} from the {}", m.name(), side.name()))
            .unwrap_or_else(|| "none".into())
    };
    let expected_step = e.stopped_after.map(|a| (a.message, a.from));
    let stopped_after = f.and_then(|f| f.stopped_after).map(|s| (s.message, s.from));
    if expected_step != stopped_after {
        differ("stopped_after", step(expected_step), step(stopped_after));
    }
    let staple = events.iter().find_map(|ev| match &ev.kind {
        certbench_tls::event::EventKind::Verdict(certbench_tls::event::Verdict::Staple {
            checked,
            ..
        }) => Some(match checked {
            Ok(c) => c.verdict.code(),
            Err(certbench_x509::ocsp::OcspError::Absent) => "none",
            Err(_) => "unreadable",
        }),
        _ => None,
    });
    if e.staple != staple {
        differ("staple", opt(e.staple), opt(staple));
    }
    if e.ok {
        let retried = events.iter().any(|ev| {
            matches!(
                ev.message(),
                Some(certbench_wire::Message::ServerHello(h)) if h.hello_retry_request
            )
        });
        if e.hello_retry != retried {
            differ(
                "hello_retry",
                e.hello_retry.to_string(),
                retried.to_string(),
            );
        }
        let authenticated = summary.client_identity.is_some();
        if e.client_authenticated != authenticated {
            differ(
                "client_authenticated",
                e.client_authenticated.to_string(),
                authenticated.to_string(),
            );
        }
    }
    out
}
