//! One self-contained HTML page of a real run: a ladder of the messages as they crossed (SVG,
//! each arrow a link), then each message byte by byte (its records as on the wire, opened, and
//! the message, every field with its bytes and what it reads as, from the same annotation the
//! TUI's byte view reads), the certificates it carried, who proved what, and for a failed run
//! the side that caught it, the alert, the cause, the culprit and the fix.
//!
//! The page makes no request of any kind and runs no script: styles are inline, a Content
//! Security Policy forbids everything else, and every text that came from a certificate or a
//! peer is escaped (a subject holding `<script>` is shown as text). Words are from
//! assets/page.toml and the tables the TUI uses.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use certbench_base::text::hex_spaced as hex;
use certbench_tls::annotate::{SectionKind, annotate, version_of};
use certbench_tls::event::{Event, WireWhat};
use certbench_tls::run::Summary;
use certbench_wire::Side;
use certbench_wire::messages::Message;
use certbench_wire::observe::Protection;
use time::OffsetDateTime;

/// What a page is made of.
pub struct Run<'a> {
    pub summary: &'a Summary,
    pub events: &'a [Event],
    pub explained: &'a certbench_lab::Explained,
    /// The lab scenario's title, when the run is a scenario's.
    pub scenario: Option<&'a str>,
    /// What is known of how it ended, said instead of the run's outcome (a relayed
    /// connection's: neither side is certbench's, so "succeeded" is not known), with lines to
    /// add under it (what the server's CertificateRequest asked, which certificates fit).
    pub said: Option<Said>,
    /// Whose program the other side is: `serve` (certbench the server), `connect` (certbench
    /// the client), `relay` (neither); `None` for certbench's own run, both sides its own. What a
    /// side that is not certbench's made of what it received is not known, and is not claimed.
    pub peer: Option<certbench_lab::Peer>,
    /// Show the run's secrets, the keys they give and one record opened with them: for
    /// certbench's own demo runs (someone else's connection only when the user asks).
    pub secrets: bool,
    pub made: OffsetDateTime,
}

const PAGE: &str = include_str!("../../../assets/page.toml");

/// What is known of how a connection ended, from the wire alone, and lines under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub ok: bool,
    pub text: String,
    pub notes: Vec<String>,
}

impl Said {
    /// A relayed connection, said as the relay's line says it (`tui`: in the TUI's words), with
    /// what the server's CertificateRequest asked.
    pub fn of_relayed(r: &certbench_tls::relay::Relayed, tui: bool) -> Said {
        let said = certbench_lab::relayed::said(r, tui);
        Said {
            ok: r.ending == certbench_tls::relay::Ending::Ok && r.http_refusal().is_none(),
            text: format!("{}: {}", said.status, said.line),
            notes: certbench_lab::relayed::request_lines(r),
        }
    }
}

/// A word of assets/page.toml, filled; the key when missing (a test checks none is).
fn w(key: &str, values: &[(&'static str, String)]) -> String {
    static TABLE: OnceLock<HashMap<String, HashMap<String, String>>> = OnceLock::new();
    certbench_base::assets::table(&TABLE, PAGE)
        .get("words")
        .and_then(|t| t.get(key))
        .map_or_else(
            || key.to_string(),
            |t| certbench_base::assets::fill(t, values),
        )
}

/// Text for HTML: control and bidirectional characters made visible (as everywhere), then `&`,
/// `<`, `>`, `"` and `'` escaped, so nothing from a certificate or a peer is markup.
pub fn esc(s: &str) -> String {
    let safe = certbench_base::text::display_safe(s, 4000);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The most bytes a field's cell shows; the rest is counted.
const FIELD_HEX: usize = 64;
/// The most bytes a section's dump shows.
const DUMP_HEX: usize = 16 * 1024;

/// The page of a run, as one HTML document.
pub fn page(run: &Run<'_>) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = match run.scenario {
        Some(t) => w("title_scenario", &[("title", t.to_string())]),
        None => w("title", &[]),
    };
    head(&mut h, &title);
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    let made = run
        .made
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<p class=\"made\">{}</p>",
        esc(&w("made", &[("at", made)]))
    );
    outcome(&mut h, run);
    // Where the field at fault lives: said in the failure, marked in its message's bytes.
    let spot = culprit_spot(run);
    failure(&mut h, run, spot.as_ref());
    proofs(&mut h, run);
    checks(&mut h, run.events);
    ladder(&mut h, run.events);
    if run.secrets {
        keys(&mut h, run);
    }
    messages(&mut h, run.events, spot, run.made);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// One scenario in the gallery's index.
pub struct Entry<'a> {
    /// Its page, beside the index.
    pub file: String,
    pub name: &'a str,
    pub title: &'a str,
    /// What it is designed to do ("the server catches unknown_ca").
    pub outcome: String,
    /// Its page was written (the scenario ran).
    pub written: bool,
}

/// The index of a gallery of scenario pages.
pub fn index(entries: &[Entry<'_>], made: OffsetDateTime) -> String {
    let mut h = String::with_capacity(8 * 1024);
    let title = w("gallery", &[]);
    head(&mut h, &title);
    let made = made
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(
        h,
        "<p class=\"made\">{}</p>",
        esc(&w("gallery_note", &[("at", made)]))
    );
    let _ = writeln!(
        h,
        "<table class=\"parts gallery\"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(&w("scenario", &[])),
        esc(&w("designed", &[]))
    );
    for e in entries {
        let name = if e.written {
            format!("<a href=\"{}\">{}</a>", esc(&e.file), esc(e.title))
        } else {
            format!("{} {}", esc(e.title), esc(&w("not_written", &[])))
        };
        let _ = writeln!(
            h,
            "<tr><td>{name}<br><code>{}</code></td><td>{}</td></tr>",
            esc(e.name),
            esc(&e.outcome)
        );
    }
    h.push_str("</tbody></table>\n</main>\n</body>\n</html>\n");
    h
}

/// The document's head, its policy and style, up to the opening of `<main>`.
fn head(h: &mut String, title: &str) {
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing but the inline styles: no script, no request, no frame, no form.
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    let _ = writeln!(h, "<title>{}</title>", esc(title));
    h.push_str("<style>\n");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");
}

/// The outcome in one line, and what was agreed.
fn outcome(h: &mut String, run: &Run<'_>) {
    let s = run.summary;
    if let Some(said) = &run.said {
        let class = if said.ok { "ok" } else { "bad" };
        let _ = writeln!(h, "<p class=\"outcome {class}\">{}</p>", esc(&said.text));
        for note in &said.notes {
            let _ = writeln!(h, "<p>{}</p>", esc(note));
        }
    }
    let (class, text) = match s.failure() {
        _ if s.ok() => ("ok", w("worked", &[])),
        Some(f) => (
            "bad",
            w("failed", &[("side", f.detected_by.name().to_string())]),
        ),
        None => ("bad", w("unexplained", &[])),
    };
    if run.said.is_none() {
        let _ = writeln!(h, "<p class=\"outcome {class}\">{}</p>", esc(&text));
    }
    let agreed = s.agreed();
    if !agreed.is_empty() {
        let _ = writeln!(
            h,
            "<p><span class=\"label\">{}</span> {}</p>",
            esc(&w("agreed", &[])),
            esc(&agreed.join(" · "))
        );
    }
}

/// For a failed run: who caught it, the alerts, the cause, the culprit, the fix and the lesson.
fn failure(h: &mut String, run: &Run<'_>, spot: Option<&Spot>) {
    let Some(f) = run.summary.failure() else {
        return;
    };
    let _ = writeln!(
        h,
        "<section class=\"failure\" id=\"failure\">\n<h2>{}</h2>\n<dl>",
        esc(&w("failure", &[]))
    );
    let row = |h: &mut String, k: &str, v: String| {
        let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(&w(k, &[])), esc(&v));
    };
    row(h, "caught_by", f.detected_by.name().to_string());
    row(h, "cause", certbench_cause::describe(&f.cause));
    if let Some(a) = f.alert_sent {
        row(h, "alert_sent", a.name().to_string());
    }
    if let Some(a) = f.alert_received {
        row(h, "alert_received", a.name().to_string());
    }
    if let Some(s) = f.stopped_after {
        row(
            h,
            "stopped_after",
            format!("{} ({})", s.message, s.from.name()),
        );
    }
    if let Some(c) = &f.culprit {
        row(
            h,
            "culprit",
            format!(
                "{} ({}), {} {}",
                c.subject,
                c.side.name(),
                w("issuer", &[]),
                c.issuer
            ),
        );
        row(h, "culprit_field", c.field.to_string());
        if let Some(spot) = spot
            && let Some(e) = run.events.get(spot.event)
        {
            let _ = writeln!(
                h,
                "<dt>{}</dt><dd><a href=\"#m{}\">{}</a></dd>",
                esc(&w("culprit_bytes", &[])),
                spot.event,
                esc(&w(
                    "culprit_bytes_value",
                    &[
                        ("label", spot.label.clone()),
                        ("value", spot.value.clone()),
                        ("start", spot.range.start.to_string()),
                        ("end", spot.range.end.to_string()),
                        ("side", e.side.name().to_string()),
                        ("message", label(e).unwrap_or_default()),
                    ]
                ))
            );
        }
    }
    h.push_str("</dl>\n");
    if let Some(fix) = &run.explained.fix {
        let _ = writeln!(
            h,
            "<p><strong>{}:</strong> {}</p>",
            esc(&w("fix", &[])),
            esc(fix)
        );
    }
    if let Some(lesson) = &run.explained.lesson {
        let _ = writeln!(
            h,
            "<h3>{}</h3>\n<p>{}</p>",
            esc(&w("lesson", &[])),
            esc(lesson)
        );
    }
    h.push_str("</section>\n");
}

/// The culprit field of a failed run, where it lives on the wire: the event whose message
/// carried the certificate at fault, the field's byte range in that message, its label and
/// value (from the x509 crate's field tree, as the Inspector shows it).
struct Spot {
    event: usize,
    range: std::ops::Range<usize>,
    label: String,
    value: String,
}

fn culprit_spot(run: &Run<'_>) -> Option<Spot> {
    let c = run.summary.failure()?.culprit.as_ref()?;
    let node = certbench_x509::tree::field_tree(&c.der, run.made)
        .ok()?
        .into_iter()
        .find(|n| n.explain == c.field)?;
    run.events.iter().enumerate().find_map(|(i, e)| {
        let carried = e.wire()?.carried.as_ref()?;
        if e.side != c.side || !e.certificates().iter().any(|d| *d == c.der.as_slice()) {
            return None;
        }
        let at = carried
            .bytes
            .windows(c.der.len())
            .position(|w| w == c.der.as_slice())?;
        Some(Spot {
            event: i,
            range: at + node.start..at + node.end,
            label: node.label.clone(),
            value: node.value.clone(),
        })
    })
}

/// Who proved what to whom: the same sentences as the TUI's.
fn proofs(h: &mut String, run: &Run<'_>) {
    let p = certbench_tls::proof::proofs(run.events);
    if p.server.is_none() && !run.summary.ok() && run.peer.is_none() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"proofs\">\n<h2>{}</h2>",
        esc(&w("proved", &[]))
    );
    let mut sentences = certbench_tls::proof::sentences(&p);
    // Only what certbench's own side judged is known, as the TUI says it.
    match run.peer {
        Some(certbench_lab::Peer::Serve | certbench_lab::Peer::Relay) => {
            sentences[0] = certbench_tls::event::say("proof_server_unknown", &[]);
        }
        Some(certbench_lab::Peer::Connect) => {
            sentences[1] = certbench_tls::event::say("proof_client_unknown", &[]);
        }
        None => {}
    }
    for s in sentences {
        let _ = writeln!(h, "<p>{}</p>", esc(&s));
    }
    h.push_str("</section>\n");
}

/// Every verdict of a verifier: who checked what, and what came of it, with its fields.
fn checks(h: &mut String, events: &[Event]) {
    use certbench_tls::event::EventKind;
    let verdicts: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Verdict(_)))
        .collect();
    if verdicts.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"checks\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>\n<ul class=\"checks\">",
        esc(&w("checks", &[])),
        esc(&w("checks_note", &[]))
    );
    for e in verdicts {
        let class = if e.is_failure() { "bad" } else { "ok" };
        let fields: Vec<String> = e
            .fields()
            .into_iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let _ = writeln!(
            h,
            "<li><span class=\"{class}\">{}</span> <span class=\"note\">({})</span><br><span class=\"note\">{}</span></li>",
            esc(&certbench_tls::event::headline(e)),
            esc(&w("checked_by", &[("side", e.side.name().to_string())])),
            esc(&fields.join(" · "))
        );
    }
    h.push_str("</ul>\n</section>\n");
}

/// A wire event's name as the ladder and its section show it: `{Certificate}` when it crossed
/// encrypted, as the TUI writes it.
fn label(e: &Event) -> Option<String> {
    let wire = e.wire()?;
    let mut name = wire.what.name().to_string();
    match &wire.what {
        WireWhat::Alert { alert, .. } => name = format!("Alert {}", alert.name()),
        WireWhat::Handshake { message: Ok(m), .. } => {
            if let Message::Certificate(c) = &**m
                && c.certificates.is_empty()
            {
                name.push_str(": empty");
            }
        }
        _ => {}
    }
    Some(if wire.protection == Protection::Clear {
        name
    } else {
        format!("{{{name}}}")
    })
}

/// The ladder: the client's lane on the left, the server's on the right, one arrow per message
/// in the order they crossed, each a link to its section.
fn ladder(h: &mut String, events: &[Event]) {
    let wire: Vec<(usize, &Event)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.wire().is_some())
        .collect();
    let _ = writeln!(
        h,
        "<section id=\"ladder\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(&w("ladder", &[])),
        esc(&w("ladder_note", &[("braces", "{…}".to_string())]))
    );
    let (width, left, right, top, step) = (640, 110, 530, 50, 30);
    let height = top + step * wire.len().max(1) + 20;
    let _ = writeln!(
        h,
        "<svg class=\"ladder\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" role=\"img\" aria-label=\"{}\">",
        esc(&w("ladder", &[]))
    );
    h.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" class=\"head\"/></marker></defs>\n");
    let _ = writeln!(
        h,
        "<text x=\"{left}\" y=\"24\" class=\"lane\">{}</text><text x=\"{right}\" y=\"24\" class=\"lane\">{}</text>",
        esc(&w("client", &[])),
        esc(&w("server", &[]))
    );
    let _ = writeln!(
        h,
        "<line x1=\"{left}\" y1=\"32\" x2=\"{left}\" y2=\"{}\" class=\"lifeline\"/><line x1=\"{right}\" y1=\"32\" x2=\"{right}\" y2=\"{}\" class=\"lifeline\"/>",
        height - 10,
        height - 10
    );
    for (row, (i, e)) in wire.iter().enumerate() {
        let y = top + row * step;
        let (x1, x2) = match e.side {
            Side::Client => (left, right),
            Side::Server => (right, left),
        };
        let name = label(e).unwrap_or_default();
        let class = if e.is_failure() { "msg bad" } else { "msg" };
        let _ = writeln!(
            h,
            "<a href=\"#m{i}\" class=\"{class}\" id=\"arrow-m{i}\"><line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" marker-end=\"url(#arrow)\"/><text x=\"{}\" y=\"{}\">{}</text></a>",
            (left + right) / 2,
            y - 6,
            esc(&name)
        );
    }
    h.push_str("</svg>\n</section>\n");
}

/// The run's secrets (its key log), the key and IV each TLS 1.3 traffic secret gives, and the
/// first protected record opened with them, step by step.
fn keys(h: &mut String, run: &Run<'_>) {
    use certbench_wire::decrypt::Suite;
    let secrets = run.summary.keylog.entries();
    let Some(first) = secrets.first() else {
        return;
    };
    let suite = run
        .events
        .iter()
        .find_map(|e| match e.message() {
            Some(Message::ServerHello(sh)) if !sh.hello_retry_request => Some(sh.cipher_suite),
            _ => None,
        })
        .and_then(Suite::from_id);
    let _ = writeln!(
        h,
        "<section id=\"keys\">\n<h2>{}</h2>\n<p class=\"note\">{}</p>",
        esc(&w("keys", &[])),
        esc(&w(
            if suite.is_some() {
                "keys_note"
            } else {
                "keys_tls12_note"
            },
            &[]
        ))
    );
    let _ = writeln!(
        h,
        "<p><span class=\"label\">{}</span> <code>{}</code></p>",
        esc(&w("client_random", &[])),
        hex(&first.client_random)
    );
    let _ = writeln!(
        h,
        "<table class=\"parts keys\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(&w("secret_label", &[])),
        esc(&w("secret_value", &[])),
        esc(&w("key", &[])),
        esc(&w("iv", &[]))
    );
    for entry in secrets {
        let (label, secret) = (&entry.label, entry.secret());
        // Traffic secrets give keys; the exporter secret gives none.
        let (key, iv) = suite
            .filter(|_| label.contains("TRAFFIC_SECRET"))
            .and_then(|s| s.key_and_iv(secret).ok())
            .map(|(k, i)| (hex(&k), hex(&i)))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"hexcell\">{}</td><td class=\"hexcell\">{key}</td><td class=\"hexcell\">{iv}</td></tr>",
            esc(label),
            hex(secret)
        );
    }
    h.push_str("</tbody></table>\n");
    if let Some(suite) = suite {
        one_record(h, run.events, secrets, suite);
    }
    h.push_str("</section>\n");
}

/// The first TLS 1.3 record that was opened, each input of the AEAD and what came out.
fn one_record(
    h: &mut String,
    events: &[Event],
    secrets: &[certbench_wire::keylog::Entry],
    suite: certbench_wire::decrypt::Suite,
) {
    let Some((e, record, sealing)) = events.iter().find_map(|e| {
        let c = e.wire()?.carried.as_ref()?;
        let r = c.records.first()?;
        let s = r.sealing.as_ref().filter(|s| s.inner_type.is_some())?;
        Some((e, r, s))
    }) else {
        return;
    };
    let Some((key, _)) = secrets
        .iter()
        .find(|e| e.label == sealing.secret)
        .and_then(|e| suite.key_and_iv(e.secret()).ok())
    else {
        return;
    };
    let _ = writeln!(
        h,
        "<h3>{}</h3>\n<p class=\"note\">{}</p>\n<dl class=\"fields\">",
        esc(&w("one_record", &[])),
        esc(&w(
            "one_record_note",
            &[
                ("message", label(e).unwrap_or_default()),
                ("side", e.side.name().to_string()),
                ("aead", sealing.aead.to_string()),
                ("secret", sealing.secret.to_string()),
            ]
        ))
    );
    let payload = record.payload();
    let tag_at = payload.len().saturating_sub(sealing.tag_len);
    let cut = |b: &[u8]| {
        let mut s = hex(&b[..b.len().min(FIELD_HEX)]);
        if b.len() > FIELD_HEX {
            s.push(' ');
            s.push_str(&w(
                "more_bytes",
                &[("more", (b.len() - FIELD_HEX).to_string())],
            ));
        }
        s
    };
    let plain = record.sealed_plaintext().unwrap_or_default();
    let rows: [(&str, String); 10] = [
        ("key", hex(&key)),
        ("iv", hex(sealing.iv())),
        ("seq", sealing.seq.to_string()),
        ("nonce", hex(&sealing.nonce)),
        ("aad", hex(record.header())),
        ("ciphertext", cut(&payload[..tag_at])),
        ("tag", hex(&payload[tag_at..])),
        ("plaintext", cut(&plain)),
        (
            "inner_type",
            sealing
                .inner_type
                .map(|t| format!("{t} ({})", certbench_wire::names::content_type(t)))
                .unwrap_or_default(),
        ),
        ("padding", sealing.padding.to_string()),
    ];
    for (k, v) in rows {
        let _ = writeln!(
            h,
            "<dt>{}</dt><dd class=\"hexcell\">{}</dd>",
            esc(&w(k, &[])),
            esc(&v)
        );
    }
    h.push_str("</dl>\n");
}

/// Each message: what it does, its fields, its bytes field by field, its certificates.
fn messages(h: &mut String, events: &[Event], spot: Option<Spot>, now: OffsetDateTime) {
    let version = version_of(events);
    let tls12 = version == certbench_wire::messages::Version::Tls12;
    let _ = writeln!(h, "<h2>{}</h2>", esc(&w("messages", &[])));
    let mut n = 0;
    for (i, e) in events.iter().enumerate() {
        let Some(wire) = e.wire() else { continue };
        n += 1;
        let name = label(e).unwrap_or_default();
        let _ = writeln!(
            h,
            "<section class=\"message\" id=\"m{i}\" data-message=\"{}\" data-side=\"{}\">",
            esc(wire.what.name()),
            e.side.name()
        );
        let protection = match wire.protection {
            Protection::Clear => "protection_clear",
            Protection::Handshake => "protection_hs",
            Protection::Application => "protection_app",
            Protection::Tls12 | Protection::Tls12Encrypted => "protection_tls12",
        };
        let _ = writeln!(
            h,
            "<h3>{n}. {} <span class=\"dir\">{} · {} · {}</span></h3>",
            esc(&name),
            esc(&w(
                "direction",
                &[
                    ("from", w(e.side.name(), &[])),
                    ("to", w(e.side.other().name(), &[])),
                ]
            )),
            esc(&w("size", &[("bytes", wire.size.to_string())])),
            esc(&w(protection, &[]))
        );
        if let Some(step) = certbench_x509::explain::explain_step(wire.what.name()) {
            let (text, look) = step.for_version(tls12);
            let _ = writeln!(
                h,
                "<p><span class=\"label\">{}</span> {}</p>",
                esc(&w("what", &[])),
                esc(text)
            );
            if !look.is_empty() {
                let _ = writeln!(
                    h,
                    "<p><span class=\"label\">{}</span> {}</p>",
                    esc(&w("look", &[])),
                    esc(look)
                );
            }
            if !step.rfc.is_empty() {
                let _ = writeln!(
                    h,
                    "<p class=\"note\"><span class=\"label\">{}</span> {}</p>",
                    esc(&w("rfc", &[])),
                    esc(&step.rfc)
                );
            }
        }
        let fields = e.fields();
        if !fields.is_empty() {
            let _ = writeln!(
                h,
                "<details open><summary>{}</summary><dl class=\"fields\">",
                esc(&w("fields", &[]))
            );
            for (k, v) in fields {
                let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v.to_string()));
            }
            h.push_str("</dl></details>\n");
        }
        certificates(h, e, now);
        let mark = spot
            .as_ref()
            .filter(|s| s.event == i)
            .map(|s| s.range.clone());
        bytes(h, e, version, mark);
        h.push_str("</section>\n");
    }
}

/// The certificates a Certificate message carried: subject, issuer, validity of each.
fn certificates(h: &mut String, e: &Event, now: OffsetDateTime) {
    let certs = e.certificates();
    if certs.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h4>{}</h4>\n<ol class=\"certs\">",
        esc(&w("certificates", &[]))
    );
    for der in certs {
        match certbench_x509::report::brief(der) {
            Ok(b) => {
                let _ = writeln!(
                    h,
                    "<li><dl><dt>{}</dt><dd class=\"subject\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
                    esc(&w("subject", &[])),
                    esc(&b.subject),
                    esc(&w("issuer", &[])),
                    esc(&b.issuer),
                    esc(&w("validity", &[])),
                    esc(&b
                        .not_after
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default())
                );
                field_tree(h, der, now);
                h.push_str("</li>\n");
            }
            Err(err) => {
                let _ = writeln!(h, "<li>{}</li>", esc(&err.to_string()));
            }
        }
    }
    h.push_str("</ol>\n");
}

/// A certificate decoded field by field, as the Inspector shows it: each field, what it reads
/// as, and what it means (assets/explain.toml, the Inspector's words).
fn field_tree(h: &mut String, der: &[u8], now: OffsetDateTime) {
    let Ok(nodes) = certbench_x509::tree::field_tree(der, now) else {
        return;
    };
    let _ = writeln!(
        h,
        "<details><summary>{}</summary><table class=\"parts\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(&w("every_field", &[])),
        esc(&w("field", &[])),
        esc(&w("value", &[])),
        esc(&w("meaning", &[]))
    );
    for n in nodes {
        let meaning = certbench_x509::explain::explain(&n.explain)
            .map(|x| x.text.as_str())
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr class=\"d{}\"><td>{}</td><td>{}</td><td class=\"note\">{}</td></tr>",
            n.depth.min(6),
            esc(&n.label),
            esc(&n.value),
            esc(meaning)
        );
    }
    h.push_str("</tbody></table></details>\n");
}

/// The bytes: each record that carried the message, opened, then the message; each a dump and
/// a table of its fields.
fn bytes(
    h: &mut String,
    e: &Event,
    version: certbench_wire::messages::Version,
    mark: Option<std::ops::Range<usize>>,
) {
    let _ = writeln!(
        h,
        "<details open><summary>{}</summary>",
        esc(&w("bytes", &[]))
    );
    let Some(a) = annotate(e, version) else {
        let _ = writeln!(
            h,
            "<p class=\"note\">{}</p></details>",
            esc(&w("not_kept", &[]))
        );
        return;
    };
    for sec in &a.sections {
        let (title, kind) = match sec.kind {
            SectionKind::Record { n, of } => (
                w("record", &[("n", n.to_string()), ("of", of.to_string())]),
                "record",
            ),
            SectionKind::Opened { n } => (w("opened", &[("n", n.to_string())]), "opened"),
            SectionKind::Message => (w("message", &[]), "message"),
        };
        let _ = writeln!(h, "<h4>{}</h4>", esc(&title));
        let shown = &sec.bytes[..sec.bytes.len().min(DUMP_HEX)];
        let _ = write!(h, "<pre class=\"hex\" data-kind=\"{kind}\">");
        // Each field's bytes in turn shaded, named on hover; the culprit field marked.
        let mark = mark
            .clone()
            .filter(|m| sec.kind == SectionKind::Message && m.end <= shown.len() && !m.is_empty());
        h.push_str(&dump(shown, &sec.parts, mark));
        if sec.bytes.len() > shown.len() {
            let _ = write!(
                h,
                " {}",
                esc(&w(
                    "more_bytes",
                    &[("more", (sec.bytes.len() - shown.len()).to_string())]
                ))
            );
        }
        h.push_str("</pre>\n");
        let _ = writeln!(
            h,
            "<table class=\"parts\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(&w("field", &[])),
            esc(&w("value", &[])),
            esc(&w("hex", &[])),
            esc(&w("what_it_is", &[]))
        );
        for p in &sec.parts {
            let range = p.range.start.min(sec.bytes.len())..p.range.end.min(sec.bytes.len());
            let b = &sec.bytes[range];
            let mut cell = hex(&b[..b.len().min(FIELD_HEX)]);
            if b.len() > FIELD_HEX {
                cell.push(' ');
                cell.push_str(&w(
                    "more_bytes",
                    &[("more", (b.len() - FIELD_HEX).to_string())],
                ));
            }
            let value = p
                .value
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<tr class=\"d{}\"><td>{}</td><td>{}</td><td class=\"hexcell\">{}</td><td class=\"note\">{}</td></tr>",
                p.depth.min(6),
                esc(&p.name),
                esc(&value),
                esc(&cell),
                esc(certbench_x509::explain::explain_wire_field(&p.name).unwrap_or_default())
            );
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</details>\n");
}

/// A section's bytes as hex, each field (a leaf of the annotation) in its own span, shaded in
/// turn and named on hover; `mark`, the culprit field, inside whatever field holds it.
fn dump(
    bytes: &[u8],
    parts: &[certbench_wire::bytes::Part],
    mark: Option<std::ops::Range<usize>>,
) -> String {
    let mut leaves: Vec<&certbench_wire::bytes::Part> = parts
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            certbench_wire::bytes::Part::is_leaf(parts, *i)
                && !p.range.is_empty()
                && p.range.end <= bytes.len()
        })
        .map(|(_, p)| p)
        .collect();
    leaves.sort_by_key(|p| p.range.start);
    // Hex of a stretch, with the culprit's part of it marked.
    let marked = |r: std::ops::Range<usize>| -> String {
        match &mark {
            Some(m) if m.start < r.end && r.start < m.end => {
                let (a, b) = (m.start.max(r.start), m.end.min(r.end));
                let mut pieces = Vec::new();
                if a > r.start {
                    pieces.push(hex(&bytes[r.start..a]));
                }
                pieces.push(format!("<mark id=\"culprit\">{}</mark>", hex(&bytes[a..b])));
                if r.end > b {
                    pieces.push(hex(&bytes[b..r.end]));
                }
                pieces.join(" ")
            }
            _ => hex(&bytes[r]),
        }
    };
    let mut chunks: Vec<String> = Vec::new();
    let mut at = 0;
    for (n, p) in leaves.iter().enumerate() {
        if p.range.start < at {
            continue;
        }
        if p.range.start > at {
            chunks.push(marked(at..p.range.start));
        }
        let value = p
            .value
            .as_ref()
            .map(|v| format!(": {v}"))
            .unwrap_or_default();
        chunks.push(format!(
            "<span class=\"f{}\" title=\"{}\">{}</span>",
            n % 2,
            esc(&format!("{}{value}", p.name)),
            marked(p.range.clone())
        ));
        at = p.range.end;
    }
    if at < bytes.len() {
        chunks.push(marked(at..bytes.len()));
    }
    chunks.join(" ")
}

const STYLE: &str = r#"
:root { --fg: #1b1f24; --bg: #fdfdfc; --dim: #5b6570; --line: #c9d1d9; --accent: #0b63b6;
  --ok: #1a7f37; --bad: #c21f30; --code: #f3f4f6; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --dim: #8b949e; --line: #30363d; --accent: #58a6ff;
    --ok: #3fb950; --bad: #f85149; --code: #161b22; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { margin: 0 0 .4rem; font-size: 1.15rem; }
h3 .dir { color: var(--dim); font-weight: normal; font-size: .9rem; }
h4 { margin: 1rem 0 .3rem; font-size: .95rem; }
.made, .note { color: var(--dim); font-size: .9rem; }
.label { color: var(--dim); font-weight: 600; margin-right: .3rem; }
.outcome { font-size: 1.2rem; font-weight: 700; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
.failure { border-left: 4px solid var(--bad); padding: .2rem 1rem; margin-top: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0; }
dt { color: var(--dim); } dd { margin: 0; overflow-wrap: anywhere; }
section.message { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
section.message:target { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }
svg.ladder { max-width: 100%; height: auto; font: 13px system-ui, sans-serif; }
svg .lane { font-weight: 700; fill: var(--fg); text-anchor: middle; }
svg .lifeline { stroke: var(--line); stroke-width: 2; }
svg .msg line { stroke: var(--accent); stroke-width: 1.6; }
svg .msg text { fill: var(--accent); text-anchor: middle; }
svg .msg.bad line { stroke: var(--bad); } svg .msg.bad text { fill: var(--bad); }
svg .head { fill: var(--accent); }
svg a:hover text, svg a:focus text { text-decoration: underline; }
pre.hex { background: var(--code); padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere;
  font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
table.parts { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.parts th, table.parts td { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
td.hexcell, dd.hexcell, code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .8rem; overflow-wrap: anywhere; }
tr.d1 td:first-child { padding-left: 1.2rem; } tr.d2 td:first-child { padding-left: 2rem; }
tr.d3 td:first-child { padding-left: 2.8rem; } tr.d4 td:first-child, tr.d5 td:first-child,
tr.d6 td:first-child { padding-left: 3.6rem; }
a { color: var(--accent); }
mark { background: #ffd33d; color: #000; }
.f0 { background: rgba(11, 99, 182, .10); } .f1 { background: rgba(26, 127, 55, .13); }
@media (prefers-color-scheme: dark) { .f0 { background: rgba(88, 166, 255, .16); } .f1 { background: rgba(63, 185, 80, .16); } }
summary { cursor: pointer; font-weight: 600; margin-top: .6rem; }
ol.certs { padding-left: 1.4rem; }
@media print {
  :root { --fg: #000; --bg: #fff; --dim: #444; --line: #bbb; --code: #fff; }
  main { max-width: none; padding: 0; }
  section.message { break-inside: avoid-page; }
  details > summary { list-style: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_a_peer_is_never_markup() {
        let e = esc("<script>alert('x')</script> & \"q\"");
        assert!(
            !e.contains('<') && !e.contains('>') && !e.contains('"'),
            "{e}"
        );
        assert!(e.contains("&lt;script&gt;"), "{e}");
    }

    /// Every word the page asks for is in assets/page.toml.
    #[test]
    fn every_word_is_in_the_table() {
        let table: HashMap<String, HashMap<String, String>> = toml::from_str(PAGE).unwrap();
        let words = &table["words"];
        let src = include_str!("lib.rs");
        for (i, _) in src.match_indices("w(\"") {
            let key: String = src[i + 3..].chars().take_while(|c| *c != '"').collect();
            assert!(words.contains_key(&key), "{key} is not in assets/page.toml");
        }
        for key in [
            "client",
            "server",
            "protection_hs",
            "protection_app",
            "protection_tls12",
        ] {
            assert!(words.contains_key(key), "{key}");
        }
    }
}
