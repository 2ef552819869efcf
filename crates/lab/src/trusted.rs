//! The words for `certbench trust` (assets/trust.toml), made from `certbench_pki::trust`'s typed
//! plans, changes and statuses, the same for the CLI's lines and the TUI's.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use certbench_base::text::display_safe;
use certbench_pki::trust::{
    Change, Direction, InStore, Passed, PassedWhy, Plan, Status, StoreKind,
};

const TRUST: &str = include_str!("../../../assets/trust.toml");

fn say(key: &str, values: &[(&'static str, String)]) -> String {
    static TABLE: OnceLock<HashMap<String, HashMap<String, String>>> = OnceLock::new();
    let said = certbench_base::assets::table(&TABLE, TRUST).get("said");
    match said.and_then(|s| s.get(key)) {
        Some(t) => certbench_base::assets::fill(t, values),
        None => key.to_string(),
    }
}

fn place(p: &Path) -> String {
    p.display().to_string()
}

/// What saying yes to `plan` (an install) means; `undo` is what takes the roots out again
/// where this is said (a command, a key).
pub fn warning(plan: &Plan, undo: &str) -> String {
    let machine = plan.changes.iter().any(|c| c.store != StoreKind::Nss);
    say(
        if machine { "warning" } else { "warning_user" },
        &[
            ("subjects", plan.subjects().join(", ")),
            ("undo", undo.to_string()),
        ],
    )
}

/// A change, as planned (`done` false) or as done.
pub fn change(c: &Change, done: bool) -> String {
    let key = match (c.direction, done) {
        (Direction::Install, false) => "plan_install",
        (Direction::Uninstall, false) => "plan_uninstall",
        (Direction::Install, true) => "done_install",
        (Direction::Uninstall, true) => "done_uninstall",
    };
    say(
        key,
        &[
            ("store", c.store.as_str().into()),
            ("subject", c.subject.clone()),
            ("name", c.name.clone()),
            ("place", place(&c.place)),
        ],
    )
}

/// A store and root left alone, and why.
pub fn passed(p: &Passed) -> String {
    let mut v = vec![
        ("store", p.store.as_str().to_string()),
        ("subject", p.subject.clone()),
        ("place", place(&p.place)),
    ];
    let key = match &p.why {
        PassedWhy::AlreadyThere { ours: true, .. } => "already_ours",
        PassedWhy::AlreadyThere { name, ours: false } => {
            v.extend(name.clone().map(|n| ("name", n)));
            "already"
        }
        PassedWhy::Gone => "gone",
        PassedWhy::Replaced { name } => {
            v.push(("name", name.clone()));
            "replaced"
        }
        PassedWhy::StoreGone { why } => {
            v.push(("why", why.to_string()));
            "store_gone"
        }
        PassedWhy::Absent { why } => {
            v.push(("why", why.to_string()));
            "absent"
        }
        PassedWhy::NeedsPassword => "needs_password",
        PassedWhy::NicknameTaken { name } => {
            v.push(("name", name.clone()));
            "nickname_taken"
        }
    };
    say(key, &v)
}

/// Where a root stands in one store.
pub fn in_store(s: &InStore) -> String {
    let v: Vec<(&'static str, String)> = s.name.clone().map(|n| ("name", n)).into_iter().collect();
    let key = match (s.present, s.by_certbench) {
        (true, true) => "status_ours",
        (true, false) => "status_theirs",
        (false, _) => "status_absent",
    };
    say(key, &v)
}

/// `trust status` as lines: each root, then a line per store (padded by its kind), then the
/// stores this machine lacks or cannot read, then what certbench installed of other roots.
pub fn status_lines(st: &Status) -> Vec<String> {
    let row = |store: StoreKind, place: &Path, what: String| {
        format!(
            "  {:<7} {}: {what}",
            store.as_str(),
            display_safe(&place.display().to_string(), 200)
        )
    };
    let mut out = Vec::new();
    for a in &st.anchors {
        out.push(say(
            "status_root",
            &[
                ("subject", a.anchor.subject.clone()),
                ("label", a.anchor.label.clone()),
                (
                    "sha",
                    a.anchor.sha256.get(..16).unwrap_or_default().to_string(),
                ),
            ],
        ));
        for s in &a.stores {
            out.push(row(s.store, &s.place, in_store(s)));
        }
    }
    for m in &st.absent {
        out.push(format!(
            "  {:<7} {}",
            m.store.as_str(),
            say("status_none", &[("why", m.why.to_string())])
        ));
    }
    for u in &st.unreadable {
        out.push(row(
            u.store,
            &u.place,
            say("status_unreadable", &[("reason", u.reason.clone())]),
        ));
    }
    if !st.others.is_empty() {
        out.push(say("status_others", &[]));
        for o in &st.others {
            out.push(format!(
                "  {:<7} {}",
                o.store.as_str(),
                say(
                    "status_other",
                    &[
                        ("subject", o.subject.clone()),
                        ("name", o.name.clone()),
                        ("place", place(&o.place)),
                        ("from", place(&o.from)),
                    ],
                )
            ));
        }
    }
    out
}

/// The steps for a system certbench cannot install into itself.
pub fn manual(file: &Path) -> String {
    say("manual", &[("file", place(file))])
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_key_has_words() {
        let table: std::collections::HashMap<String, std::collections::HashMap<String, String>> =
            toml::from_str(super::TRUST).expect("assets/trust.toml parses");
        let said = &table["said"];
        for key in [
            "warning",
            "warning_user",
            "plan_install",
            "plan_uninstall",
            "done_install",
            "done_uninstall",
            "already_ours",
            "already",
            "gone",
            "replaced",
            "store_gone",
            "absent",
            "manual",
            "status_ours",
            "status_theirs",
            "status_absent",
            "needs_password",
            "nickname_taken",
            "status_root",
            "status_none",
            "status_unreadable",
            "status_others",
            "status_other",
        ] {
            assert!(said.contains_key(key), "assets/trust.toml has no {key}");
        }
    }
}
