//! The App driven as the loop drives it: keys and results in, state and effects out.

use super::*;
use crate::action::EffectError;
use certbench_pki::workspace::{SetOptions, Workspace};
use certbench_tls::run::{ClientAuth, TlsVersion};

/// Time and trust in the Generate pane.
mod aging;
/// Serving and relaying from the Handshake pane, with real peers.
mod peers;

/// Select the certificate `name` in the Generate pane's list (as ↑/↓ would); its row.
fn select(app: &mut App, name: &str) -> usize {
    let row = app
        .view
        .rows
        .iter()
        .position(|r| r.entity.name == name)
        .unwrap_or_else(|| panic!("no {name} in the list"));
    app.generate.list_selected = row;
    row
}

fn app_with_demo() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    Workspace::open(dir.path())
        .unwrap()
        .gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
        .unwrap();
    let view = WorkspaceView::load(dir.path());
    let app = App::new(
        KeyMap::defaults(),
        view,
        OffsetDateTime::now_utc(),
        (100, 30),
    );
    (dir, app)
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

/// A key as the user presses it: through the keymap, into the app.
fn press(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    app.update(app.on_key(&k).unwrap())
}

/// A request made with `params` and a new key, written as `NAME.csr` in `dir`.
fn write_request(dir: &std::path::Path, name: &str, params: rcgen::CertificateParams) -> PathBuf {
    let key_pair = rcgen::KeyPair::generate().unwrap();
    let csr = params.serialize_request(&key_pair).unwrap();
    let path = dir.join(format!("{name}.csr"));
    std::fs::write(&path, csr.pem().unwrap()).unwrap();
    path
}

/// `s`, the request's path typed, Enter: the effects that asks for (reading it).
fn type_request_path(app: &mut App, path: &std::path::Path) -> Vec<Effect> {
    press(app, key('s'));
    for c in path.to_string_lossy().chars() {
        press(app, key(c));
    }
    press(app, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// With a lab scenario chosen, the keys that change the workspace's choices change nothing
/// unseen, and say why; back on the workspace they work again.
#[test]
fn workspace_choices_wait_while_a_scenario_is_chosen() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Handshake));
    app.update(Action::PickScenario);
    app.update(Action::Down);
    app.update(Action::Back);
    app.handshake.scenario = certbench_lab::scenario("client-expired");
    for k in ['a', 'e', 'T', 'v', 't'] {
        if let Some(a) = app.on_key(&key(k)) {
            app.update(a);
        }
    }
    assert_eq!(app.handshake.client_auth, ClientAuth::Required);
    assert_eq!(app.handshake.chains, (true, true));
    assert_eq!(app.handshake.version, TlsVersion::Tls13);
    let said = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.contains("lab scenario"), "{said}");
    // "(your workspace)": the first line of the picker.
    app.update(Action::PickScenario);
    while matches!(app.overlay, Some(Overlay::Lab { cursor }) if cursor > 0) {
        app.update(Action::Up);
    }
    app.update(Action::Activate);
    assert_eq!(app.handshake.scenario, None);
    app.update(Action::CycleClientAuth);
    assert_eq!(app.handshake.client_auth, ClientAuth::Optional);
}

#[test]
fn pane_keys_switch_panes() {
    let (_d, mut app) = app_with_demo();
    let a = app.on_key(&key('2')).unwrap();
    app.update(a);
    assert_eq!(app.pane, Pane::Inspect);
    app.update(Action::NextPane);
    assert_eq!(app.pane, Pane::Handshake);
    app.update(Action::NextPane);
    assert_eq!(app.pane, Pane::Generate);
    app.update(Action::PrevPane);
    assert_eq!(app.pane, Pane::Handshake);
}

/// Issue 8: Tab in the form moved on without starting an edit, so what was typed next ran
/// as commands (r reset the form; a Tab jumped to the Inspect pane).
#[test]
fn tab_in_the_form_types_in_the_next_field_and_never_runs_commands() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::Activate); // to the form
    app.generate.form.select(FormField::Name);
    app.update(Action::Activate);
    for k in [KeyCode::Tab, KeyCode::Tab] {
        let a = app.on_key(&KeyEvent::new(k, KeyModifiers::NONE)).unwrap();
        app.update(a);
    }
    // Name, then past the choices (issuer, key type) to CN, then O: typing in it.
    assert_eq!(app.pane, Pane::Generate);
    assert_eq!(app.generate.form.field(), FormField::Organization);
    assert!(app.generate.form.editing.is_some());
    // The field's value ("certbench") is replaced by what is typed, as in any form.
    let typed = "rqi1?";
    for c in typed.chars() {
        let a = app.on_key(&key(c)).unwrap();
        assert!(matches!(a, Action::Insert(_)), "{c} is text after Tab");
        app.update(a);
    }
    assert_eq!(app.generate.form.text(FormField::Organization), typed);
    assert!(!app.should_quit);
    // Tab from the form's list of fields (not typing) does not leave the pane either.
    app.update(Action::Activate);
    let a = app
        .on_key(&KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE))
        .unwrap();
    app.update(a);
    assert_eq!(app.pane, Pane::Generate);
    assert!(app.generate.form.editing.is_some());
}

#[test]
fn the_error_count_counts_fields_not_messages() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::Activate);
    // One field with two problems, another with one.
    app.generate.form.select(FormField::Sans);
    app.update(Action::Activate);
    app.update(Action::ClearField);
    for c in "a..b, 300.1.1.1".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Activate);
    app.generate.form.select(FormField::Country);
    app.update(Action::Activate);
    for c in "germany".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Activate);
    assert_eq!(app.form_errors().len(), 3);
    app.update(Action::Issue);
    let said = app.status.clone().unwrap().text;
    assert!(said.contains("2 fields marked"), "{said}");
}

#[test]
fn typing_in_a_field_does_not_trigger_global_keys() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::Activate); // to the form
    app.generate.form.select(FormField::CommonName);
    app.update(Action::Activate); // edit
    app.update(Action::ClearField);
    for c in "q1?".chars() {
        let a = app.on_key(&key(c)).unwrap();
        assert!(matches!(a, Action::Insert(_)), "{c} is text while typing");
        app.update(a);
    }
    assert!(!app.should_quit);
    assert_eq!(app.generate.form.text(FormField::CommonName), "q1?");
    app.update(Action::Back); // undo
    assert_eq!(app.generate.form.text(FormField::CommonName), "localhost");
}

/// A form refused for a field marked ✗: the error stands until the field is fine, and then the
/// line says so instead of the old error.
#[test]
fn a_refused_form_says_when_its_fields_are_fine() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::Activate);
    app.generate.form.set_text(FormField::Name, "has space");
    assert!(app.update(Action::Issue).is_empty());
    let severity = |app: &App| app.status.as_ref().map(|s| s.severity);
    assert_eq!(severity(&app), Some(Severity::Error));
    app.generate.form.set_text(FormField::Name, "fine");
    app.update(Action::Down);
    assert_eq!(severity(&app), Some(Severity::Info), "{:?}", app.status);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("issues it")),
        "{:?}",
        app.status
    );
}

#[test]
fn issuing_asks_the_driver_and_an_existing_file_asks_the_user() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::Activate);
    app.generate.form.set_text(FormField::Name, "server");
    let effects = app.update(Action::Issue);
    let Some(Effect::Issue {
        spec,
        overwrite: false,
    }) = effects.first().cloned()
    else {
        panic!("expected an Issue effect, got {effects:?}")
    };
    assert!(app.busy().is_some());
    let path = PathBuf::from("server.crt");
    app.update(Action::IssueFinished {
        spec: spec.clone(),
        result: Err(EffectError {
            message: "exists".into(),
            existing_file: Some(path.clone()),
        }),
    });
    assert!(matches!(app.dialog, Some(Dialog::Overwrite { .. })));
    let effects = app.update(Action::Confirm);
    assert_eq!(
        effects,
        vec![Effect::Issue {
            spec,
            overwrite: true
        }]
    );
}

/// Issue 8: after issuing an expired certificate, "not before -400d", the CN and the SANs
/// stayed, so the next one was silently expired too; and the expired one got a green ✓.
#[test]
fn an_expired_certificate_is_said_so_and_the_next_form_starts_afresh() {
    let (d, mut app) = app_with_demo();
    app.update(Action::Activate);
    app.generate.form.set_text(FormField::Name, "old");
    app.generate.form.issuer = "ca".into(); // not the default (the intermediate)
    app.generate.form.set_text(FormField::NotBefore, "-400d");
    app.generate.form.set_text(FormField::Sans, "old.example");
    let effects = app.update(Action::Issue);
    let Some(Effect::Issue { spec, overwrite }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    // What the driver does with the effect.
    let issued = Workspace::open(d.path())
        .unwrap()
        .issue(&spec, overwrite, OffsetDateTime::now_utc())
        .unwrap();
    app.update(Action::IssueFinished {
        spec,
        result: Ok(Box::new(issued)),
    });
    let status = app.status.clone().unwrap();
    assert_eq!(status.severity, Severity::Warning, "{}", status.text);
    assert!(status.text.contains("Already expired"), "{}", status.text);
    assert!(
        status.text.contains("role, issuer, key type kept"),
        "{}",
        status.text
    );
    assert_eq!(app.generate.form.text(FormField::NotBefore), "");
    assert_eq!(
        app.generate.form.text(FormField::Sans),
        "localhost, 127.0.0.1, ::1"
    );
    assert_ne!(app.generate.form.text(FormField::Name), "old");
    assert_eq!(app.generate.form.role, Role::Server);
    assert_eq!(
        app.generate.form.issuer, "ca",
        "the issuer is kept, as the message says"
    );
}

#[test]
fn an_invalid_form_is_not_issued_and_the_cursor_goes_to_the_problem() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::Activate);
    app.generate.form.set_text(FormField::Sans, "");
    let effects = app.update(Action::Issue);
    assert!(effects.is_empty());
    assert_eq!(app.generate.form.field(), FormField::Sans);
    assert_eq!(app.status.as_ref().unwrap().severity, Severity::Error);
}

#[test]
fn revoking_asks_for_a_reason() {
    let (_d, mut app) = app_with_demo();
    select(&mut app, "client");
    app.update(Action::Revoke);
    app.update(Action::Right);
    assert_eq!(
        app.dialog,
        Some(Dialog::Revoke {
            name: "client".into(),
            reason: RevocationReason::KeyCompromise
        })
    );
    let effects = app.update(Action::Confirm);
    assert_eq!(
        effects,
        vec![Effect::Revoke {
            name: "client".into(),
            reason: RevocationReason::KeyCompromise
        }]
    );
    // The root cannot be revoked.
    app.generate.list_selected = 0;
    app.update(Action::Revoke);
    assert!(app.dialog.is_none());
}

/// The export dialog, as a user drives it: `e` on the client, a password typed through the
/// keymap, Enter; the file is written and openssl opens it with that password. The password
/// shows nowhere: not in the dialog's or the effect's Debug (what a log would hold). A second
/// export asks before replacing; a CA offers no file with a key.
#[test]
fn exporting_writes_a_pkcs12_that_openssl_opens() {
    let (d, mut app) = app_with_demo();
    select(&mut app, "client");
    let press = |app: &mut App, k: KeyEvent| -> Vec<Effect> {
        let action = app.on_key(&k).expect("the key does something");
        app.update(action)
    };
    press(&mut app, key('e'));
    for c in "hunter2 x".chars() {
        press(&mut app, key(c));
    }
    assert!(!format!("{:?}", app.dialog).contains("hunter2"));
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let effects = press(&mut app, enter);
    assert_eq!(effects.len(), 1);
    assert!(!format!("{effects:?}").contains("hunter2"));
    let effect = effects.into_iter().next().unwrap();
    let done = crate::run_blocking(effect.clone(), d.path()).unwrap();
    app.update(done);
    assert!(app.dialog.is_none(), "{:?}", app.status);
    let p12 = d.path().join("client.p12");
    std::fs::write(d.path().join("pw"), "hunter2 x\n").unwrap();
    let out = std::process::Command::new("openssl")
        .current_dir(d.path())
        .args([
            "pkcs12",
            "-in",
            "client.p12",
            "-passin",
            "file:pw",
            "-nokeys",
        ])
        .output()
        .expect("openssl runs (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("CN=alice"));
    let before = std::fs::read(&p12).unwrap();
    // Again: the file exists, the dialog says so and stays; nothing is replaced until Enter.
    press(&mut app, key('e'));
    for c in "other".chars() {
        press(&mut app, key(c));
    }
    let effect = press(&mut app, enter).remove(0);
    let done = crate::run_blocking(effect, d.path()).unwrap();
    app.update(done);
    assert!(matches!(
        app.dialog,
        Some(Dialog::Export { replace: true, .. })
    ));
    assert_eq!(std::fs::read(&p12).unwrap(), before);
    // Esc takes the question back (the dialog stays, with what was typed); Esc again
    // closes it.
    press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(matches!(
        app.dialog,
        Some(Dialog::Export { replace: false, .. })
    ));
    press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(app.dialog.is_none());
    assert_eq!(std::fs::read(&p12).unwrap(), before);
    // A CA: a trust store or DER, never its key.
    app.generate.list_selected = 0;
    press(&mut app, key('e'));
    let Some(Dialog::Export { choices, .. }) = &app.dialog else {
        panic!("no dialog");
    };
    assert!(choices.iter().all(|c| !c.holds_key()), "{choices:?}");
}

/// The demo's client exported as client.p12 in the workspace, with the password "open sesame".
fn export_client_p12(dir: &std::path::Path) {
    let ws = Workspace::open(dir).unwrap();
    certbench_pki::bundle::export_to_file(
        &ws,
        "client",
        certbench_pki::bundle::Format::Pkcs12,
        Some("open sesame"),
        Default::default(),
        None,
        false,
    )
    .unwrap();
}

/// A folder opened in Inspect that holds a locked PKCS#12 bundle: the bundle is what needs the
/// password, and the message names it, not the folder.
#[test]
fn a_folder_with_a_locked_bundle_names_the_bundle() {
    let (d, mut app) = app_with_demo();
    export_client_p12(d.path());
    let folder = d.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    std::fs::rename(d.path().join("client.p12"), folder.join("client.p12")).unwrap();
    open_in_inspect(&mut app, d.path(), &folder);
    let said = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(said.starts_with("client.p12 needs its password"), "{said}");
}

/// A PKCS#12 bundle opened in the Inspect pane waits for its password: Enter asks for it
/// (masked: not in the prompt's Debug), a wrong one is said and can be tried again, the
/// right one puts its certificates in its place, selected.
#[test]
fn a_pkcs12_bundle_opens_with_its_password_typed() {
    let (d, mut app) = app_with_demo();
    export_client_p12(d.path());
    let p12 = d.path().join("client.p12");
    open_in_inspect(&mut app, d.path(), &p12);
    assert_eq!(
        app.inspect.current_item().map(|i| i.source.clone()),
        Some(p12.clone())
    );
    // What the pane says of it names the key, never the CLI's flag.
    let shown = crate::snapshots::render(&app);
    assert!(shown.contains("PKCS#12"), "{shown}");
    assert!(!shown.contains("--password-file"), "{shown}");
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let type_password = |app: &mut App, password: &str| -> Effect {
        app.update(app.on_key(&enter).unwrap());
        assert_eq!(app.contexts(), vec![Context::Password]);
        for c in password.chars() {
            app.update(app.on_key(&key(c)).unwrap());
        }
        assert!(!format!("{:?}", app.inspect.prompt).contains(password));
        let mut effects = app.update(app.on_key(&enter).unwrap());
        assert!(!format!("{effects:?}").contains(password));
        effects.remove(0)
    };
    let wrong = type_password(&mut app, "nope");
    app.update(crate::run_blocking(wrong, d.path()).unwrap());
    assert!(
        app.status.as_ref().unwrap().text.contains("does not open"),
        "{:?}",
        app.status
    );
    let right = type_password(&mut app, "open sesame");
    app.update(crate::run_blocking(right, d.path()).unwrap());
    // The bundle's two certificates, read.
    let opened = |app: &App| {
        let from_p12: Vec<_> = app
            .inspect
            .loaded
            .items
            .iter()
            .filter(|i| i.source == p12)
            .collect();
        from_p12.len() == 2 && from_p12.iter().all(|i| i.result.is_ok())
    };
    assert!(opened(&app), "{:?}", app.inspect.loaded.items);
    assert_eq!(
        app.inspect
            .current_item()
            .map(crate::panes::inspect::row_label),
        Some("alice".to_string())
    );
    // The pane reads its files again (the workspace changed: a certificate issued): the bundle
    // stays open, not locked again, with no password typed a second time.
    let again = crate::run_blocking(app.inspect.load_inspect(Default::default()), d.path());
    app.update(again.unwrap());
    assert!(opened(&app), "{:?}", app.inspect.loaded.items);
}

/// Signing a request from the Generate pane, as a user does it: `s`, the path typed, Enter
/// reads it (off the loop) and shows the review (role from its EKU, a name from its CN),
/// `→` makes it a client, Enter signs; the certificate is in the workspace without a key.
#[test]
fn a_request_is_reviewed_and_signed_from_the_generate_pane() {
    let (d, mut app) = app_with_demo();
    let mut params = rcgen::CertificateParams::new(vec!["svc.local".into()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "My Service");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let path = write_request(d.path(), "svc", params);
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let effects = type_request_path(&mut app, &path);
    assert_eq!(effects, vec![Effect::ReadCsr { path: path.clone() }]);
    let read = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
    app.update(read);
    let Some(Dialog::Csr(dialog)) = &app.dialog else {
        panic!("no review: {:?}", app.status);
    };
    assert_eq!(dialog.role, Role::Server);
    assert_eq!(dialog.name, "my-service");
    // Esc closes it, signing nothing; again, and on to signing.
    let review = app.dialog.clone();
    press(&mut app, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(app.dialog.is_none());
    app.dialog = review;
    press(&mut app, KeyEvent::new(KeyCode::Right, KeyModifiers::NONE));
    let effects = press(&mut app, enter);
    assert_eq!(effects.len(), 1, "{:?}", app.status);
    let signed = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
    app.update(signed);
    assert!(app.dialog.is_none(), "{:?}", app.status);
    let ws = Workspace::open(d.path()).unwrap();
    let e = ws.entity("my-service").unwrap();
    assert_eq!(e.role, Role::Client);
    assert_eq!(e.key, None);
    assert!(!d.path().join("my-service.key").exists());
    assert!(d.path().join("my-service-chain.crt").exists());
}

/// A server's request without names cannot be signed as it is; Tab and a name typed add
/// one, and the certificate has it.
#[test]
fn a_request_without_names_gets_one_added_in_the_review() {
    let (d, mut app) = app_with_demo();
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "bare");
    let path = write_request(d.path(), "bare", params);
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let read = type_request_path(&mut app, &path).remove(0);
    app.update(crate::run_blocking(read, d.path()).unwrap());
    assert_eq!(app.contexts(), vec![Context::Review]);
    assert!(press(&mut app, enter).is_empty(), "signed without a name");
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.severity == Severity::Error)
    );
    press(&mut app, KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    for c in "bare.local".chars() {
        press(&mut app, key(c));
    }
    let sign = press(&mut app, enter);
    assert_eq!(sign.len(), 1, "{:?}", app.status);
    let reload = app.update(crate::run_blocking(sign[0].clone(), d.path()).unwrap());
    let ws = Workspace::open(d.path()).unwrap();
    let cert = std::fs::read(d.path().join("bare.crt")).unwrap();
    let summary = certbench_x509::summarize(
        &<rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::from_pem_slice(
            &cert,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        summary.subject_alt_names,
        vec!["DNS:bare.local".to_string()]
    );
    assert!(ws.entity("bare").is_some());
    // The new certificate is selected once the workspace is read again.
    let [reload] = reload.try_into().unwrap();
    app.update(crate::run_blocking(reload, d.path()).unwrap());
    assert_eq!(
        app.view.rows[app.generate.list_selected].entity.name,
        "bare"
    );
}

/// A request for both serverAuth and clientAuth is reviewed as "server + client" and signed
/// with both; ←/→ goes round server, client, server + client.
#[test]
fn a_request_for_both_is_signed_with_both() {
    let (d, mut app) = app_with_demo();
    let mut params = rcgen::CertificateParams::new(vec!["both.local".into()]).unwrap();
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let path = write_request(d.path(), "both", params);
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    let read = type_request_path(&mut app, &path).remove(0);
    app.update(crate::run_blocking(read, d.path()).unwrap());
    let both = |app: &App| match &app.dialog {
        Some(Dialog::Csr(d)) => (d.role, d.both),
        _ => panic!("no review"),
    };
    assert_eq!(both(&app), (Role::Server, true));
    let right = KeyEvent::new(KeyCode::Right, KeyModifiers::NONE);
    press(&mut app, right);
    assert_eq!(both(&app), (Role::Server, false));
    press(&mut app, right);
    assert_eq!(both(&app), (Role::Client, false));
    press(&mut app, right);
    assert_eq!(both(&app), (Role::Server, true));
    let sign = press(&mut app, enter).remove(0);
    let effects = app.update(crate::run_blocking(sign, d.path()).unwrap());
    let ws = Workspace::open(d.path()).unwrap();
    // The certificate signed is selected once the workspace is read again.
    let Some(Effect::LoadWorkspace { select: Some(name) }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    let e = ws.entity(&name).unwrap();
    let der = std::fs::read(ws.path(&e.cert)).unwrap();
    let der =
        <rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::from_pem_slice(
            &der,
        )
        .unwrap();
    let summary = certbench_x509::summarize(&der).unwrap();
    assert_eq!(
        summary
            .extended_key_usage
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>(),
        [
            "TLS Web Server Authentication",
            "TLS Web Client Authentication"
        ]
    );
}

/// `r` on a certificate shows its recipes, with the workspace's own paths (made off the
/// loop, as an effect).
#[test]
fn recipes_show_for_the_selected_certificate() {
    let (d, mut app) = app_with_demo();
    select(&mut app, "server");
    let effects = app.update(app.on_key(&key('r')).unwrap());
    assert_eq!(
        effects,
        vec![Effect::MakeRecipes {
            name: "server".into()
        }]
    );
    let made = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
    app.update(made);
    assert!(matches!(app.overlay, Some(Overlay::Recipes { .. })));
    let (name, text) = app.generate.recipes.clone().unwrap();
    assert_eq!(name, "server");
    assert!(text.contains("ssl_verify_client on;"), "{text}");
    let ca = d.path().canonicalize().unwrap().join("ca.crt");
    assert!(text.contains(&*ca.to_string_lossy()), "{text}");
}

/// Opening a file reads only that file and appends it; what was loaded (the workspace, the
/// system store) is not read again, and opening it a second time adds nothing.
#[test]
fn opening_a_file_appends_it_without_reading_the_rest_again() {
    let (d, mut app) = app_with_demo();
    let effect = app.inspect.load_inspect(Default::default());
    let loaded = crate::run_blocking(effect, d.path()).unwrap();
    app.update(loaded);
    let before: Vec<PathBuf> = app
        .inspect
        .loaded
        .items
        .iter()
        .map(|i| i.source.clone())
        .collect();
    assert!(before.len() >= 4, "{before:?}");
    let other = tempfile::tempdir().unwrap();
    Workspace::open(other.path())
        .unwrap()
        .gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
        .unwrap();
    let extra = other.path().join("ca.crt");
    let open = |app: &mut App| {
        app.update(Action::ShowPane(Pane::Inspect));
        app.update(Action::StartOpen);
        for c in extra.to_string_lossy().chars() {
            app.update(Action::Insert(c));
        }
        app.update(Action::Activate)
    };
    let effects = open(&mut app);
    let [Effect::AddToInspect { paths, loaded, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(paths, std::slice::from_ref(&extra));
    assert_eq!(loaded.len(), before.len());
    let action = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
    app.update(action);
    let after: Vec<PathBuf> = app
        .inspect
        .loaded
        .items
        .iter()
        .map(|i| i.source.clone())
        .collect();
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(after[before.len()..], *std::slice::from_ref(&extra));
    // The same file again: read again in place, not listed twice.
    let effects = open(&mut app);
    let action = crate::run_blocking(effects[0].clone(), d.path()).unwrap();
    app.update(action);
    assert_eq!(app.inspect.loaded.items.len(), after.len());
}

#[test]
fn the_path_prompt_opens_a_file_and_tab_asks_for_completions() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Inspect));
    let a = app.on_key(&key('o')).unwrap();
    assert!(matches!(a, Action::StartOpen), "{a:?} {:?}", app.contexts());
    app.update(a);
    assert!(app.inspect.prompt.is_some(), "{:?}", app.contexts());
    for c in "/tmp/x".chars() {
        let a = app.on_key(&key(c)).unwrap();
        assert!(matches!(a, Action::Insert(_)), "{c} is text in the prompt");
        app.update(a);
    }
    let effects = app.update(Action::Complete);
    assert_eq!(effects, vec![Effect::CompletePath("/tmp/x".into())]);
    app.update(Action::Completions {
        typed: "/tmp/x".into(),
        candidates: vec!["/tmp/xa/".into(), "/tmp/xb.pem".into()],
    });
    assert_eq!(app.inspect.prompt.as_ref().unwrap().candidates.len(), 2);
    app.update(Action::Completions {
        typed: "/tmp/x".into(),
        candidates: vec!["/tmp/xb.pem".into()],
    });
    assert_eq!(app.inspect.prompt.as_ref().unwrap().text, "/tmp/xb.pem");
    let effects = app.update(Action::Activate);
    assert_eq!(
        effects,
        vec![Effect::LoadInspect {
            open: vec![PathBuf::from("/tmp/xb.pem")],
            system: false,
            passwords: vec![],
            // Selected and said once read.
            after: crate::panes::inspect::AfterLoad {
                select: Some(PathBuf::from("/tmp/xb.pem")),
                field: None,
                announce: true,
            },
        }]
    );
    assert!(app.inspect.prompt.is_none());
}

/// Serving (or relaying) after a run: the pane's timeline is the listener's from then on, not
/// the last run's read under the listener's header ("the client is not certbench" beside a
/// run whose client was).
#[test]
fn serving_after_a_run_leaves_that_run_behind() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Handshake));
    let run = app.handshake.start();
    app.handshake.push(
        run,
        certbench_tls::event::Event {
            t_us: 1,
            paused_us: 0,
            side: certbench_wire::Side::Client,
            kind: certbench_tls::event::EventKind::Note(
                certbench_tls::event::Note::ConnectReturned,
            ),
        },
    );
    app.handshake.running = false;
    app.handshake.connected_to = Some("localhost:9443".into());
    assert!(!app.handshake.events.is_empty());
    let effects = app.update(Action::ToggleServe);
    assert!(
        matches!(effects.as_slice(), [Effect::StartServe { .. }]),
        "{effects:?}"
    );
    assert!(app.handshake.events.is_empty());
    assert!(app.handshake.connected_to.is_none() && app.handshake.outcome.is_none());
}

/// `path` opened in the Inspect pane (as the path prompt opens it) and read as the loop reads
/// it, selected.
fn open_in_inspect(app: &mut App, dir: &std::path::Path, path: &std::path::Path) {
    app.update(Action::ShowPane(Pane::Inspect));
    app.inspect.open.push(path.to_path_buf());
    let after = crate::panes::inspect::AfterLoad {
        select: Some(path.to_path_buf()),
        ..Default::default()
    };
    let loaded = crate::run_blocking(app.inspect.load_inspect(after), dir).unwrap();
    app.update(loaded);
}

/// Move down the Inspect list to the row labelled `label`.
fn select_in_inspect(app: &mut App, label: &str) {
    while app
        .inspect
        .current_item()
        .map(crate::panes::inspect::row_label)
        .as_deref()
        != Some(label)
    {
        app.update(Action::Down);
    }
}

/// The workspace's certificates read into the Inspect pane, as the loop reads them.
fn load_workspace_in_inspect(app: &mut App) {
    app.update(Action::InspectLoaded(Box::new(crate::load_inspect(
        &crate::Sources {
            dir: app.view.dir.clone(),
            open: vec![],
            system: false,
            relay: None,
        },
        app.now,
    ))));
}

/// A certificate the workspace revoked is marked so in the Inspect list, as the workspace list
/// marks it (not by its days left).
#[test]
fn a_revoked_certificate_is_marked_revoked_in_inspect() {
    let (d, mut app) = app_with_demo();
    Workspace::open(d.path())
        .unwrap()
        .revoke(
            "client",
            RevocationReason::KeyCompromise,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    app.view = WorkspaceView::load(d.path());
    load_workspace_in_inspect(&mut app);
    app.update(Action::ShowPane(Pane::Inspect));
    let shown = crate::snapshots::render(&app);
    let row = shown
        .lines()
        .find(|l| l.contains("client · alice"))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(row.contains("revoked") && row.contains("✗"), "{row}");
}

#[test]
fn verification_options_change_the_verdict() {
    let (_d, mut app) = app_with_demo();
    load_workspace_in_inspect(&mut app);
    app.update(Action::ShowPane(Pane::Inspect));
    select_in_inspect(&mut app, "localhost");
    let ok = |app: &App| {
        app.inspect
            .selected
            .as_ref()
            .unwrap()
            .chain
            .as_ref()
            .unwrap()
            .ok
    };
    assert!(ok(&app));
    // As a client: the server certificate lacks clientAuth.
    app.update(Action::CyclePurpose);
    app.update(Action::CyclePurpose);
    assert!(!ok(&app));
    app.update(Action::CyclePurpose);
    assert!(ok(&app));
    // For another name.
    app.update(Action::VerifyName);
    for c in "example.com".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Activate);
    assert!(!ok(&app));
    // The name stays set as the selection moves on; on a CA it is not checked (a name is a
    // leaf's), and the CA's chain still verifies, as a CA.
    while app
        .inspect
        .current_item()
        .and_then(|i| match &i.result {
            Ok(certbench_x509::load::Decoded::Certificate(r)) => r.basic_constraints.clone(),
            _ => None,
        })
        .is_none_or(|b| !b.ca)
    {
        app.update(Action::Up);
    }
    assert!(ok(&app));
    let (w, h) = (app.width, app.height);
    (app.width, app.height) = (200, 60);
    let shown = crate::snapshots::render(&app);
    assert!(shown.contains("(not checked: a CA)"), "{shown}");
    (app.width, app.height) = (w, h);
    select_in_inspect(&mut app, "localhost");
    assert!(!ok(&app));
    app.update(Action::VerifyName);
    app.update(Action::ClearField);
    app.update(Action::Activate);
    assert!(ok(&app));
    // A time that is none is refused, and said; a good one then takes the error's place.
    app.update(Action::VerifyTime);
    for c in "garbage".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Activate);
    assert_eq!(
        app.status.as_ref().map(|s| s.severity),
        Some(Severity::Error)
    );
    app.update(Action::ClearField);
    // In two years it has expired.
    for c in "+730d".chars() {
        app.update(Action::Insert(c));
    }
    app.update(Action::Activate);
    assert!(!ok(&app));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.severity == Severity::Info && s.text.starts_with("Verified at")),
        "{:?}",
        app.status
    );
    let chain = app
        .inspect
        .selected
        .as_ref()
        .unwrap()
        .chain
        .clone()
        .unwrap();
    assert_eq!(chain.failed_field, Some("validity"));
}

#[test]
fn step_mode_and_cancel_are_effects_on_the_running_stepper() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Handshake));
    let a = app.on_key(&key('s')).unwrap();
    app.update(a);
    assert!(app.handshake.step_mode);
    let effects = app.update(Action::RunHandshake);
    let Some(Effect::RunHandshake { options, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    let stepper = options.control.stepper.clone().unwrap();
    assert!(
        options.control.timeout.as_secs() >= 3600,
        "no hurry in step mode"
    );
    let a = app
        .on_key(&KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE))
        .unwrap();
    assert_eq!(app.update(a), vec![Effect::StepHandshake(stepper.clone())]);
    assert_eq!(
        app.update(Action::CancelRun),
        vec![Effect::CancelHandshake(stepper)]
    );
    // While a run goes on, its options stay as they were.
    app.update(Action::ToggleStep);
    assert!(app.handshake.step_mode);
}

#[test]
fn the_client_certificate_and_the_suite_are_chosen_for_the_next_run() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Handshake));
    let options = |app: &mut App| {
        let effects = app.update(Action::RunHandshake);
        let Some(Effect::RunHandshake { run, options, .. }) = effects.first().cloned() else {
            panic!("{effects:?}")
        };
        app.update(Action::HandshakeFinished {
            run,
            result: Err("not run here".into()),
        });
        options
    };
    let o = options(&mut app);
    assert_eq!(
        (o.material.client.as_deref(), o.suite.as_deref()),
        (Some("client"), None)
    );
    // The demo workspace has one client certificate: then none, then it again.
    app.update(Action::CycleClientCert);
    assert_eq!(options(&mut app).material.client, None);
    app.update(Action::CycleClientCert);
    assert_eq!(options(&mut app).material.client.as_deref(), Some("client"));
    // TLS 1.3's suites one by one, then rustls's choice again.
    let mut seen = vec![];
    for _ in 0..4 {
        app.update(Action::CycleSuite);
        seen.push(options(&mut app).suite);
    }
    assert_eq!(
        seen,
        vec![
            Some("TLS_AES_256_GCM_SHA384".to_string()),
            Some("TLS_AES_128_GCM_SHA256".to_string()),
            Some("TLS_CHACHA20_POLY1305_SHA256".to_string()),
            None
        ]
    );
    // The server certificate's names, then one it lacks.
    let mut names = vec![];
    for _ in 0..4 {
        app.update(Action::CycleServerName);
        names.push(options(&mut app).server_name);
    }
    assert_eq!(names, ["127.0.0.1", "::1", "wrong.example", "localhost"]);
    // A suite belongs to its version: switching to TLS 1.2 goes back to rustls's choice.
    app.update(Action::CycleSuite);
    app.update(Action::ToggleTls);
    let o = options(&mut app);
    assert_eq!((o.version, o.suite), (TlsVersion::Tls12, None));
    app.update(Action::CycleSuite);
    let suite = options(&mut app).suite.unwrap();
    assert!(suite.starts_with("TLS_ECDHE_"), "{suite}");
}

#[test]
fn background_work_does_not_block_or_clear_other_work() {
    let (_d, mut app) = app_with_demo();
    // A handshake paused in step mode keeps running...
    app.update(Action::ShowPane(Pane::Handshake));
    app.update(Action::ToggleStep);
    assert!(matches!(
        app.update(Action::RunHandshake).first(),
        Some(Effect::RunHandshake { .. })
    ));
    // ... and issuing still works meanwhile.
    app.update(Action::ShowPane(Pane::Generate));
    app.update(Action::Activate);
    app.generate.form.set_text(FormField::Name, "web");
    let effects = app.update(Action::Issue);
    assert!(
        matches!(effects.first(), Some(Effect::Issue { .. })),
        "{effects:?}"
    );
    // The workspace reloading does not end the handshake's spinner.
    let view = app.view.clone();
    app.update(Action::WorkspaceLoaded { view, select: None });
    assert!(
        app.busy().is_some_and(|b| b.contains("handshake")),
        "{:?}",
        app.busy()
    );
    // A second issue waits for the first.
    assert!(app.update(Action::Issue).is_empty());
}

#[test]
fn a_click_on_a_tab_switches_to_it() {
    let (_d, mut app) = app_with_demo();
    let (col, row) = layout::tab_areas(app.width)
        .into_iter()
        .find(|(p, _)| *p == Pane::Handshake)
        .map(|(_, r)| (r.x + 1, r.y))
        .unwrap();
    app.update(Action::Click { column: col, row });
    assert_eq!(app.pane, Pane::Handshake);
}

/// The tour asked for again from the help, in the Inspect pane, starts at its first step and
/// stays there until the user does what it says: it starts from the Generate pane, where that
/// step begins, not already past it.
#[test]
fn the_tour_started_again_from_inspect_begins_at_its_first_step() {
    let (_d, mut app) = app_with_demo();
    app.update(Action::ShowPane(Pane::Inspect));
    let a = app.on_key(&key('?')).unwrap();
    app.update(a);
    let a = app.on_key(&key('t')).unwrap();
    assert!(matches!(a, Action::StartTour), "{a:?}");
    app.update(a);
    for _ in 0..3 {
        app.update(Action::Tick);
    }
    assert_eq!(app.pane, Pane::Generate);
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("Tour 1/11"), "{screen}");
    let a = app.on_key(&key('2')).unwrap();
    app.update(a);
    let screen = crate::snapshots::render(&app);
    assert!(screen.contains("Tour 2/11"), "{screen}");
}

/// A user's keymap that words the help key its own way (or in another language) keeps it in the
/// status bar: the bar picks the newcomer's keys by what they do, not by their words.
#[test]
fn the_status_bar_keeps_the_help_key_whatever_its_words() {
    let (_d, mut app) = app_with_demo();
    app.keymap
        .merge("[global]\n\"?\" = { action = \"help\", desc = \"aide\" }\n\"q\" = { action = \"quit\", desc = \"quitter\" }\n")
        .unwrap();
    // Wide enough for every hint of the list and the global ones after them.
    app.update(Action::Resize {
        width: 600,
        height: 40,
    });
    let screen = crate::snapshots::render(&app);
    let bar = screen.lines().last().unwrap();
    assert!(bar.contains("? aide") && bar.contains("quitter"), "{bar}");
    assert!(!bar.contains("more: ?"), "{bar}");
}

/// A user who binds a dialog's keys their own way (keymap.toml) is shown those keys in the
/// dialog, and the keys shown are the keys that work: revoking with "r" once "y" and Enter are
/// unbound, and the Trust dialog's install on "+".
#[test]
fn dialogs_name_the_keys_the_users_keymap_binds() {
    let (_d, mut app) = app_with_demo();
    app.keymap
        .merge(
            "[revoke]\n\"y\" = \"none\"\n\"enter\" = \"none\"\n\"r\" = \"confirm\"\n\
             [export]\n\"enter\" = \"none\"\n\"w\" = \"activate\"\n",
        )
        .unwrap();
    app.update(Action::Resize {
        width: 120,
        height: 40,
    });
    select(&mut app, "client");
    app.update(Action::Revoke);
    let screen = crate::snapshots::render(&app);
    let keys = screen
        .lines()
        .find(|l| l.contains("reason") && l.contains("revoke") && l.contains("cancel"))
        .unwrap_or_else(|| panic!("no key line in the dialog:\n{screen}"));
    assert!(keys.contains("←/→ reason"), "{keys}");
    assert!(keys.contains(" r revoke"), "{keys}");
    assert!(
        !keys.contains("y revoke") && !keys.contains("enter"),
        "{keys}"
    );
    let press = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert!(app.on_key(&press('y')).is_none());
    assert!(matches!(app.on_key(&press('r')), Some(Action::Confirm)));
    app.update(Action::Cancel);

    app.update(Action::StartExport);
    let screen = crate::snapshots::render(&app);
    assert!(
        screen.contains("w write") && !screen.contains("enter write"),
        "{screen}"
    );
}
