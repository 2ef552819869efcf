//! The lab's unit tests.
use super::*;

#[test]
fn every_scenario_has_its_words_and_a_unique_name() {
    let table: HashMap<String, Words> = toml::from_str(LAB).unwrap();
    for s in SCENARIOS {
        let w = table
            .get(s.name)
            .unwrap_or_else(|| panic!("assets/lab.toml lacks {}", s.name));
        assert!(!w.title.is_empty() && !w.lesson.is_empty() && !w.fix.is_empty());
        assert_eq!(
            SCENARIOS.iter().filter(|o| o.name == s.name).count(),
            1,
            "{}",
            s.name
        );
    }
    assert_eq!(
        table.len(),
        SCENARIOS.len(),
        "a text in lab.toml has no scenario"
    );
}

/// Every scenario's material is made, in memory.
#[test]
fn every_scenario_sets_up() {
    let now = OffsetDateTime::now_utc();
    for s in SCENARIOS {
        let (m, _) = setup(s, now).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        assert!(!m.server.unwrap().chain.is_empty(), "{}", s.name);
    }
}
