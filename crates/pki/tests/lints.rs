#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! Lints on certificates the PKI crate makes: the demo set has none, each broken leaf its own.

use certbench_pki::workspace::{SetOptions, Workspace};
use certbench_pki::{ExtKeyUsage, IssueSpec, KeyAlg, KeyUsage};
use certbench_x509::Role;
use certbench_x509::{Decoded, lint_all, load_paths};
use time::OffsetDateTime;

fn workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let mut ws = Workspace::open(dir.path()).unwrap();
    ws.gen_set(&SetOptions::default(), false, OffsetDateTime::now_utc())
        .unwrap();
    (dir, ws)
}

/// Lint ids for each certificate file, loaded with the whole workspace so issuers are known.
fn lint_ids(
    ws: &Workspace,
    role_of: &(dyn Fn(&str) -> Option<Role> + Sync),
    now: OffsetDateTime,
) -> Vec<(String, Vec<&'static str>)> {
    let paths: Vec<_> = ws.entities().iter().map(|e| ws.path(&e.cert)).collect();
    let mut items = load_paths(&paths);
    let role = |i: &certbench_x509::Item| certbench_x509::Known {
        role: role_of(&i.source.file_stem().unwrap().to_string_lossy()),
        foreign: false,
    };
    lint_all(&mut items, now, &role);
    items
        .iter()
        .map(|i| {
            let name = i.source.file_stem().unwrap().to_string_lossy().into_owned();
            match &i.result {
                Ok(Decoded::Certificate(r)) => (name, r.lints.iter().map(|l| l.id).collect()),
                other => panic!("{other:?}"),
            }
        })
        .collect()
}

fn ids_of<'a>(all: &'a [(String, Vec<&'static str>)], name: &str) -> &'a [&'static str] {
    &all.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn the_demo_set_has_no_lints() {
    let (_d, ws) = workspace();
    let all = lint_ids(
        &ws,
        &|n| ws.entity(n).map(|e| e.role),
        OffsetDateTime::now_utc(),
    );
    for (name, ids) in &all {
        assert!(ids.is_empty(), "{name}: {ids:?}");
    }
}

#[test]
fn broken_leaves_are_named() {
    let (_d, mut ws) = workspace();
    let now = OffsetDateTime::now_utc();
    // A server certificate with clientAuth only.
    let mut wrong_eku = IssueSpec::for_role(Role::Server, "wrong-eku");
    wrong_eku.ext_key_usages = Some(vec![ExtKeyUsage::ClientAuth]);
    ws.issue(&wrong_eku, false, now).unwrap();
    // A server whose name is only in the CN.
    let mut cn_only = IssueSpec::for_role(Role::Client, "cn-only");
    cn_only.subject.common_name = "api.example.com".into();
    ws.issue(&cn_only, false, now).unwrap();
    // An RSA leaf with keyEncipherment only.
    let mut no_ds = IssueSpec::for_role(Role::Server, "no-ds");
    no_ds.key_alg = KeyAlg::Rsa2048;
    no_ds.key_usages = Some(vec![KeyUsage::KeyEncipherment]);
    ws.issue(&no_ds, false, now).unwrap();
    // Expiring in a week; expired.
    let mut soon = IssueSpec::for_role(Role::Client, "soon");
    soon.days = 7;
    ws.issue(&soon, false, now).unwrap();
    let mut old = IssueSpec::for_role(Role::Client, "old");
    old.not_before = "-400d".into();
    ws.issue(&old, false, now).unwrap();
    // A server valid for three years.
    let mut long = IssueSpec::for_role(Role::Server, "long");
    long.days = 1095;
    ws.issue(&long, false, now).unwrap();

    let role = |n: &str| match n {
        "wrong-eku" | "no-ds" | "long" => Some(Role::Server),
        _ => None,
    };
    let all = lint_ids(&ws, &role, now);
    assert_eq!(ids_of(&all, "wrong-eku"), ["server-without-server-auth"]);
    assert_eq!(ids_of(&all, "cn-only"), ["names-only-in-cn"]);
    assert_eq!(ids_of(&all, "no-ds"), ["leaf-without-digital-signature"]);
    assert_eq!(ids_of(&all, "soon"), ["expiring-soon"]);
    assert_eq!(ids_of(&all, "old"), ["expired"]);
    assert_eq!(ids_of(&all, "long"), ["server-validity-over-398-days"]);
}

#[test]
fn a_leaf_from_a_replaced_intermediate_has_a_mismatched_aki() {
    let (_d, mut ws) = workspace();
    let now = OffsetDateTime::now_utc();
    // An intermediate made again (same name, a new key) beside the server, which still
    // names the old key. (certbench itself refuses to replace a CA that issued certificates;
    // files from elsewhere can still be like this.)
    ws.issue(
        &{
            // The same name as the intermediate it replaces.
            let mut again = IssueSpec::for_role(Role::Intermediate, "intermediate-again");
            again.subject.common_name = ws.entity("intermediate").unwrap().common_name.clone();
            again
        },
        false,
        now,
    )
    .unwrap();
    let paths = [ws.path("server.crt"), ws.path("intermediate-again.crt")];
    let mut items = load_paths(&paths);
    lint_all(&mut items, now, &|_| certbench_x509::Known::default());
    let ids = |n: usize| match &items[n].result {
        Ok(Decoded::Certificate(r)) => r.lints.iter().map(|l| l.id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ids(0), ["aki-mismatch"]);
    assert_eq!(ids(1), [] as [&str; 0]);
}
