//! Snapshots of every pane at 80x24 and 160x48, drawn from a real workspace. The clock is fixed;
//! random serials and fingerprints are replaced with fixed values before drawing.

use std::path::PathBuf;

use certbench_pki::IssueSpec;
use certbench_pki::workspace::{SetId, SetOptions, Workspace};

use crate::panes::handshake::CursorOn as _;
use certbench_x509::Role;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use time::OffsetDateTime;
use time::macros::datetime;

use crate::action::{Action, Pane};
use crate::app::App;
use crate::keymap::KeyMap;
use crate::panes::generate::form::FormField;
use crate::ui;
use crate::view::WorkspaceView;

/// The demo set with a fixed set id, so the CA names a snapshot shows are the same every run.
fn fixed_set() -> SetOptions {
    SetOptions {
        set_id: SetId::new("5eed01"),
        ..SetOptions::default()
    }
}

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);
const FAKE_SERIAL: &str = "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67";
const FAKE_SHA: &str = "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";

fn demo_app(size: (u16, u16), with_issued: bool) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path()).unwrap();
    ws.gen_set(&fixed_set(), false, NOW).unwrap();
    let issued = with_issued.then(|| {
        let mut spec = IssueSpec::for_role(Role::Server, "web");
        spec.sans = vec!["web.internal".into(), "10.0.0.7".into()];
        spec.subject.common_name = "web.internal".into();
        ws.issue(&spec, false, NOW).unwrap()
    });
    let mut view = WorkspaceView::load(dir.path());
    view.dir = PathBuf::from("/home/ada/.local/share/certbench/workspace");
    for row in &mut view.rows {
        if let Ok(s) = &mut row.summary {
            s.serial = FAKE_SERIAL.into();
            s.sha256 = FAKE_SHA.into();
        }
    }
    let mut app = App::new(KeyMap::defaults(), view, NOW, size);
    if let Some(mut i) = issued {
        i.summary.serial = FAKE_SERIAL.into();
        i.summary.sha256 = FAKE_SHA.into();
        let serial: String = i.entity.serial.clone();
        i.openssl = i
            .openssl
            .replace(&serial, "0123456789ABCDEF0123456789ABCDEF01234567");
        i.files = i
            .files
            .iter()
            .map(|f| {
                PathBuf::from("/home/ada/.local/share/certbench/workspace")
                    .join(f.file_name().unwrap())
            })
            .collect();
        app.generate.last_issued = Some(Box::new(i));
    }
    (dir, app)
}

pub(crate) fn render(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(app.width, app.height)).unwrap();
    terminal.draw(|f| ui::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn generate_pane_80x24() {
    let (_d, app) = demo_app((80, 24), false);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn generate_pane_160x48_with_the_last_issued_certificate() {
    let (_d, mut app) = demo_app((160, 48), true);
    app.update(Action::Activate); // focus the form
    insta::assert_snapshot!(render(&app));
}

#[test]
fn generate_form_shows_errors_next_to_fields_80x24() {
    let (_d, mut app) = demo_app((80, 24), false);
    app.update(Action::Activate);
    app.generate
        .form
        .set_text(FormField::Sans, "localhost, 10.0.0.300");
    app.generate.form.set_text(FormField::Days, "-3");
    app.generate.form.select(FormField::Sans);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn issued_overlay_80x24() {
    let (_d, mut app) = demo_app((80, 24), true);
    app.update(Action::ShowResult);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn help_overlay_100x40() {
    let (_d, mut app) = demo_app((100, 40), false);
    app.update(Action::ToggleHelp);
    insta::assert_snapshot!(render(&app));
}

#[test]
fn revoke_dialog_80x24() {
    let (_d, mut app) = demo_app((80, 24), false);
    app.generate.list_selected = app
        .view
        .rows
        .iter()
        .position(|r| r.entity.name == "client")
        .unwrap();
    app.update(Action::Revoke);
    insta::assert_snapshot!(render(&app));
}

/// The Inspect pane on the committed fixture certificates (fixed bytes, fixed clock). They were
/// made by `certbench gen` and `certbench issue` on 2026-11-22 (no keys kept); `broken.pem` is
/// bad on purpose.
fn inspect_app(size: (u16, u16)) -> App {
    // The repository's root, where tests/fixtures is.
    let repo = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .unwrap();
    let fixtures = repo.join("tests/fixtures/inspect");
    let sources = crate::Sources {
        dir: PathBuf::from("/nonexistent/certbench-workspace"),
        open: vec![fixtures],
        system: false,
        relay: None,
    };
    let mut loaded = crate::load_inspect(&sources, NOW);
    // Show paths relative to the repository, so the snapshot is the same in any checkout.
    for item in &mut loaded.items {
        if let Ok(rel) = item.source.strip_prefix(&repo) {
            item.source = rel.to_path_buf();
        }
    }
    let mut app = App::new(KeyMap::defaults(), WorkspaceView::default(), NOW, size);
    app.view.dir = PathBuf::from("/home/ada/.local/share/certbench/workspace");
    app.update(Action::ShowPane(Pane::Inspect));
    app.update(Action::InspectLoaded(Box::new(loaded)));
    app
}

#[test]
fn inspect_pane_80x24_and_160x48() {
    for size in [(80, 24), (160, 48)] {
        let mut app = inspect_app(size);
        // The server certificate, its fields, the subjectAltName.
        select_row(&mut app, "localhost");
        app.update(Action::Activate);
        while app.inspect.nodes()[app.inspect.field].label != "subjectAltName" {
            app.update(Action::Down);
        }
        insta::assert_snapshot!(
            format!("inspect_fields_{}x{}", size.0, size.1),
            render(&app)
        );
        app.update(Action::Activate);
        insta::assert_snapshot!(format!("inspect_hex_{}x{}", size.0, size.1), render(&app));
    }
}

#[test]
fn inspect_list_marks_lints_and_errors_and_filters_80x24() {
    let mut app = inspect_app((80, 24));
    insta::assert_snapshot!("inspect_list_80x24", render(&app));
    app.update(Action::StartFilter);
    for c in "alice".chars() {
        app.update(Action::Insert(c));
    }
    insta::assert_snapshot!("inspect_filtered_80x24", render(&app));
}

#[test]
fn handshake_pane_80x24() {
    let (_d, mut app) = demo_app((80, 24), false);
    app.update(Action::ShowPane(Pane::Handshake));
    insta::assert_snapshot!(render(&app));
}

#[test]
fn every_size_from_tiny_to_wide_draws_without_panicking() {
    let (_d, mut app) = demo_app((80, 24), true);
    for pane in Pane::ALL {
        app.update(Action::ShowPane(pane));
        for (w, h) in [
            (1, 1),
            (20, 5),
            (40, 10),
            (80, 24),
            (139, 30),
            (140, 30),
            (250, 70),
        ] {
            app.update(Action::Resize {
                width: w,
                height: h,
            });
            render(&app);
        }
    }
}

#[test]
fn overwrite_dialog_80x24_shows_its_keys() {
    let (_d, mut app) = demo_app((80, 24), false);
    app.dialog = Some(crate::app::Dialog::Overwrite {
        spec: Box::new(IssueSpec::for_role(Role::Server, "server")),
        path: PathBuf::from("/home/ada/.local/share/certbench/workspace/server.crt"),
    });
    let screen = render(&app);
    assert!(screen.contains("y/enter replace"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn inspect_path_prompt_with_completions_80x24() {
    let mut app = inspect_app((80, 24));
    app.update(Action::StartOpen);
    for c in "/etc/ssl/cert".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Completions {
        typed: "/etc/ssl/cert".into(),
        candidates: vec!["/etc/ssl/cert.pem".into(), "/etc/ssl/certs/".into()],
    });
    let screen = render(&app);
    assert!(screen.contains("open /etc/ssl/cert▏"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn hostile_names_are_drawn_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["ok.example".to_string()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "evil\u{1b}[31mred\u{202e}txt");
    let path = dir.path().join("evil.crt");
    std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
    let sources = crate::Sources {
        dir: dir.path().join("none"),
        open: vec![path],
        system: false,
        relay: None,
    };
    let mut app = App::new(KeyMap::defaults(), WorkspaceView::default(), NOW, (100, 30));
    app.update(Action::ShowPane(Pane::Inspect));
    app.update(Action::InspectLoaded(Box::new(crate::load_inspect(
        &sources, NOW,
    ))));
    for keys in [
        vec![],
        vec![Action::Activate],
        vec![Action::Down, Action::Down],
    ] {
        for k in keys {
            app.update(k);
        }
        let screen = render(&app);
        assert!(
            !screen.contains('\u{1b}') && !screen.contains('\u{202e}'),
            "{screen}"
        );
        assert!(screen.contains("1B[31mred"), "shown escaped: {screen}");
    }
}

#[test]
fn handshake_pane_shows_a_real_run_as_it_arrives() {
    let (_d, mut app) = demo_app((120, 60), false);
    app.view.dir = _d.path().to_path_buf();
    app.update(Action::ShowPane(Pane::Handshake));
    let effects = app.update(Action::RunHandshake);
    let Some(crate::action::Effect::RunHandshake { run, options, .. }) = effects.first().cloned()
    else {
        panic!("r starts a run: {effects:?}")
    };
    assert!(app.busy().is_some(), "a spinner while it runs");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = rt.block_on(certbench_tls::run::run(&options, tx)).unwrap();
    let mut first = true;
    while let Ok(event) = rx.try_recv() {
        app.update(Action::HandshakeEvent {
            run,
            event: Box::new(event),
        });
        if first {
            // Drawn while the run is still going: one event in, more to come.
            let screen = render(&app);
            assert!(screen.contains("listening on 127.0.0.1"), "{screen}");
            first = false;
        }
    }
    app.update(Action::HandshakeFinished {
        run,
        result: Ok(Box::new(summary)),
    });
    assert!(app.busy().is_none());
    let screen = render(&app);
    for want in [
        "─ ClientHello ─",
        "▶",
        "◀─",
        "{EncryptedExtensions}",
        "◆ {CertificateRequest}",
        "server chain verified",
        "client chain verified",
        "✓ TLS 1.3",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    // Selecting the ClientHello shows its fields and what it does.
    while app.handshake.events[app.handshake.selected].code() != "ClientHello" {
        app.update(Action::Up);
    }
    let screen = render(&app);
    assert!(
        screen.contains("key_shares:") && screen.contains("X25519MLKEM768 (1216"),
        "{screen}"
    );
    assert!(screen.contains("RFC 8446 4.1.2"), "{screen}");
}

/// A workspace for snapshots of real runs: Ed25519 keys (64-byte signatures every time, so every
/// message has the same size from run to run), valid from now on.
fn handshake_app(size: (u16, u16)) -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let set = SetOptions {
        key_alg: certbench_pki::KeyAlg::Ed25519,
        ..fixed_set()
    };
    Workspace::open(dir.path())
        .unwrap()
        .gen_set(&set, false, OffsetDateTime::now_utc())
        .unwrap();
    let mut view = WorkspaceView::load(dir.path());
    view.dir = dir.path().to_path_buf();
    let mut app = App::new(KeyMap::defaults(), view, NOW, size);
    app.update(Action::ShowPane(Pane::Handshake));
    (dir, app)
}

/// What changes from run to run of the same handshake, made steady for a snapshot: the times
/// (each event 100 µs after the one before, in the order they came) and the ports.
fn steady(index: usize, mut event: certbench_tls::run::Event) -> Box<certbench_tls::run::Event> {
    use certbench_tls::run::{EventKind, Note};
    event.t_us = 100 * index as u64;
    event.paused_us = 0;
    match &mut event.kind {
        EventKind::Note(Note::Listening { addr }) => addr.set_port(40000),
        EventKind::Note(Note::Accepted { peer }) => peer.set_port(50000),
        _ => {}
    }
    Box::new(event)
}

/// The diagram's size column hidden: a lab scenario's ECDSA signatures (DER, 70 to 72 bytes) make
/// its Certificate and CertificateVerify sizes change from run to run.
fn sizes_hidden(screen: &str) -> String {
    screen
        .lines()
        .map(|line| match line.find(" B ") {
            Some(at) if at >= 5 && line[..at].ends_with(|c: char| c.is_ascii_digit()) => {
                let start = line[..at]
                    .rfind(|c: char| !c.is_ascii_digit())
                    .map_or(0, |i| i + 1);
                format!(
                    "{}{}{}",
                    &line[..start],
                    "#".repeat(at - start),
                    &line[at..]
                )
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One event into the pane, made steady.
fn deliver(app: &mut App, run: u64, index: &mut usize, event: certbench_tls::run::Event) {
    app.update(Action::HandshakeEvent {
        run,
        event: steady(*index, event),
    });
    *index += 1;
}

/// A real run, with the pane fed each event as it comes; `step` lets the run go flight by flight
/// and stops after `flights` of them (then cancels it).
fn feed_real_run(app: &mut App, flights: Option<usize>) {
    if flights.is_some() {
        app.update(Action::ToggleStep);
    }
    let effects = app.update(Action::RunHandshake);
    feed_run(app, effects.first().cloned(), flights);
}

/// Run the run an effect asks for, for real, with the pane fed each event as it comes.
fn feed_run(app: &mut App, effect: Option<crate::action::Effect>, flights: Option<usize>) {
    let Some(crate::action::Effect::RunHandshake {
        run,
        options,
        scenario,
    }) = effect
    else {
        panic!("a run was to start: {effect:?}")
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let stepper = options.control.stepper.clone().unwrap();
    let mut index = 0;
    let summary = rt.block_on(async {
        let task = tokio::spawn(async move {
            match scenario {
                Some(s) => certbench_lab::run(s, &options.control, tx)
                    .await
                    .map_err(|e| e.to_string()),
                None => certbench_tls::run::run(&options, tx)
                    .await
                    .map_err(|e| e.to_string()),
            }
        });
        if let Some(flights) = flights {
            let mut pauses = 0;
            while let Some(event) = rx.recv().await {
                let pause = event.kind == certbench_tls::run::EventKind::Paused;
                deliver(app, run, &mut index, event);
                if pause {
                    pauses += 1;
                    if pauses > flights {
                        break;
                    }
                    stepper.next();
                }
            }
            // What the server does meanwhile (it is not held back) arrives too.
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            while let Ok(event) = rx.try_recv() {
                deliver(app, run, &mut index, event);
            }
            stepper.cancel();
            let _ = task.await;
            None
        } else {
            let summary = task.await.unwrap().unwrap();
            while let Ok(event) = rx.try_recv() {
                deliver(app, run, &mut index, event);
            }
            Some(summary)
        }
    });
    if let Some(summary) = summary {
        app.update(Action::HandshakeFinished {
            run,
            result: Ok(Box::new(summary)),
        });
    }
    app.view.dir = PathBuf::from("/home/ada/.local/share/certbench/workspace");
}

/// Move the Inspect list's cursor to the row labelled `label`; fails the test if there is none.
fn select_row(app: &mut App, label: &str) {
    for _ in 0..app.inspect.visible.len() {
        if crate::panes::inspect::row_label(app.inspect.current_item().unwrap()) == label {
            return;
        }
        app.update(Action::Down);
    }
    panic!("no row labelled {label}");
}

fn select(app: &mut App, message: &str) {
    while app.handshake.selected > 0
        && app.handshake.events[app.handshake.selected].code() != message
    {
        app.update(Action::Up);
    }
    assert_eq!(app.handshake.events[app.handshake.selected].code(), message);
}

#[test]
fn handshake_step_mode_paused_after_the_client_hello_120x40() {
    let (_d, mut app) = handshake_app((120, 40));
    feed_real_run(&mut app, Some(1));
    assert!(
        app.handshake.is_paused(),
        "paused before the server's flight"
    );
    select(&mut app, "ClientHello");
    insta::assert_snapshot!(render(&app));
}

#[test]
fn handshake_at_80x24_the_step_box_scrolls_to_every_field() {
    let (_d, mut app) = handshake_app((80, 24));
    feed_real_run(&mut app, None);
    // (Not the ClientHello: rustls shuffles its extensions, and the snapshot would too.)
    select(&mut app, "CertificateRequest");
    insta::assert_snapshot!("handshake_run_80x24", render(&app));
    // Its fields are longer than the box: PgDn reaches the last of them.
    let screen = loop {
        let before = app.handshake.details_scroll;
        app.update(Action::ScrollDown);
        if app.handshake.details_scroll == before {
            break render(&app);
        }
    };
    insta::assert_snapshot!("handshake_run_80x24_step_scrolled", screen);
    let last_field = app.handshake.events[app.handshake.selected]
        .fields()
        .last()
        .map(|(k, _)| k.to_string())
        .unwrap();
    assert!(screen.contains(&format!("{last_field}:")), "{screen}");
}

#[test]
fn inspect_at_80x24_the_verdict_scrolls_into_view() {
    let mut app = inspect_app((80, 24));
    select_row(&mut app, "localhost");
    app.update(Action::Activate);
    // The field's explanation, then the verdict, then the fingerprints: each comes into view.
    let mut seen_chain = false;
    let screen = loop {
        let screen = render(&app);
        seen_chain |= screen.contains("Chain verifies");
        let before = app.inspect.side_scroll;
        app.update(Action::ScrollDown);
        if app.inspect.side_scroll == before {
            break screen;
        }
    };
    assert!(seen_chain, "the chain's verdict was never in view");
    assert!(screen.contains("SPKI pin"), "{screen}");
    insta::assert_snapshot!("inspect_fields_80x24_verdict_scrolled", screen);
}

/// The sequence diagram of a real run at both sizes, at its end (the Step box says who proved
/// what), after `setup` chose the run.
fn diagram_at_both_sizes(name: &str, setup: impl Fn(&mut App)) -> Vec<String> {
    let mut screens = Vec::new();
    for size in [(80, 24), (160, 48)] {
        let (_d, mut app) = handshake_app(size);
        setup(&mut app);
        feed_real_run(&mut app, None);
        let screen = render(&app);
        insta::assert_snapshot!(format!("diagram_{name}_{}x{}", size.0, size.1), screen);
        screens.push(screen);
    }
    screens
}

#[test]
fn diagram_tls13_with_a_client_certificate() {
    let screens = diagram_at_both_sizes("tls13_mutual", |_| {});
    let wide = &screens[1];
    // The lanes, the flights, what makes it mutual, and who proved what.
    for want in [
        "client",
        "server",
        "flight 2 · server → client",
        "◆ {CertificateRequest}",
        "◆ {Certificate}",
        "◆ {CertificateVerify}",
        "The server proved it holds the key of CN=localhost",
        "The client proved it holds the key of CN=alice",
        "client CN=alice",
    ] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
}

#[test]
fn diagram_tls13_without_a_client_certificate() {
    let screens = diagram_at_both_sizes("tls13_no_client_certificate", |app| {
        app.handshake.client = None;
        app.handshake.client_auth = certbench_tls::run::ClientAuth::Optional;
    });
    let wide = &screens[1];
    for want in [
        "─ {Certificate: empty} ─",
        "no CertificateVerify: no key to prove",
        "it sent an empty",
        "no client certificate",
    ] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
}

#[test]
fn diagram_of_a_server_that_does_not_ask() {
    let (_d, mut app) = handshake_app((160, 48));
    app.handshake.client_auth = certbench_tls::run::ClientAuth::None;
    feed_real_run(&mut app, None);
    let screen = render(&app);
    for want in [
        "no CertificateRequest: the server did not ask",
        "no Certificate, no CertificateVerify: not asked",
        "the server did not ask for a certificate",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    assert!(!screen.contains("◆ {"), "nothing mutual:\n{screen}");
    // The rows of what was not sent are steps of their own: up from the end to each.
    let mut seen = Vec::new();
    for _ in 0..60 {
        app.update(Action::Up);
        if let Some(a) = app.handshake.absent {
            seen.push(a);
            let screen = render(&app);
            assert!(
                screen.contains("A server asks for a client certificate")
                    || screen.contains("A client sends Certificate and CertificateVerify only"),
                "{screen}"
            );
        }
    }
    assert_eq!(
        seen,
        [
            crate::panes::handshake::Absent::ClientCertificate,
            crate::panes::handshake::Absent::CertificateRequest
        ]
    );
}

#[test]
fn diagram_tls12() {
    let screens = diagram_at_both_sizes("tls12", |app| {
        app.handshake.version = certbench_tls::run::TlsVersion::Tls12;
    });
    let wide = &screens[1];
    // TLS 1.2: the certificates and the CertificateRequest in clear, ServerKeyExchange signed.
    for want in [
        "◆ CertificateRequest",
        "─ ServerKeyExchange ─",
        "─ ◆ Certificate ─",
        "─ ◆ CertificateVerify ─",
        "{Finished}",
        "signature (ed25519) with that key verified",
    ] {
        assert!(wide.contains(want), "{want} missing:\n{wide}");
    }
}

#[test]
fn diagram_step_mode_paused() {
    for size in [(80, 24), (160, 48)] {
        let (_d, mut app) = handshake_app(size);
        feed_real_run(&mut app, Some(1));
        assert!(app.handshake.is_paused());
        // The server's pause: what comes next, and why the times leave it out. (The ClientHello,
        // selected as the last message, lists rustls's extensions in a random order.)
        while !(app.handshake.events[app.handshake.selected].code() == "paused"
            && app.handshake.events[app.handshake.selected].side
                == certbench_tls::run::Side::Server)
        {
            app.update(Action::Down);
        }
        let screen = render(&app);
        assert!(
            screen.contains("flight 2 from the server waits: space sends it"),
            "{screen}"
        );
        insta::assert_snapshot!(
            format!("diagram_step_mode_paused_{}x{}", size.0, size.1),
            screen
        );
    }
}

/// After a run the selection is on its end, a row after the last message: ↑ shows that last
/// message, ↓ comes back to who proved what.
#[test]
fn the_end_of_a_run_is_a_row_after_its_last_message() {
    let (_d, mut app) = handshake_app((160, 48));
    feed_real_run(&mut app, None);
    let screen = render(&app);
    assert!(screen.contains("✓ the end: who proved what") && screen.contains("Who proved what"));
    app.update(Action::Up);
    let last = &app.handshake.events[app.handshake.selected];
    assert_eq!(
        (last.code(), last.side),
        ("Alert".to_string(), certbench_tls::run::Side::Client)
    );
    let screen = render(&app);
    assert!(
        screen.contains("Alert close_notify") && !screen.contains("Who proved what"),
        "{screen}"
    );
    app.update(Action::Down);
    assert!(render(&app).contains("Who proved what"));
    app.update(Action::Down);
    assert!(
        render(&app).contains("Who proved what"),
        "the end is the last row"
    );
}

#[test]
fn folding_the_secrets_shows_each_and_back() {
    let (_d, mut app) = handshake_app((160, 48));
    feed_real_run(&mut app, None);
    assert!(render(&app).contains("5 secrets derived (f shows each)"));
    app.update(Action::FoldSecrets);
    let screen = render(&app);
    assert!(
        screen.contains("SERVER_HANDSHAKE_TRAFFIC_SECRET derived")
            && !screen.contains("secrets derived ("),
        "{screen}"
    );
    // Up and down go row by row: folded, the five secrets are one step.
    app.update(Action::FoldSecrets);
    select(&mut app, "ServerHello");
    app.update(Action::Up);
    assert_eq!(
        app.handshake.events[app.handshake.selected].code(),
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
    );
    app.update(Action::Up);
    assert_eq!(
        app.handshake.events[app.handshake.selected].code(),
        "ClientHello"
    );
}

/// Every message of real runs (TLS 1.3 and 1.2) selected in the pane with its bytes shown: each
/// stretch's fields add up exactly to its bytes, the message's are the bytes the records carried,
/// and the cursor walks every field, from the first to the last, drawing each.
#[test]
fn every_messages_bytes_add_up_in_the_pane() {
    for version in [
        certbench_tls::run::TlsVersion::Tls13,
        certbench_tls::run::TlsVersion::Tls12,
    ] {
        let (_d, mut app) = handshake_app((120, 40));
        app.handshake.version = version;
        feed_real_run(&mut app, None);
        let layout = crate::panes::handshake::version_of(&app.handshake.events);
        let messages: Vec<usize> = (0..app.handshake.events.len())
            .filter(|&i| app.handshake.events[i].wire().is_some())
            .collect();
        assert!(messages.len() > 10, "{version:?}");
        app.update(Action::ToggleBytes);
        for i in messages {
            app.handshake.selected = i;
            app.handshake.at_end = false;
            app.handshake.byte_cursor = Default::default();
            let e = &app.handshake.events[i];
            let a = crate::panes::handshake::annotate(e, layout)
                .unwrap_or_else(|| panic!("{} has no bytes", e.code()));
            for sec in &a.sections {
                let mut at = 0;
                for p in certbench_wire::bytes::leaves(&sec.parts) {
                    assert_eq!(
                        p.range.start,
                        at,
                        "{}: a gap or an overlap at {p:?}",
                        e.code()
                    );
                    at = p.range.end;
                }
                assert_eq!(at, sec.bytes.len(), "{}: {:?}", e.code(), sec.kind);
            }
            let message = a
                .sections
                .iter()
                .find(|s| s.kind == crate::panes::handshake::SectionKind::Message)
                .unwrap();
            assert_eq!(
                message.bytes,
                e.wire().unwrap().carried.as_ref().unwrap().bytes
            );
            // From the message's first field to the last one there is, then back to the first.
            for _ in 0..a.leaves.len() {
                render(&app);
                app.update(Action::Right);
            }
            assert_eq!(a.leaf(app.handshake.byte_cursor), a.leaves.len() - 1);
            for _ in 0..a.leaves.len() {
                app.update(Action::Left);
            }
            assert_eq!(a.leaf(app.handshake.byte_cursor), 0);
            render(&app);
        }
    }
}

#[test]
fn a_messages_bytes_annotated() {
    let (_d, mut app) = handshake_app((160, 48));
    feed_real_run(&mut app, None);
    // The server's ChangeCipherSpec: one byte, in clear, the same every run.
    select(&mut app, "ChangeCipherSpec");
    while app.handshake.events[app.handshake.selected].side != certbench_tls::run::Side::Server {
        app.update(Action::Up);
        select(&mut app, "ChangeCipherSpec");
    }
    app.update(Action::ToggleBytes);
    insta::assert_snapshot!("bytes_change_cipher_spec_160x48", render(&app));
    // The server's Certificate: its record, opened, then its fields; the cursor walks them.
    while app.handshake.events[app.handshake.selected].code() != "Certificate" {
        app.update(Action::Down);
    }
    let screen = render(&app);
    for want in [
        // rustls sends EncryptedExtensions to Finished in one record: where this one lies in it.
        "the message · 902 bytes · in record 1 at",
        "certificate_request_context",
        "certificate_list",
        "cert_data",
    ] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    // The cursor starts on the message's first field and moves field by field, or byte by byte.
    let at = |app: &App, what: &str| {
        let screen = render(app);
        assert!(screen.contains(what), "{what} missing:\n{screen}");
    };
    at(
        &app,
        "msg_type: Certificate · byte 0 of the message (902 bytes)",
    );
    app.update(Action::Right);
    at(&app, "length: 898 · byte 1 of the message");
    app.update(Action::NextByte);
    at(&app, "length: 898 · byte 2 of the message");
    app.update(Action::NextByte);
    app.update(Action::NextByte);
    // Past the 24-bit length: the certificate_request_context's own length.
    at(&app, "length: 0 · byte 4 of the message");
    app.update(Action::PrevByte);
    at(&app, "length: 898 · byte 3 of the message");
    app.update(Action::Left);
    at(&app, "msg_type: Certificate · byte 0 of the message");
    // Before the message: its record, opened.
    app.update(Action::Left);
    at(&app, "type: Handshake · byte 1140 of record 1 opened");
    // Its content, then the record as on the wire: the tag, the ciphertext.
    for _ in 0..2 {
        app.update(Action::Left);
    }
    at(&app, "tag: 16 bytes · byte");
    app.update(Action::Left);
    at(
        &app,
        "ciphertext: 1141 bytes · byte 5 of record 1 of 1, as on the wire",
    );
    at(
        &app,
        "opened with AES-256-GCM, keys from SERVER_HANDSHAKE_TRAFFIC_SECRET",
    );
    at(&app, "sequence number 0");
    at(&app, "(IV XOR sequence number)");
    app.update(Action::ToggleBytes);
    assert!(render(&app).contains("Step"));
    let (_d, mut small) = handshake_app((80, 24));
    feed_real_run(&mut small, None);
    select(&mut small, "ChangeCipherSpec");
    small.update(Action::ToggleBytes);
    insta::assert_snapshot!("bytes_change_cipher_spec_80x24", render(&small));
}

#[test]
fn handshake_complete_run_120x40() {
    let (_d, mut app) = handshake_app((120, 40));
    feed_real_run(&mut app, None);
    select(&mut app, "CertificateRequest");
    insta::assert_snapshot!(render(&app));
}

#[test]
fn a_steps_certificates_open_in_the_inspect_pane_and_a_run_is_saved() {
    let (d, mut app) = handshake_app((120, 40));
    feed_real_run(&mut app, None);
    app.view.dir = d.path().to_path_buf();
    select(&mut app, "Certificate");
    let effects = app.update(Action::InspectStep);
    let [save @ crate::action::Effect::SaveCertificates(_)] = effects.as_slice() else {
        panic!("i on a Certificate saves its certificates: {effects:?}")
    };
    // What the driver does with the effect, then what comes back.
    let saved_action = crate::run_blocking(save.clone(), d.path()).unwrap();
    let Action::CertificatesExported {
        result: Ok(saved), ..
    } = &saved_action
    else {
        panic!("{saved_action:?}")
    };
    let saved = saved.clone();
    let effects = app.update(saved_action);
    assert_eq!(app.pane, Pane::Inspect);
    let [load @ crate::action::Effect::LoadInspect { open, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(open.contains(&saved));
    app.update(crate::run_blocking(load.clone(), d.path()).unwrap());
    // The cursor is on the first certificate the client sent: alice, issued by the intermediate.
    let item = app.inspect.current_item().unwrap();
    assert_eq!(item.source, saved);
    assert_eq!(crate::panes::inspect::row_label(item), "alice");
    let second = app
        .inspect
        .loaded
        .items
        .iter()
        .filter(|i| i.source == saved)
        .count();
    assert_eq!(second, 2, "the client's leaf and the intermediate");
    // i again on the same step: nothing saved twice, nothing listed twice; the Inspect pane
    // shows the file already open.
    app.update(Action::ShowPane(Pane::Handshake));
    let effects = app.update(Action::InspectStep);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.pane, Pane::Inspect);
    assert_eq!(app.inspect.current_item().unwrap().source, saved);
    assert_eq!(
        app.inspect
            .loaded
            .items
            .iter()
            .filter(|i| crate::panes::inspect::row_label(i) == "alice")
            .count(),
        2,
        "the workspace's alice and the one the client sent, each once"
    );
    // The two rows can be told apart: the workspace's by its workspace name, the other by where
    // it came from (a saved run).
    let screen = render(&app);
    assert!(
        screen.contains("client · alice") && screen.contains("alice · run"),
        "{screen}"
    );

    // w saves the run: the transcript and the key log, privately.
    let handshakes = d.path().join("handshakes");
    app.update(Action::ShowPane(Pane::Handshake));
    let effects = app.update(Action::ExportRun);
    let Some(effect) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    let crate::action::Effect::ExportRun {
        summary,
        events,
        scenario,
        ..
    } = effect.clone()
    else {
        panic!("{effect:?}")
    };
    // As the loop runs it: the transcript, the key log, the capture and the page.
    let Some(crate::action::Action::RunExported(Ok(exported))) =
        crate::run_blocking(effect, d.path())
    else {
        panic!("the run was not saved")
    };
    let page = std::fs::read_to_string(exported.page.as_ref().expect("a page")).unwrap();
    assert!(
        page.contains("data-message=\"ClientHello\""),
        "the page of the run"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported.transcript).unwrap()).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["events"].as_array().unwrap().len(), events.len());
    let keylog = std::fs::read_to_string(&exported.keylog).unwrap();
    assert!(
        keylog
            .lines()
            .any(|l| l.starts_with("CLIENT_TRAFFIC_SECRET_0 ")),
        "{keylog}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&exported.keylog)
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(exported.page.as_ref().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600,
        "the page shows the run's secrets"
    );
    // What was saved is said by name first: at 80 columns the message's line shows all four
    // files, and only the folder after them may be cut.
    app.width = 80;
    app.height = 24;
    app.update(Action::RunExported(Ok(exported.clone())));
    let screen = render(&app);
    let stem = exported
        .transcript
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        screen.lines().any(|l| l.contains(&format!(
            "Saved {stem}.pcapng (Wireshark opens it decrypted), .json,"
        ))),
        "{screen}"
    );
    app.width = 120;
    app.height = 40;
    // Saving again at the same second never replaces the first files.
    let again =
        certbench_lab::export::export_run(&handshakes, &summary, &events, scenario, None, NOW)
            .unwrap();
    assert_ne!(again.transcript, exported.transcript);
    assert!(exported.transcript.exists() && again.keylog.exists());
    app.update(Action::RunExported(Ok(again)));
    assert!(
        app.status.as_ref().unwrap().text.contains(".pcapng")
            && app.status.as_ref().unwrap().text.contains(".keylog"),
        "{:?}",
        app.status
    );
}

/// `revoke bob` in the workspace: the Inspect pane's verdict on bob says revoked, when and why,
/// from the intermediate's CRL the pane loaded with the workspace.
#[test]
fn inspect_says_a_revoked_certificate_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path()).unwrap();
    let now = OffsetDateTime::now_utc();
    ws.gen_set(&fixed_set(), false, now).unwrap();
    let mut bob = certbench_pki::IssueSpec::for_role(certbench_x509::Role::Client, "bob");
    bob.issuer = "intermediate".into();
    bob.subject.common_name = "bob".into();
    ws.issue(&bob, false, now).unwrap();
    ws.revoke("bob", certbench_x509::RevocationReason::KeyCompromise, now)
        .unwrap();
    let sources = crate::Sources {
        dir: dir.path().to_path_buf(),
        open: vec![],
        system: false,
        relay: None,
    };
    let verdict = |label: &str| {
        let loaded = crate::load_inspect(&sources, now);
        let mut app = App::new(KeyMap::defaults(), WorkspaceView::default(), now, (160, 48));
        app.update(Action::ShowPane(Pane::Inspect));
        app.update(Action::InspectLoaded(Box::new(loaded)));
        select_row(&mut app, label);
        app.update(Action::Activate);
        let chain = app
            .inspect
            .selected
            .as_ref()
            .unwrap()
            .chain
            .clone()
            .unwrap();
        (chain, render(&app))
    };
    let (chain, screen) = verdict("bob");
    assert_eq!(chain.cause, Some(certbench_cause::Cause::Revoked));
    assert!(
        screen.contains("✗ Chain: the certificate is revoked") && screen.contains("keyCompromise"),
        "{screen}"
    );
    let (chain, _) = verdict("alice");
    assert!(chain.ok, "{:?}", chain.reason());
}

/// A lab scenario picked and run: the timeline, then who caught what, the alerts both ways, the
/// certificate at fault and its field, the fix and the lesson.
#[test]
fn handshake_lab_failure_80x24_and_160x48() {
    for size in [(80, 24), (160, 48)] {
        let (_d, mut app) = handshake_app(size);
        // A scenario brings its own certificates: the workspace's folder is only shown.
        app.view.dir = PathBuf::from("/home/ada/.local/share/certbench/workspace");
        app.update(Action::PickScenario);
        let picker = render(&app);
        assert!(picker.contains("client-unknown-ca"), "{picker}");
        if size == (80, 24) {
            insta::assert_snapshot!("handshake_lab_picker_80x24", picker);
        }
        // The picker's own keys: down to the scenario, enter runs it.
        while !matches!(app.overlay, Some(crate::app::Overlay::Lab { cursor }) if cursor > 0 && certbench_lab::SCENARIOS[cursor - 1].name == "client-unknown-ca")
        {
            app.update(Action::Down);
        }
        let effects = app.update(Action::Activate);
        assert!(
            matches!(effects.first(), Some(crate::action::Effect::RunHandshake { scenario: Some(s), .. }) if s.name == "client-unknown-ca"),
            "{effects:?}"
        );
        // The run the effect asked for, for real, fed to the pane.
        feed_run(&mut app, effects.first().cloned(), None);
        let screen = render(&app);
        for want in [
            "lab: client-unknown-ca",
            "The server caught it",
            "rustls error: InvalidCertificate › UnknownIssuer",
            "alert sent: unknown_ca (by the server)",
        ] {
            assert!(
                screen.contains(want),
                "{want} missing at {size:?}:\n{screen}"
            );
        }
        // Its fix names a key of the workspace's run (c, the trust): it says where that works,
        // for in the lab the key is refused.
        if size == (160, 48) {
            assert!(screen.contains("(your workspace)"), "{screen}");
        }
        insta::assert_snapshot!(
            format!("handshake_lab_failure_{}x{}", size.0, size.1),
            sizes_hidden(&screen)
        );
        // i opens the certificate at fault, at its field.
        let effects = app.update(Action::InspectStep);
        let Some(crate::action::Effect::SaveCertificates(asked)) = effects.first() else {
            panic!("{effects:?}")
        };
        let crate::action::CertificatesOf::Culprit { culprit: c, .. } = &asked.from else {
            panic!("{asked:?}")
        };
        assert_eq!(
            (c.side, c.field),
            (certbench_tls::run::Side::Client, "issuer")
        );
        // Opened at that field once saved and read.
        assert_eq!(asked.field, Some("issuer"));
    }
}

/// A served connection as the pane lists it, made by hand (its timeline is tested for real in
/// app.rs): `ok`, or refused for want of a client certificate.
fn served(id: u64, ok: bool) -> Box<certbench_tls::serve::Connection> {
    use certbench_tls::serve::{Authorization, ClientIdentity, Connection, Outcome};
    let peer: std::net::SocketAddr = format!("127.0.0.1:{}", 50000 + id).parse().unwrap();
    let client = ok.then(|| ClientIdentity {
        subject: "CN=alice,O=certbench".into(),
        common_name: Some("alice".into()),
        issuer: "CN=certbench Intermediate CA 5eed01,O=certbench".into(),
        issuer_common_name: Some("certbench Intermediate CA 5eed01".into()),
        serial: "01".into(),
        sha256: FAKE_SHA.into(),
        dns_names: vec![],
        emails: vec![],
        uris: vec![],
    });
    Box::new(Connection {
        id,
        peer,
        started: NOW,
        outcome: if ok {
            Outcome::Ok
        } else {
            Outcome::HandshakeFailed
        },
        version: Some("TLS 1.3".into()),
        cipher_suite: Some("TLS_AES_256_GCM_SHA384".into()),
        group: Some("x25519".into()),
        client,
        failure: (!ok).then(|| certbench_tls::run::Failure {
            detected_by: certbench_wire::Side::Server,
            cause: certbench_cause::Cause::NoClientCertificate,
            error: Some("NoCertificatesPresented".into()),
            alert_sent: Some(certbench_cause::Alert(116)),
            alert_received: None,
            stopped_after: None,
            culprit: None,
            observed_side: Some(certbench_wire::Side::Server),
        }),
        handshake_done: ok,
        http_cause: None,
        authorization: ok.then_some(Authorization::NoRules),
        requests: u32::from(ok),
        bytes_received: 2000,
        bytes_sent: 3000,
        handshake_ms: 3.0,
        duration_ms: 5.0,
        events: {
            use certbench_tls::event::{Event, EventKind, Note};
            use certbench_wire::Side;
            let note = |t_us, n| Event {
                t_us,
                paused_us: 0,
                side: Side::Server,
                kind: EventKind::Note(n),
            };
            let mut e = vec![note(0, Note::Accepted { peer })];
            if ok {
                e.push(note(2500, Note::HandshakeComplete));
                e.push(note(
                    2510,
                    Note::ClientAuthenticated {
                        subject: "CN=alice,O=certbench".into(),
                    },
                ));
                e.push(note(
                    2900,
                    Note::Request {
                        method: "GET".into(),
                        path: "/".into(),
                        status: 200,
                    },
                ));
            } else {
                e.push(note(
                    2500,
                    Note::HandshakeFailed {
                        cause: certbench_cause::Cause::NoClientCertificate,
                    },
                ));
            }
            e
        },
        events_dropped: 0,
        plaintext_trimmed: 0,
        live_dropped: 0,
        keylog: Default::default(),
        wire: Default::default(),
    })
}

/// Serving from the pane: the address, the connections newest first (one still open), the one
/// shown highlighted, its failure in the Step box.
#[test]
fn handshake_serving_80x24_and_160x48() {
    use crate::panes::handshake::ServeState;
    for size in [(80, 24), (160, 48)] {
        let (_d, mut app) = demo_app(size, false);
        app.view.dir = PathBuf::from("/home/ada/.local/share/certbench/workspace");
        app.update(Action::ShowPane(Pane::Handshake));
        let mut s = ServeState::new(
            crate::action::ServeControl::default(),
            certbench_tls::config::ClientAuth::Required,
        );
        s.addr = Some("127.0.0.1:8443".parse().unwrap());
        for (id, ok) in [(1, true), (2, true), (3, false)] {
            let c = served(id, ok);
            s.accepted(id, c.peer, NOW + time::Duration::seconds(id as i64));
            s.finished(crate::panes::handshake::Ended::Served(c));
        }
        s.accepted(
            4,
            "127.0.0.1:50004".parse().unwrap(),
            NOW + time::Duration::seconds(9),
        );
        // The refused one is selected.
        s.selected = Some(3);
        app.handshake.serve = Some(s);
        app.handshake.show_connection();
        let screen = render(&app);
        for want in [
            "serving https://localhost:8443/",
            "#4",
            "open",
            "handshake failed",
            "The server caught it",
        ] {
            assert!(
                screen.contains(want),
                "{want} missing at {size:?}:\n{screen}"
            );
        }
        insta::assert_snapshot!(format!("handshake_serving_{}x{}", size.0, size.1), screen);
        // A connection that worked: only what the server judged is said; the client's judgment
        // of the server is not known (it is not certbench).
        if size == (160, 48) {
            app.update(Action::PrevConnection);
            app.update(Action::NextConnection);
            app.update(Action::NextConnection);
            let screen = render(&app);
            assert!(
                screen.contains("What the client made of the server's certificate is not")
                    && !screen.contains("The server proved nothing"),
                "{screen}"
            );
        }
    }
}

/// A connection stopped before its client sent a byte is listed as no handshake, not as one
/// without a client certificate.
#[test]
fn a_silent_connection_is_listed_as_no_handshake() {
    use crate::panes::handshake::ServeState;
    let (_d, mut app) = demo_app((120, 24), false);
    app.update(Action::ShowPane(Pane::Handshake));
    let mut s = ServeState::new(
        crate::action::ServeControl::default(),
        certbench_tls::config::ClientAuth::Required,
    );
    s.addr = Some("127.0.0.1:8443".parse().unwrap());
    let mut c = served(1, true);
    c.outcome = certbench_tls::serve::Outcome::Stopped;
    c.client = None;
    c.failure = None;
    c.handshake_done = false;
    c.version = None;
    c.bytes_received = 0;
    s.accepted(1, c.peer, NOW);
    s.finished(crate::panes::handshake::Ended::Served(c));
    app.handshake.serve = Some(s);
    let screen = render(&app);
    assert!(
        screen.contains("no handshake: the client sent nothing")
            && !screen.contains("no client certificate"),
        "{screen}"
    );
}

/// More connections than rows: the list's window follows the one shown, and says what is above
/// and below it.
#[test]
fn the_connection_list_follows_the_selection() {
    use crate::panes::handshake::ServeState;
    let (_d, mut app) = demo_app((80, 24), false);
    app.update(Action::ShowPane(Pane::Handshake));
    let mut s = ServeState::new(
        crate::action::ServeControl::default(),
        certbench_tls::config::ClientAuth::Required,
    );
    s.addr = Some("127.0.0.1:8443".parse().unwrap());
    for id in 1..=7 {
        let c = served(id, true);
        s.accepted(id, c.peer, NOW + time::Duration::seconds(id as i64));
        s.finished(crate::panes::handshake::Ended::Served(c));
    }
    app.handshake.serve = Some(s);
    let screen = render(&app);
    assert!(screen.contains("#7") && !screen.contains("#1 "), "{screen}");
    assert!(screen.contains("3 older below"), "{screen}");
    for _ in 0..6 {
        app.update(Action::NextConnection);
    }
    let screen = render(&app);
    assert!(screen.contains("#1 ") && !screen.contains("#7"), "{screen}");
    assert!(screen.contains("3 newer above"), "{screen}");
}

/// Issue 21: in step mode the selection stands on the first message of the flight just let go
/// (not its last), and while the run waits the Step box says what comes next and why.
#[test]
fn step_mode_selects_a_flights_first_message_and_says_what_comes_next() {
    let (_d, mut app) = handshake_app((120, 40));
    feed_real_run(&mut app, Some(0));
    let h = &app.handshake;
    assert!(h.is_paused());
    assert_eq!(
        h.events[h.selected].kind,
        certbench_tls::run::EventKind::Paused,
        "before the first flight: the pause"
    );
    let screen = render(&app);
    assert!(
        screen.contains("Next: the client's ClientHello"),
        "{screen}"
    );

    let (_d, mut app) = handshake_app((120, 40));
    feed_real_run(&mut app, Some(2));
    let h = &app.handshake;
    assert!(h.is_paused());
    assert_eq!(
        h.events[h.selected].message_name(),
        Some("ServerHello"),
        "the server's flight, from its first message"
    );
    let screen = render(&app);
    assert!(
        screen.contains("Next: the client's Certificate"),
        "{screen}"
    );
    assert!(screen.contains("Why it matters"), "{screen}");
}

/// Issue 21: Home/End (g/G) go to the first and last row of every list: the Generate list,
/// the Inspect list and fields, the Handshake steps (End: the run's end, who proved what).
#[test]
fn home_and_end_work_in_every_list() {
    let (_d, mut app) = demo_app((120, 40), false);
    app.update(Action::Last);
    assert_eq!(app.generate.list_selected, app.view.rows.len() - 1);
    app.update(Action::First);
    assert_eq!(app.generate.list_selected, 0);

    let mut app = inspect_app((120, 40));
    app.update(Action::Last);
    let last = app.inspect.cursor;
    assert_eq!(last, app.inspect.visible.len() - 1);
    app.update(Action::First);
    assert_eq!(app.inspect.cursor, 0);
    select_row(&mut app, "localhost");
    app.update(Action::Activate);
    app.update(Action::Last);
    assert_eq!(app.inspect.field, app.inspect.nodes().len() - 1);
    app.update(Action::First);
    assert_eq!(app.inspect.field, 0);

    let (_d, mut app) = handshake_app((120, 40));
    feed_real_run(&mut app, None);
    assert!(app.handshake.at_end, "a run ends on its summary");
    app.update(Action::First);
    assert!(!app.handshake.at_end);
    assert_eq!(app.handshake.selected, 0);
    app.update(Action::Last);
    assert!(app.handshake.at_end);
    assert!(render(&app).contains("Who proved what"));
}

/// Issue 21 (a newcomer's report): paging the Step box at 80x24 skipped a line per page. Every
/// line the box holds (as a tall screen of the same width shows it) is seen on some page.
#[test]
fn paging_the_step_box_skips_no_line() {
    let step_lines = |screen: &str| -> Vec<String> {
        screen
            .lines()
            .skip_while(|l| !l.contains("┌ Step"))
            .skip(1)
            .take_while(|l| !l.contains('└'))
            .map(|l| l.trim_matches('"').trim().to_string())
            .filter(|l| l.trim_matches('│').trim().len() > 2)
            .collect()
    };
    let (_d, mut app) = handshake_app((80, 60));
    feed_real_run(&mut app, None);
    select(&mut app, "CertificateRequest");
    let whole = step_lines(&render(&app));
    assert!(whole.len() > 6, "{whole:?}");
    // With the tour below it, as a newcomer has it: the box is at its smallest.
    app.start_tour();
    app.update(Action::Resize {
        width: 80,
        height: 24,
    });
    let mut seen: Vec<String> = Vec::new();
    loop {
        seen.extend(step_lines(&render(&app)));
        let before = app.handshake.details_scroll;
        app.update(Action::ScrollDown);
        if app.handshake.details_scroll == before {
            break;
        }
    }
    for line in &whole {
        assert!(seen.contains(line), "never shown at 80x24: {line}");
    }
}

/// A lab run's certificates are made the moment it runs; opened with `i`, they are judged at
/// the time they are read, not by a clock that last ticked before they existed (a slow machine
/// showed the lab's intermediate "not valid for another 1 minute").
#[test]
fn a_lab_culprit_opened_later_is_judged_at_the_time_it_is_read() {
    let (d, mut app) = handshake_app((140, 44));
    // The clock as it was when it last ticked, a while before the run.
    app.now -= time::Duration::minutes(10);
    app.update(Action::PickScenario);
    while !matches!(app.overlay, Some(crate::app::Overlay::Lab { cursor }) if cursor > 0 && certbench_lab::SCENARIOS[cursor - 1].name == "client-expired")
    {
        app.update(Action::Down);
    }
    let effects = app.update(Action::Activate);
    feed_run(&mut app, effects.first().cloned(), None);
    app.handshake.at_end = true;
    let effects = app.update(Action::InspectStep);
    let [save @ crate::action::Effect::SaveCertificates(_)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let saved = crate::run_blocking(save.clone(), d.path()).unwrap();
    let effects = app.update(saved);
    let [load @ crate::action::Effect::LoadInspect { .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    app.update(crate::run_blocking(load.clone(), d.path()).unwrap());
    // Esc back to the list, then down to the lab's intermediate, as a person does.
    for code in [
        crossterm::event::KeyCode::Esc,
        crossterm::event::KeyCode::Down,
    ] {
        let k = crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
        if let Some(a) = app.on_key(&k) {
            app.update(a);
        }
    }
    let screen = render(&app);
    assert!(screen.contains("Lab Intermediate"), "{screen}");
    assert!(screen.contains("Chain verifies"), "{screen}");
    assert!(!screen.contains("not valid for another"), "{screen}");
}
