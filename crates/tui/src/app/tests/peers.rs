//! Serving and relaying from the Handshake pane: real clients (curl, openssl) and a real
//! server (openssl s_server) through the pane's own effects.

use super::*;

/// The loop's side of the pane's peer effects: a runtime to run them on, and the channel their
/// actions come back on, fed to the pane as the event loop does.
struct Loop {
    rt: tokio::runtime::Runtime,
    tx: tokio::sync::mpsc::UnboundedSender<crate::Message>,
    rx: tokio::sync::mpsc::UnboundedReceiver<crate::Message>,
}

impl Loop {
    fn new() -> Loop {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        Loop { rt, tx, rx }
    }

    fn spawn(&self, effect: &Effect) {
        crate::spawn_peer(effect.clone(), self.tx.clone(), self.rt.handle());
    }

    /// Feed the pane what comes, until `done` says enough (20 s at most).
    fn pump(&mut self, app: &mut App, done: impl Fn(&App) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !done(app) {
            assert!(std::time::Instant::now() < deadline, "timed out");
            let rx = &mut self.rx;
            if let Ok(Some(crate::Message::Action(a))) = self.rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_millis(100), rx.recv()).await
            }) {
                app.update(a);
            }
        }
    }
}

/// `openssl s_server -www` in the workspace `dir` with its server chain and key, and `extra`, on
/// a free port, once it accepts connections.
fn s_server(dir: &std::path::Path, extra: &[&str]) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let server = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(["s_server", "-accept", &port.to_string(), "-www", "-quiet"])
        .args(["-cert", "server.crt", "-cert_chain", "intermediate.crt"])
        .args(["-key", "server.key"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("this test needs openssl: apt-get install openssl");
    let up = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            up.elapsed().as_secs() < 10,
            "openssl s_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (server, port)
}

/// At least `n` of the pane's listed connections have ended.
fn ended(a: &App, n: usize) -> bool {
    a.handshake
        .serve
        .as_ref()
        .is_some_and(|s| s.connections.iter().filter(|c| c.done.is_some()).count() >= n)
}

/// Where the pane's server (or relay) listens, once it does.
fn listening(a: &App) -> bool {
    a.handshake.serve.as_ref().is_some_and(|s| s.addr.is_some())
}

/// curl to `https://localhost:PORT/` from the workspace `dir`, with its client certificate or
/// none, writing its secrets to `keylog` when given.
fn curl(
    dir: &std::path::Path,
    port: u16,
    cert: bool,
    keylog: Option<&std::path::Path>,
) -> std::process::Output {
    let mut c = std::process::Command::new("curl");
    c.current_dir(dir)
        .args(["-sS", "--max-time", "10", "--cacert", "ca.crt"]);
    if let Some(k) = keylog {
        c.env("SSLKEYLOGFILE", k);
    }
    if cert {
        c.args(["--cert", "client-chain.crt", "--key", "client.key"]);
    }
    c.arg(format!("https://localhost:{port}/"))
        .output()
        .expect("this test needs curl: apt-get install curl")
}

/// The pane's server, for real: curl with and without a certificate, each connection
/// listed with the server's own timeline; a connect from the pane stays in view while the
/// server's side of it is listed; S stops it.
#[test]
fn serving_from_the_pane_lists_real_connections() {
    let (d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Handshake));
    let effects = app.update(Action::ToggleServe);
    assert!(
        matches!(effects.as_slice(), [Effect::StartServe { server, .. }] if server == "server"),
        "{effects:?}"
    );
    let mut run = Loop::new();
    run.spawn(&effects[0]);
    run.pump(&mut app, listening);
    let port = app.handshake.serve.as_ref().unwrap().addr.unwrap().port();
    assert!(curl(d.path(), port, true, None).status.success());
    assert!(!curl(d.path(), port, false, None).status.success());
    run.pump(&mut app, |a| ended(a, 2));
    // The newest is shown: refused, as the server saw it.
    let h = &app.handshake;
    let failure = h
        .outcome
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap()
        .failure()
        .unwrap();
    assert_eq!(failure.detected_by, certbench_wire::Side::Server);
    assert_eq!(failure.cause, certbench_cause::Cause::NoClientCertificate);
    // ] goes to the older one: served, its request on the timeline.
    app.update(Action::NextConnection);
    let codes: Vec<String> = app.handshake.events.iter().map(|e| e.code()).collect();
    assert!(codes.contains(&"request".to_string()), "{codes:?}");
    assert!(
        codes.contains(&"client_authenticated".to_string()),
        "{codes:?}"
    );
    app.update(Action::PrevConnection);

    // Connect from the pane to the pane's own server: the target typed as a person types it.
    app.update(Action::StartConnect);
    assert!(app.handshake.target.is_some());
    let press = |app: &mut App, k: KeyEvent| {
        let a = app.on_key(&k).unwrap();
        app.update(a)
    };
    press(
        &mut app,
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    for c in format!("localhost:{port}").chars() {
        press(&mut app, key(c));
    }
    assert_eq!(
        app.handshake.target.as_ref().map(|t| t.as_str()),
        Some(format!("localhost:{port}").as_str())
    );
    let effects = press(&mut app, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(
        matches!(effects.as_slice(), [Effect::Connect { .. }]),
        "{effects:?}"
    );
    run.spawn(&effects[0]);
    run.pump(&mut app, |a| !a.handshake.running && ended(a, 3));
    let h = &app.handshake;
    assert!(h.outcome.as_ref().unwrap().as_ref().unwrap().ok());
    assert!(h.run_in_view, "the connect run stays in view");
    assert_eq!(
        h.events.first().map(|e| e.code()).as_deref(),
        Some("connected")
    );

    // S stops the server.
    let effects = app.update(Action::ToggleServe);
    let [Effect::StopServe(control)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    control.0.notify_one();
    run.pump(&mut app, |a| a.handshake.serve.is_none());
}

/// The pane's relay between two programs nobody here wrote, curl and `openssl s_server`: R, the
/// server typed as a person types it; each connection listed and shown as it crossed, TLS 1.3
/// read whole from curl's key log at the path the pane shows; a refusal is the server's, with
/// the alert curl reports; R stops it.
#[test]
fn relaying_from_the_pane_lists_real_connections() {
    use certbench_wire::messages::Message as Tls;
    let (d, mut app) = app_with_demo();
    let (mut server, port) = s_server(
        d.path(),
        &["-CAfile", "ca.crt", "-Verify", "1", "-verify_return_error"],
    );

    app.update(Action::ShowPane(Pane::Handshake));
    let press = |app: &mut App, k: KeyEvent| {
        let a = app.on_key(&k).unwrap();
        app.update(a)
    };
    press(&mut app, key('R'));
    assert_eq!(
        app.handshake.target_for,
        crate::panes::handshake::TargetFor::Relay
    );
    press(
        &mut app,
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    for c in format!("localhost:{port}").chars() {
        press(&mut app, key(c));
    }
    let effects = press(&mut app, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let [Effect::StartRelay { keylog, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    // No SSLKEYLOGFILE given: the workspace's, which the pane shows.
    assert_eq!(
        keylog,
        &d.path().join(crate::panes::handshake::RELAY_KEYLOG)
    );
    let keylog = keylog.clone();
    let mut run = Loop::new();
    run.spawn(&effects[0]);
    run.pump(&mut app, listening);
    let at = app.handshake.serve.as_ref().unwrap().addr.unwrap().port();
    app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let screen = crate::snapshots::render(&app);
    assert!(
        screen.contains(&format!("relaying 127.0.0.1:{at} → localhost:{port}")),
        "{screen}"
    );
    assert!(screen.contains("SSLKEYLOGFILE="), "{screen}");
    assert!(curl(d.path(), at, true, Some(&keylog)).status.success());
    let refused = curl(d.path(), at, false, Some(&keylog));
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).to_string();
    run.pump(&mut app, |a| ended(a, 2));
    // The newest is shown: the server refused, with the alert curl says it received.
    let h = &app.handshake;
    let failure = h
        .outcome
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap()
        .failure()
        .unwrap();
    assert_eq!(failure.detected_by, certbench_wire::Side::Server);
    assert_eq!(failure.cause, certbench_cause::Cause::NoClientCertificate);
    let alert = failure.alert_sent.unwrap().name().replace('_', " ");
    assert!(said.contains(&alert), "curl: {said}; relay: {alert}");
    assert!(h.explained.fix.is_some(), "{:?}", h.explained);
    // At its end, the Step box says what the server asked and which of the workspace's
    // certificates a client could have sent (the demo's client, from the CA it names).
    app.handshake.at_end = true;
    let screen = crate::snapshots::render(&app);
    assert!(
        screen.contains("The client certificate asked") && screen.contains("client fits"),
        "{screen}"
    );
    app.handshake.at_end = false;
    // ] goes to the older one: it worked, and the client's Certificate (encrypted in TLS 1.3)
    // was read with curl's key log: the leaf and its intermediate, as client-chain.crt holds.
    app.update(Action::NextConnection);
    let h = &app.handshake;
    assert!(h.outcome.as_ref().unwrap().as_ref().unwrap().ok());
    let sent = h.events.iter().find_map(|e| match e.message() {
        Some(Tls::Certificate(c)) if e.side == certbench_wire::Side::Client => {
            Some(c.certificates.len())
        }
        _ => None,
    });
    assert_eq!(sent, Some(2), "{:?}", h.events);
    // Who proved what, from the wire alone: the client sent its chain and signed with its key.
    assert!(
        matches!(
            &h.proofs.as_ref().unwrap().client,
            certbench_tls::proof::ClientProof::Sent { subject, intermediates: 1, signed: true, .. }
                if subject.contains("CN=alice")
        ),
        "{:?}",
        h.proofs
    );

    // A client certificate from another PKI: the server refuses it, and `i` opens it, judged
    // against the workspace's CAs, and says so (the server's own trust is not on the wire).
    let other = tempfile::tempdir().unwrap();
    Workspace::open(other.path())
        .unwrap()
        .gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
        .unwrap();
    let stranger = curl(other.path(), at, true, Some(&keylog));
    assert!(!stranger.status.success());
    run.pump(&mut app, |a| ended(a, 3));
    // [ back to the newest (the list stays where the user moved it).
    app.update(Action::PrevConnection);
    app.update(Action::PrevConnection);
    let failure = app
        .handshake
        .outcome
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap()
        .failure()
        .unwrap()
        .clone();
    assert_eq!(failure.cause, certbench_cause::Cause::UnknownIssuer);
    app.handshake.at_end = true;
    let effects = app.update(Action::InspectStep);
    let [save @ Effect::SaveCertificates(asked)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(asked.relayed, "{asked:?}");
    let saved = crate::run_blocking(save.clone(), d.path()).unwrap();
    app.update(saved);
    let said = &app.status.as_ref().unwrap().text;
    assert!(said.contains("workspace's CAs"), "{said}");
    app.update(Action::ShowPane(Pane::Handshake));

    // R stops it.
    let effects = press(&mut app, key('R'));
    let [Effect::StopServe(control)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    control.0.notify_one();
    run.pump(&mut app, |a| a.handshake.serve.is_none());
    let _ = server.kill();
    let _ = server.wait();
}

/// `O` in the Generate pane runs the workspace's OCSP responder for real: openssl's OCSP client
/// hears good, the pane lists the request; the client revoked from the pane (`x`, as a person
/// does it) is revoked in the next answer, said in the pane; `O` stops it.
#[test]
fn the_responder_from_the_generate_pane_answers_openssl_and_shows_each_request() {
    let (d, mut app) = app_with_demo();
    let effects = app.update(Action::ToggleResponder);
    assert!(
        matches!(effects.as_slice(), [Effect::StartResponder { .. }]),
        "{effects:?}"
    );
    let mut run = Loop::new();
    run.spawn(&effects[0]);
    run.pump(&mut app, |a| {
        matches!(
            a.generate.responder,
            crate::panes::generate::ResponderState::On { .. }
        )
    });
    let crate::panes::generate::ResponderState::On { addr, .. } = &app.generate.responder else {
        unreachable!()
    };
    let url = format!("http://{addr}");
    let ask = || {
        let out = std::process::Command::new("openssl")
            .current_dir(d.path())
            .args([
                "ocsp",
                "-issuer",
                "intermediate.crt",
                "-cert",
                "client.crt",
                "-url",
                &url,
                "-CAfile",
                "ca.crt",
            ])
            .output()
            .expect("this test needs openssl: apt-get install openssl");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let answered = |n: u64| {
        move |a: &App| {
            matches!(&a.generate.responder,
                crate::panes::generate::ResponderState::On { total, .. } if *total >= n)
        }
    };
    assert!(ask().contains("client.crt: good"));
    run.pump(&mut app, answered(1));
    app.width = 120;
    app.height = 40;
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("OCSP responder http://"), "{screen}");
    assert!(screen.contains("OCSP client: good"), "{screen}");

    // Revoke the client as a person does, then ask again.
    select(&mut app, "client");
    app.update(Action::Revoke);
    let effects = app.update(Action::Confirm);
    let [effect @ Effect::Revoke { .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    if let Some(done) = crate::run_blocking(effect.clone(), d.path()) {
        app.update(done);
    }
    let said = ask();
    assert!(said.contains("client.crt: revoked"), "{said}");
    run.pump(&mut app, answered(2));
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("OCSP client: revoked"), "{screen}");

    // O stops it.
    let effects = app.update(Action::ToggleResponder);
    let [Effect::StopServe(control)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    control.0.notify_one();
    run.pump(&mut app, |a| a.generate.responder.is_off());
}

/// A server's OCSP staple, as a person meets it: connect from the pane to `openssl s_server
/// -status_file`, select the server's Certificate, `i`: the staple is saved beside the
/// certificates and opens in the Inspect pane field by field, what openssl says of it.
#[test]
fn a_servers_staple_opens_in_the_inspect_pane_field_by_field() {
    let (d, mut app) = app_with_demo();
    let staple = Workspace::open(d.path())
        .unwrap()
        .ocsp_response_for("server", OffsetDateTime::now_utc())
        .unwrap()
        .der;
    std::fs::write(d.path().join("staple.der"), &staple).unwrap();
    let (mut server, port) = s_server(d.path(), &["-status_file", "staple.der"]);
    app.update(Action::ShowPane(Pane::Handshake));
    let press = |app: &mut App, k: KeyEvent| {
        let a = app.on_key(&k).unwrap();
        app.update(a)
    };
    app.update(Action::StartConnect);
    press(
        &mut app,
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    for c in format!("localhost:{port}").chars() {
        press(&mut app, key(c));
    }
    let effects = press(&mut app, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let mut run = Loop::new();
    run.spawn(&effects[0]);
    run.pump(&mut app, |a| {
        !a.handshake.running && a.handshake.outcome.is_some()
    });
    let _ = server.kill();
    let _ = server.wait();
    // The client's verdict on it is in the timeline.
    let verdict = app
        .handshake
        .events
        .iter()
        .find(|e| e.code() == "staple")
        .expect("a staple verdict");
    assert!(
        certbench_tls::event::headline(verdict).contains("checked: good"),
        "{}",
        certbench_tls::event::headline(verdict)
    );
    app.handshake.selected = app
        .handshake
        .events
        .iter()
        .position(|e| e.message_name() == Some("Certificate") && e.staple().is_some())
        .expect("the server's Certificate carries the staple");
    app.handshake.at_end = false;
    let effects = app.update(Action::InspectStep);
    let [save @ Effect::SaveCertificates(_)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let saved = crate::run_blocking(save.clone(), d.path()).unwrap();
    let Action::CertificatesExported {
        staple: Some(path), ..
    } = &saved
    else {
        panic!("{saved:?}")
    };
    assert_eq!(
        std::fs::read(path).unwrap(),
        staple,
        "the staple as the server sent it"
    );
    let effects = app.update(saved);
    let [load] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let loaded = crate::run_blocking(load.clone(), d.path()).unwrap();
    app.update(loaded);
    let ocsp = app
        .inspect
        .loaded
        .items
        .iter()
        .find_map(|i| match &i.result {
            Ok(certbench_x509::Decoded::Ocsp(o)) => Some(o.clone()),
            _ => None,
        })
        .expect("the staple is in the Inspect pane");
    assert!(
        ocsp.fields
            .iter()
            .any(|f| f.label == "certStatus" && f.value == "good")
    );
}
