//! Entry points for the fuzz targets (fuzz/fuzz_targets/) and the stable tests that drive them
//! (crates/fuzzing/tests/drivers.rs): every parser of text a user types, and the certificate loader, fed
//! arbitrary bytes. Each checks what must hold whatever the input, so a fuzzer that breaks a
//! property finds it as surely as a panic.
#![doc(hidden)]

use std::path::Path;

use time::macros::datetime;

use certbench_base::text::{acts_on_terminal, display_safe, terminal_safe};
use certbench_base::times::{TimeUse, parse_time};
use certbench_pki::{
    ExtKeyUsage, IssueSpec, KeyAlg, KeyUsage, SanEntry, parse_cidr, parse_days,
    validate_entity_name,
};
use certbench_tls::run::{TlsVersion, resolve_group, resolve_suite};
use certbench_x509::{RevocationReason, Role};

/// Every parser of typed text, on `data` read as text (lossily: what a terminal or a file can
/// give). Panics when a property fails.
pub fn user_text(data: &[u8]) {
    // A peer's first bytes, as a failure quotes them: bounded, and nothing in them can act on
    // a terminal.
    let began = certbench_cause::began(data);
    assert!(began.len() <= certbench_cause::BEGAN_MAX + 2, "{began:?}");
    assert!(!began.chars().any(acts_on_terminal), "{began:?}");
    let text = String::from_utf8_lossy(data);
    let now = datetime!(2026-12-01 12:00 UTC);
    // The same text as one value, and split the way the CLI and the form split lists.
    let mut pieces: Vec<&str> = vec![&text];
    pieces.extend(text.split([',', '\n', '\t']));
    for s in pieces {
        for use_ in [TimeUse::Validity, TimeUse::Verification] {
            if let Ok(t) = parse_time(s, now, use_) {
                assert!(
                    use_.earliest() <= t && t <= use_.latest(),
                    "{s:?} parsed out of range"
                );
            }
        }
        if let Ok(days) = parse_days(s) {
            assert!(
                (1..=certbench_pki::MAX_DAYS).contains(&days),
                "{s:?}: {days}"
            );
        }
        if let Ok(san) = SanEntry::parse(s) {
            // What we would write is what we read back.
            let again = SanEntry::parse(&san.openssl_string());
            assert_eq!(again.as_ref(), Ok(&san), "{s:?}");
        }
        if let Ok((addr, prefix)) = parse_cidr(s) {
            assert!(prefix <= if addr.is_ipv4() { 32 } else { 128 });
        }
        if validate_entity_name(s).is_ok() {
            // A name is a file stem in the workspace: nothing that leaves the folder.
            assert!(
                !s.contains('/') && !s.contains('\\') && !s.starts_with('.'),
                "{s:?}"
            );
        }
        let _ = s.parse::<KeyAlg>();
        let _ = s.parse::<Role>();
        let _ = s.parse::<KeyUsage>();
        let _ = s.parse::<ExtKeyUsage>();
        let _ = s.parse::<RevocationReason>();
        let _ = s.parse::<certbench_x509::verify::Purpose>();
        for version in [TlsVersion::Tls13, TlsVersion::Tls12] {
            if let Ok(suite) = resolve_suite(s, version) {
                assert!(certbench_tls::run::suite_names(version).contains(&suite));
            }
            if let Ok(group) = resolve_group(s, version) {
                assert!(certbench_tls::run::group_names(version).contains(&group));
            }
        }
        // A scenario is found by its exact name only.
        if let Some(sc) = certbench_lab::scenario(s) {
            assert_eq!(sc.name, s);
        }
        // A peer's names in a cause's words are escaped: nothing a terminal acts on gets through.
        let words = certbench_cause::describe(&certbench_cause::Cause::NameMismatch {
            expected: Some(s.to_string()),
            presented: vec![s.to_string()],
        });
        assert!(!words.chars().any(acts_on_terminal), "{s:?}");
        // Whatever reaches a terminal: nothing it acts on, and escaping twice changes nothing.
        let safe = terminal_safe(s);
        assert!(
            !safe
                .chars()
                .any(|c| acts_on_terminal(c) && c != '\n' && c != '\t'),
            "{s:?}"
        );
        assert_eq!(terminal_safe(&safe), safe);
        let line = display_safe(s, 64);
        assert!(!line.chars().any(acts_on_terminal), "{s:?}");
        // At most 64 characters of the text are kept, each at most a 10-character escape.
        assert!(line.chars().count() <= 64 * 10 + 1);
    }
    // A whole request made of the pieces: validation says what is wrong, and never panics.
    let mut parts = text.split('\n');
    let mut next = || parts.next().unwrap_or("").to_string();
    let mut spec = IssueSpec::for_role(Role::Client, &next());
    spec.subject.common_name = next();
    spec.subject.organization = next();
    spec.subject.country = next();
    spec.sans = next().split(',').map(String::from).collect();
    spec.not_before = next();
    spec.days = parse_days(&next()).unwrap_or(365);
    spec.issuer = next();
    for role in Role::ALL {
        spec.role = role;
        let _ = spec.validate(&["ca".into(), "intermediate".into()], now);
    }
    // Workspace journals are read back after a crash: any text must be refused or understood,
    // and an understood one never names a path outside the folder.
    certbench_base::fsutil::check_journal_text(&text);
}

/// The certificate loader on a file's bytes: PEM bundles, DER, CRLs, CSRs, PKCS#12, garbage. Every item
/// decoded is linted, its field tree made, and its chain verified.
pub fn loader(data: &[u8]) {
    let now = datetime!(2026-12-01 12:00 UTC);
    let mut items = certbench_x509::load_bytes(Path::new("fuzz.pem"), data);
    // A PKCS#12 bundle is opened too, with the seeds' password.
    if certbench_x509::load::is_pkcs12(data) {
        items.extend(certbench_x509::load::open_pkcs12(
            Path::new("fuzz.p12"),
            data,
            "fuzz",
        ));
    }
    // A request to sign: read (its signature checked) and granted for each leaf role; what is
    // granted is what the request asked for, each thing decided once, and every name kept is one
    // certbench issues.
    if let Ok(request) = certbench_pki::csr::read(data) {
        for role in [certbench_x509::Role::Server, certbench_x509::Role::Client] {
            if let Ok(g) =
                certbench_pki::csr::grant(&request, role, "svc", "ca", "", &Default::default())
            {
                assert_eq!(g.decisions.len(), request.asked.len());
                // Every name kept is in the certificate as the kind it was asked as.
                let asked_kinds: Vec<&str> = g
                    .decisions
                    .iter()
                    .filter_map(|(a, d)| match (a, d) {
                        (
                            certbench_pki::csr::Asked::San { name },
                            certbench_pki::csr::Decision::Kept,
                        ) => name.split_once(':').map(|(k, _)| k),
                        _ => None,
                    })
                    .collect();
                let granted_kinds: Vec<&str> = g
                    .spec
                    .sans
                    .iter()
                    .map(|s| match certbench_pki::SanEntry::parse(s) {
                        Ok(certbench_pki::SanEntry::Dns(_)) => "DNS",
                        Ok(certbench_pki::SanEntry::Ip(_)) => "IP",
                        Ok(certbench_pki::SanEntry::Email(_)) => "email",
                        Ok(certbench_pki::SanEntry::Uri(_)) => "URI",
                        Err(_) => "unreadable",
                    })
                    .collect();
                assert_eq!(asked_kinds, granted_kinds);
                let _ = g.spec.validate(&["ca".into()], now);
                for (asked, decision) in &g.decisions {
                    let _ = asked.notation();
                    if let certbench_pki::csr::Decision::Refused { why } = decision {
                        let _ = why.text();
                    }
                }
            }
        }
    }
    certbench_x509::lint_all(&mut items, now, &|_| certbench_x509::Known::default());
    let ders: Vec<&[u8]> = items.iter().map(|i| i.der.as_slice()).collect();
    for item in &items {
        if let Ok(certbench_x509::Decoded::Certificate(report)) = &item.result {
            let _ = certbench_x509::tree::field_tree(&item.der, now);
            let _ = certbench_x509::summarize(&item.der);
            let _ = certbench_x509::report::brief(&item.der);
            // Both questions: as a peer's certificate, and as a CA.
            for as_ca in [false, true] {
                let v = certbench_x509::verify::verify(&certbench_x509::verify::VerifyInput {
                    leaf: &item.der,
                    intermediates: &ders,
                    anchors: &ders,
                    crls: &ders,
                    ocsp: &ders,
                    purpose: certbench_x509::verify::own_purpose(&item.der),
                    name: report.common_name.as_deref(),
                    at: now,
                    as_ca,
                });
                assert_eq!(v.ok, v.reason().is_none());
            }
        }
    }
}

/// OCSP as a responder and a client read it: a request (what `certbench ocsp` gets from anyone
/// on the network) and a response (what a server staples or a responder sends). A request read
/// is written back and read again to the same ids; a response read is judged for a
/// certificate, described for the timeline, and its verdict's code named.
pub fn ocsp(data: &[u8]) {
    use certbench_x509::ocsp::{check, read_request, read_response, request_der};
    let now = datetime!(2026-12-01 12:00 UTC);
    if let Ok(request) = read_request(data) {
        let known = request.ids.iter().all(|id| id.hash.is_some());
        if known && let Ok(again) = request_der(&request.ids, None) {
            let read = read_request(&again).expect("a request certbench writes reads back");
            assert_eq!(read.ids, request.ids);
        }
    }
    if let Ok(response) = read_response(data) {
        // Judged against the certificates the response carries (and none): never a panic, and a
        // verdict of revoked only when the response holds a revoked answer.
        let certs: Vec<&[u8]> = response
            .basic
            .iter()
            .flat_map(|b| b.certs.iter().map(Vec::as_slice))
            .collect();
        for cert in certs.iter().copied().chain([&[][..]]) {
            for issuer in certs.iter().copied().chain([&[][..]]) {
                let c = check(&response, cert, issuer, now);
                let _ = c.verdict.code();
                if c.verdict.is_revoked() {
                    assert!(matches!(
                        c.single.as_ref().map(|s| &s.status),
                        Some(certbench_x509::ocsp::CertStatus::Revoked { .. })
                    ));
                }
            }
        }
    }
    let _ = certbench_tls::describe::staple(data);
}
