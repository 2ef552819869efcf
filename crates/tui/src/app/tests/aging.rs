//! Time and trust in the Generate pane, as a user drives them: `a` the status window, `u` renew
//! (asked first), `T` the trust stores (an install asked first, and only with a yes).

use super::*;

/// `a` shows every certificate with the days it has left and warns of a server certificate
/// issued for longer than its intermediate, as `certbench status` does.
#[test]
fn a_shows_days_left_and_warns_of_a_leaf_outliving_its_issuer() {
    let (d, mut app) = app_with_demo();
    let mut spec = certbench_pki::IssueSpec::for_role(Role::Server, "long");
    spec.issuer = "intermediate".into();
    spec.days = 4000;
    Workspace::open(d.path())
        .unwrap()
        .issue(&spec, false, OffsetDateTime::now_utc())
        .unwrap();
    app.view = WorkspaceView::load(d.path());
    app.update(Action::Resize {
        width: 160,
        height: 48,
    });
    press(&mut app, key('a'));
    assert_eq!(app.overlay, Some(Overlay::Status { scroll: 0 }));
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("days left"), "{screen}");
    for name in ["ca", "intermediate", "server", "client", "long"] {
        assert!(
            screen.lines().any(|l| l.contains(&format!("│{name} "))),
            "{name}: {screen}"
        );
    }
    assert!(
        screen.contains("long is valid until") && screen.contains("after its issuer"),
        "{screen}"
    );
    press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert_eq!(app.overlay, None);
}

/// `u` asks first (the same key, or a new one with ←/→), `n` renews nothing, `y` renews: the
/// certificate has a new serial, the old one is in replaced/, and the message says so.
#[test]
fn u_renews_the_selected_certificate_after_asking() {
    let (d, mut app) = app_with_demo();
    let client = select(&mut app, "client");
    let serial = app.view.rows[client].entity.serial.clone();
    press(&mut app, key('u'));
    assert_eq!(
        app.dialog,
        Some(Dialog::Renew {
            name: "client".into(),
            new_key: false,
            revoke_old: false,
            on_old: false,
            root: false,
            dependants: vec![]
        })
    );
    press(&mut app, key('n'));
    assert!(app.dialog.is_none());
    press(&mut app, key('u'));
    press(&mut app, KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
    let effects = press(&mut app, key('y'));
    assert_eq!(
        effects,
        vec![Effect::Renew {
            name: "client".into(),
            new_key: true,
            revoke_old: false
        }]
    );
    let done = crate::run_blocking(effects.into_iter().next().unwrap(), d.path()).unwrap();
    let effects = app.update(done);
    let said = &app.status.as_ref().unwrap().text;
    assert!(
        said.contains("Renewed client") && said.contains("a new key"),
        "{said}"
    );
    // The renewed one stays selected when the list is read again.
    assert_eq!(
        effects,
        vec![Effect::LoadWorkspace {
            select: Some("client".into())
        }]
    );
    let ws = Workspace::open(d.path()).unwrap();
    assert_ne!(ws.entity("client").unwrap().serial, serial);
    assert!(d.path().join("replaced").is_dir());
}

/// The Renew dialog's second choice (↓, then ←/→) revokes the certificate the renewal replaces,
/// as `renew --revoke-old`: openssl reads the issuer's new CRL and finds the old serial there,
/// with the reason superseded, and not the new one. A root has no such choice.
#[test]
fn u_can_revoke_the_certificate_it_replaces() {
    let (d, mut app) = app_with_demo();
    app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let serial = |file: &str| {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-serial", "-in", file])
            .current_dir(d.path())
            .output()
            .expect("openssl (apt-get install openssl)");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches("serial=")
            .to_string()
    };
    let old = serial("server.crt");
    select(&mut app, "server");
    press(&mut app, key('u'));
    let arrow = |code| KeyEvent::new(code, KeyModifiers::NONE);
    press(&mut app, arrow(KeyCode::Down));
    press(&mut app, arrow(KeyCode::Right));
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("revoked now (superseded)"), "{screen}");
    let effects = press(&mut app, key('y'));
    assert_eq!(
        effects,
        vec![Effect::Renew {
            name: "server".into(),
            new_key: false,
            revoke_old: true
        }]
    );
    let done = crate::run_blocking(effects.into_iter().next().unwrap(), d.path()).unwrap();
    app.update(done);
    let said = &app.status.as_ref().unwrap().text;
    assert!(said.contains("the old one is revoked"), "{said}");
    let new = serial("server.crt");
    assert_ne!(new, old);
    let out = std::process::Command::new("openssl")
        .args(["crl", "-noout", "-text", "-in", "intermediate.crl"])
        .current_dir(d.path())
        .output()
        .unwrap();
    let crl = String::from_utf8_lossy(&out.stdout);
    assert!(
        crl.contains(&format!("Serial Number: {old}")) && crl.contains("Superseded"),
        "{crl}"
    );
    assert!(!crl.contains(&format!("Serial Number: {new}")), "{crl}");

    // A root: ↓ does not reach a choice it does not have.
    app.view = WorkspaceView::load(d.path());
    select(&mut app, "ca");
    press(&mut app, key('u'));
    press(&mut app, arrow(KeyCode::Down));
    press(&mut app, arrow(KeyCode::Right));
    let Some(Dialog::Renew {
        new_key,
        revoke_old,
        root,
        ..
    }) = &app.dialog
    else {
        panic!("{:?}", app.dialog);
    };
    assert!(*root && *new_key && !*revoke_old);
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("a root is not revoked"), "{screen}");
}

/// `T` reads the stores (off the event loop), then shows where the root is; `i` says first that
/// this changes what the whole machine trusts and installs only on a yes: `n` installs nothing.
#[test]
fn t_shows_the_trust_stores_and_installs_only_after_a_yes() {
    let (d, mut app) = app_with_demo();
    app.update(Action::Resize {
        width: 160,
        height: 48,
    });
    let effects = press(&mut app, key('T'));
    assert_eq!(effects, vec![Effect::ReadTrust]);
    let read = crate::run_blocking(Effect::ReadTrust, d.path()).unwrap();
    assert!(matches!(&read, Action::TrustRead(Ok(_))), "{read:?}");
    app.update(read);
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("Trust stores"), "{screen}");
    assert!(screen.contains("certbench Root CA"), "{screen}");
    let Some(Dialog::Trust {
        info: Some(info), ..
    }) = &app.dialog
    else {
        panic!("{:?}", app.dialog);
    };
    if info.would_install.is_empty() {
        // This machine has none of the stores, or the root is in all already: nothing to ask.
        return;
    }
    assert!(press(&mut app, key('i')).is_empty());
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("whole machine trusts"), "{screen}");
    assert!(press(&mut app, key('n')).is_empty());
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("Nothing was installed"),
        "{:?}",
        app.status
    );
    press(&mut app, key('i'));
    let effects = press(&mut app, key('y'));
    assert_eq!(effects, vec![Effect::ChangeTrust { install: true }]);
}
