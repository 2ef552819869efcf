//! The Handshake pane. The live loopback handshake (tokio-rustls on both sides, decoded from the
//! wire) is not built yet; until it is, the pane says so rather than show anything made up.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::ui::pane_block;

pub fn draw(f: &mut Frame<'_>, app: &App, area: Rect) {
    let block = pane_block("Handshake", true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let has = |n: &str| app.view.rows.iter().any(|r| r.entity.name == n);
    let ready = has("server") && has("client") && has("ca");
    let dir = app.view.dir.display();
    let mut lines = vec![
        Line::from(Span::styled(
            "The live mTLS handshake is not built yet.",
            theme::heading(),
        )),
        Line::default(),
        Line::from(
            "It will run our own tokio-rustls server and client on 127.0.0.1 with this workspace's certificates and show every message of the real handshake as it happens.",
        ),
        Line::default(),
    ];
    if ready {
        lines.push(Line::from(
            "Meanwhile, the same handshake by hand with openssl, in two shells:",
        ));
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!("  cd {dir} && openssl s_server -accept 127.0.0.1:8443 -cert server.crt -key server.key -cert_chain intermediate.crt -CAfile ca.crt -Verify 1 -www"),
            theme::key(),
        )));
        lines.push(Line::from(Span::styled(
            format!("  cd {dir} && curl --cacert ca.crt --cert client-chain.crt --key client.key https://localhost:8443/"),
            theme::key(),
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
