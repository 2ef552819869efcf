use super::*;

/// Every finding has words, and every placeholder its words use is one it fills.
#[test]
fn every_finding_has_words_and_fills_its_placeholders() {
    let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let all = [
        Finding::Unreadable,
        Finding::Validity {
            not_before: t,
            not_after: t,
            at: t,
        },
        Finding::TimeWithoutZone {
            field: ValidityField::NotAfter,
            encoded: "20300101000000".into(),
        },
        Finding::SignedBy {
            issuer: "CN=a".into(),
        },
        Finding::NotSignedBy {
            issuer: "CN=a".into(),
        },
        Finding::SelfSignedNotAnchor,
        Finding::IssuerNotGiven {
            issuer: "CN=a".into(),
        },
        Finding::Revoked {
            date: t,
            reason: Some("keyCompromise".into()),
            crl_issuer: "CN=a".into(),
        },
        Finding::NotRevoked {
            crl_issuer: "CN=a".into(),
        },
        Finding::RevokedOcsp {
            date: t,
            reason: Some("keyCompromise".into()),
            signer: "CN=a".into(),
        },
        Finding::NotRevokedOcsp {
            signer: "CN=a".into(),
        },
        Finding::CaAsEndEntity,
        Finding::NotCa,
        Finding::Ca,
        Finding::NotCaYetIssued,
        Finding::PathLen {
            limit: 0,
            intermediates_below: 1,
        },
        Finding::KeyCertSign,
        Finding::NoKeyCertSign,
        Finding::EkuAllows {
            usage: "serverAuth",
        },
        Finding::EkuLacks {
            usage: "serverAuth",
        },
        Finding::EkuAbsent {
            usage: "serverAuth",
        },
        Finding::EkuUnreadable {
            problem: "x".into(),
        },
        Finding::NameFound {
            name: "a".into(),
            names: vec!["DNS:a".into()],
        },
        Finding::NameNotFound {
            name: "a".into(),
            names: vec!["DNS:b".into()],
        },
        Finding::NoNames { name: "a".into() },
        Finding::UtcTimeFourDigitYear {
            field: ValidityField::NotBefore,
            encoded: "20300101000000Z".into(),
        },
        Finding::NameConstraintsKept {
            permitted: vec!["DNS:a".into()],
            excluded: vec!["DNS:b.a".into()],
        },
        Finding::NameConstraintsBroken {
            permitted: vec!["DNS:a".into()],
            excluded: vec!["DNS:b.a".into()],
            name: "DNS:c".into(),
        },
        Finding::NameExcluded {
            name: "DNS:x.b.a".into(),
            subtree: "DNS:b.a".into(),
            ca: "CN=ca".into(),
        },
        Finding::NameNotPermitted {
            name: "DNS:c".into(),
            permitted: vec!["DNS:a".into()],
            ca: "CN=ca".into(),
        },
    ];
    let table: HashMap<String, String> = toml::from_str(WORDS).unwrap();
    for f in &all {
        let code = f.code();
        let w = table
            .get(&code)
            .unwrap_or_else(|| panic!("no words for {code}"));
        let names: Vec<&str> = f.values().iter().map(|(k, _)| *k).collect();
        let mut rest = w.as_str();
        while let Some(i) = rest.find('{') {
            let j = rest[i..].find('}').unwrap() + i;
            assert!(
                names.contains(&&rest[i + 1..j]),
                "{code}: {{{}}} is not filled",
                &rest[i + 1..j]
            );
            rest = &rest[j + 1..];
        }
    }
    // And the notes'.
    let notes = [
        VerifyNote::CandidatesLeftOut {
            count: 1,
            per_name: 32,
        },
        VerifyNote::OcspPassedOver { verdict: "stale" },
        VerifyNote::OcspForNone,
    ];
    for n in &notes {
        let code = serde_json::to_value(n).unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(table.contains_key(&code), "no words for the note {code}");
        assert!(!n.describe().contains('{'), "{code}: {}", n.describe());
    }
    assert_eq!(
        table.len(),
        all.len() + notes.len(),
        "a word entry without a finding or a note"
    );
}
