//! `certbench inspect`: what each certificate, CRL and CSR in some files says.

use certbench_x509::report::joined;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbench_base::text::{display_safe, rfc3339};
use certbench_x509::load::{SYSTEM_STORES, system_store};
use certbench_x509::report::{CertReport, ValidityField};
use certbench_x509::{Decoded, Item, Severity, lint_all, load_paths, relative_validity};
use time::OffsetDateTime;

use crate::cli::{InspectArgs, VerifyArgs};
use crate::cli::{out, out::errln, out::outln};
use certbench_base::text::for_screen;
use certbench_pki::workspace::Workspace;
use certbench_x509::Kind;
use certbench_x509::Role;
use certbench_x509::verify::{VerifyInput, verify};

/// How much of a name the text output shows (`--json` has it whole).
const SCREEN: usize = 1024;

pub fn run(a: InspectArgs, workspace: &Path) -> ExitCode {
    let mut paths = a.paths.clone();
    if a.system {
        match system_store() {
            Some(p) => paths.push(p),
            None => {
                errln!(
                    "certbench: no system trust store found (looked for {})",
                    SYSTEM_STORES.join(", ")
                );
                return ExitCode::FAILURE;
            }
        }
    }
    if paths.is_empty() {
        return crate::cli::usage_error(
            "nothing to inspect: name files or folders, or pass --system",
        );
    }
    let password = match &a.password_file {
        Some(p) => match crate::cli::export::read_password(p, true) {
            Ok(p) => Some(p),
            Err(e) => {
                errln!("certbench: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    // `--at`: the lints and the validity as they will be (or were) then.
    let now = a.at.unwrap_or_else(OffsetDateTime::now_utc);
    let items = load_paths(&paths);
    let mut items = certbench_x509::load::open_pkcs12_items(items, password.as_deref());
    // What each certificate is for: what the user said, else its role in the workspace manifest
    // (the lints then test what it is for, not what it claims), else unknown.
    let roles: std::collections::HashMap<PathBuf, Role> = Workspace::open(workspace)
        .map(|ws| {
            ws.entities()
                .iter()
                .filter_map(|e| Some((ws.path(&e.cert).canonicalize().ok()?, e.role)))
                .collect()
        })
        .unwrap_or_default();
    // Each file's role, found once per file (a bundle's items share their file).
    let mut by_source: std::collections::HashMap<PathBuf, Option<Role>> =
        std::collections::HashMap::new();
    let mut last: Option<&Path> = None;
    for item in &items {
        // A bundle's items come one after another: its file is looked up once.
        if last != Some(item.source.as_path()) && !by_source.contains_key(&item.source) {
            let role = item
                .source
                .canonicalize()
                .ok()
                .and_then(|p| roles.get(&p).copied());
            by_source.insert(item.source.clone(), role);
        }
        last = Some(&item.source);
    }
    let told = a.purpose.map(|p| match p {
        certbench_x509::verify::Purpose::Server => Role::Server,
        certbench_x509::verify::Purpose::Client => Role::Client,
    });
    // The system's roots (--system) are someone else's: no fix tells the user to re-issue them.
    let system = if a.system { system_store() } else { None };
    let known = |item: &Item| certbench_x509::Known {
        role: told.or_else(|| by_source.get(&item.source).copied().flatten()),
        foreign: system.as_ref().is_some_and(|s| item.source.starts_with(s)),
    };
    lint_all(&mut items, now, &known);
    let failed = items.iter().any(|i| i.result.is_err() && !i.passed_over());
    let mut stdout = out::Stdout::new();
    if a.json {
        let all: Vec<JsonItem<'_>> = items.iter().map(json_item).collect();
        // A failed write is kept by the writer and reported by finish().
        let _ = out::json_array(stdout.raw(), &all);
    } else {
        let _ = write_text(&mut stdout, &items, now);
    }
    stdout.finish();
    // The process ends here: freeing thousands of decoded certificates one by one costs more
    // than the system reclaiming the memory at exit.
    std::mem::forget(items);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[derive(serde::Serialize)]
struct JsonItem<'a> {
    source: String,
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    certificate: Option<&'a CertReport>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    crl: Option<&'a certbench_x509::load::CrlReport>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    csr: Option<&'a certbench_x509::load::CsrReport>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    ocsp: Option<&'a certbench_x509::load::OcspReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// A file in a folder with nothing to read (a key, a note): why it was passed over.
    #[serde(skip_serializing_if = "Option::is_none")]
    passed_over: Option<String>,
}

fn json_item(i: &Item) -> JsonItem<'_> {
    let mut j = JsonItem {
        source: i.source.to_string_lossy().into_owned(),
        index: i.index,
        kind: None,
        certificate: None,
        crl: None,
        csr: None,
        ocsp: None,
        error: None,
        passed_over: None,
    };
    match &i.result {
        Ok(Decoded::Certificate(c)) => {
            j.kind = Some("certificate");
            j.certificate = Some(c);
        }
        Ok(Decoded::Crl(c)) => {
            j.kind = Some("crl");
            j.crl = Some(c);
        }
        Ok(Decoded::Csr(c)) => {
            j.kind = Some("csr");
            j.csr = Some(c);
        }
        Ok(Decoded::Ocsp(o)) => {
            j.kind = Some(match o.message {
                certbench_x509::ocsp::tree::Message::Request => "ocsp_request",
                certbench_x509::ocsp::tree::Message::Response => "ocsp_response",
            });
            j.ocsp = Some(o);
        }
        Err(certbench_x509::error::LoadError::PassedOver(why)) => {
            j.passed_over = Some(why.to_string())
        }
        Err(e) => j.error = Some(load_error(e)),
    }
    j
}

/// An OCSP message as its field tree: each field indented by depth, with its value and the byte
/// range it occupies (as openssl ocsp -req_text / -resp_text lays them out, with offsets).
fn write_ocsp(
    out: &mut impl Write,
    place: &str,
    o: &certbench_x509::load::OcspReport,
) -> std::fmt::Result {
    let what = match o.message {
        certbench_x509::ocsp::tree::Message::Request => "OCSP request",
        certbench_x509::ocsp::tree::Message::Response => "OCSP response",
    };
    writeln!(out, "{place}: {what}")?;
    for f in &o.fields {
        let label = format!("{}{}", "  ".repeat(f.depth + 1), f.label);
        let value = if f.value.is_empty() {
            String::new()
        } else {
            format!(" {}", for_screen(&f.value, SCREEN))
        };
        writeln!(out, "{label:<40}{value}  [{}..{}]", f.start, f.end)?;
    }
    Ok(())
}

fn write_text(out: &mut impl Write, items: &[Item], now: OffsetDateTime) -> std::fmt::Result {
    let (passed, items): (Vec<&Item>, Vec<&Item>) = items.iter().partition(|i| i.passed_over());
    for (n, i) in items.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let place = format!(
            "{} #{}",
            display_safe(&i.source.display().to_string(), 4096),
            i.index
        );
        match &i.result {
            Err(e) => writeln!(out, "{place}: error: {}", load_error(e))?,
            Ok(Decoded::Certificate(c)) => write_cert(out, &place, c, now)?,
            Ok(Decoded::Crl(c)) => {
                writeln!(out, "{place}: CRL")?;
                writeln!(out, "  {:<18} {}", "Issuer", for_screen(&c.issuer, SCREEN))?;
                writeln!(out, "  {:<18} {}", "This update", rfc3339(c.this_update))?;
                if let Some(n) = c.next_update {
                    writeln!(out, "  {:<18} {}", "Next update", rfc3339(n))?;
                }
                writeln!(out, "  {:<18} {}", "Revoked", c.revoked.len())?;
                for r in &c.revoked {
                    let reason = r
                        .reason
                        .as_deref()
                        .map(|x| format!(" ({x})"))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "    {} at {}{reason}",
                        certbench_x509::serial_text(&r.serial),
                        rfc3339(r.revoked_at)
                    )?;
                }
            }
            Ok(Decoded::Csr(c)) => {
                writeln!(out, "{place}: certificate request")?;
                writeln!(
                    out,
                    "  {:<18} {}",
                    "Subject",
                    for_screen(&c.subject, SCREEN)
                )?;
                writeln!(out, "  {:<18} {}", "Public key", c.public_key.text())?;
                writeln!(out, "  {:<18} {}", "Signature", c.signature_algorithm)?;
                // What it asks the CA to certify.
                for (label, values) in [
                    ("Requested SANs", joined(&c.subject_alt_names)),
                    ("Requested usage", joined(&c.key_usage)),
                    ("Requested EKU", joined(&c.extended_key_usage)),
                    ("Requested exts.", joined(&c.requested_extensions)),
                ] {
                    if !values.is_empty() {
                        writeln!(out, "  {label:<18} {values}")?;
                    }
                }
            }
            Ok(Decoded::Ocsp(o)) => write_ocsp(out, &place, o)?,
        }
    }
    // Files in folders that are not certificates: named once, after what was read.
    if !passed.is_empty() && !items.is_empty() {
        writeln!(out)?;
    }
    for i in passed {
        if let Err(e) = &i.result {
            writeln!(
                out,
                "{}: {e}",
                display_safe(&i.source.display().to_string(), 4096)
            )?;
        }
    }
    Ok(())
}

fn write_cert(
    out: &mut impl Write,
    place: &str,
    c: &CertReport,
    now: OffsetDateTime,
) -> std::fmt::Result {
    writeln!(out, "{place}: certificate")?;
    let row = |out: &mut dyn Write, k: &str, v: &str| writeln!(out, "  {k:<18} {v}");
    row(out, "Subject", &for_screen(&c.subject, SCREEN))?;
    row(out, "Issuer", &for_screen(&c.issuer, SCREEN))?;
    row(out, "Serial", &certbench_x509::serial_text(&c.serial))?;
    row(out, "Not before", &c.shown_time(ValidityField::NotBefore))?;
    row(
        out,
        "Not after",
        &format!(
            "{} ({})",
            c.shown_time(ValidityField::NotAfter),
            relative_validity(c.not_before, c.not_after, now)
        ),
    )?;
    row(out, "Public key", &c.public_key.text())?;
    row(out, "Signature", c.signature_algorithm.name())?;
    if let Some(b) = &c.basic_constraints {
        let pl = b
            .path_len
            .map(|p| format!(", pathlen:{p}"))
            .unwrap_or_default();
        row(
            out,
            "Basic constraints",
            &format!("CA:{}{pl}", if b.ca { "TRUE" } else { "FALSE" }),
        )?;
    }
    // Present and empty is not absent: said so where the values would be.
    let empty = |oid: &str| c.extensions.iter().any(|e| e.oid == oid && e.empty);
    const EMPTY: &str = "(present, and empty: RFC 5280 forbids it)";
    if !c.key_usage.is_empty() {
        row(out, "Key usage", &joined(&c.key_usage))?;
    } else if empty("2.5.29.15") {
        row(out, "Key usage", EMPTY)?;
    }
    if !c.extended_key_usage.is_empty() {
        row(out, "Ext. key usage", &joined(&c.extended_key_usage))?;
    } else if empty("2.5.29.37") {
        row(out, "Ext. key usage", EMPTY)?;
    }
    if !c.subject_alt_names.is_empty() {
        row(out, "SANs", &c.subject_alt_names.join(", "))?;
    } else if empty("2.5.29.17") {
        row(out, "SANs", EMPTY)?;
    }
    // The other extensions' values, as openssl x509 -text prints them.
    for e in c.extensions.iter().filter(|e| !e.value.is_empty()) {
        let label = match e.oid.as_str() {
            "2.5.29.14" => "Subject key ID",
            "2.5.29.35" => "Authority key ID",
            "2.5.29.31" => "CRL distribution",
            "1.3.6.1.5.5.7.1.1" => "Authority info",
            "2.5.29.32" => "Policies",
            "2.5.29.30" => "Name constraints",
            "2.5.29.36" => "Policy constr.",
            "2.5.29.54" => "Inhibit anyPolicy",
            _ => e.label(),
        };
        for (n, line) in e.value.iter().enumerate() {
            row(
                out,
                if n == 0 { label } else { "" },
                &for_screen(line, SCREEN),
            )?;
        }
    }
    let exts: Vec<String> = c
        .extensions
        .iter()
        .map(|e| {
            let name = e.label();
            if e.critical {
                format!("{name} (critical)")
            } else {
                name.to_string()
            }
        })
        .collect();
    if !exts.is_empty() {
        row(out, "Extensions", &exts.join(", "))?;
    }
    row(out, "SHA-256", &c.sha256_fingerprint)?;
    row(out, "SHA-1", &c.sha1_fingerprint)?;
    row(out, "SPKI pin (SHA-256)", &c.spki_sha256)?;
    for l in &c.lints {
        let sev = match l.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        writeln!(out, "  {sev}: {} [{}]; fix: {}", l.message, l.id, l.fix)?;
    }
    Ok(())
}

/// The certificates (DER) in some files; an unreadable one is an error sentence.
fn certificates_in(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    items_in(paths, Kind::Certificate)
}

/// A load error in the CLI's words: a locked PKCS#12 bundle names the option that opens it (the
/// TUI names its key instead).
fn load_error(e: &certbench_x509::error::LoadError) -> String {
    use certbench_x509::error::{Container, LoadError};
    match e {
        LoadError::Container(Container::Pkcs12) => {
            format!("{e} (certbench inspect FILE --password-file PASSWORD-FILE)")
        }
        e => e.to_string(),
    }
}

/// The DER of every item of `kind` in the files; an unreadable item is an error.
fn items_in(paths: &[PathBuf], kind: Kind) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for item in load_paths(paths) {
        match (&item.result, item.kind) {
            (Ok(_), Some(k)) if k == kind => out.push(item.der),
            (Ok(_), _) => {}
            (Err(_), _) if item.passed_over() => {}
            (Err(e), _) => {
                return Err(format!(
                    "{} #{}: {}",
                    item.source.display(),
                    item.index,
                    load_error(e)
                ));
            }
        }
    }
    Ok(out)
}

/// The items of `kind` in `paths`, each path holding one at least (else it is said, naming
/// `what` it lacks).
fn each_holds(paths: &[PathBuf], kind: Kind, what: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for path in paths {
        let found = items_in(std::slice::from_ref(path), kind)?;
        if found.is_empty() {
            return Err(format!("{} holds no {what}", path.display()));
        }
        out.extend(found);
    }
    Ok(out)
}

pub fn verify_cmd(a: VerifyArgs, workspace: &Path) -> ExitCode {
    match verify_inner(&a, workspace) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            errln!("certbench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn verify_inner(a: &VerifyArgs, workspace: &Path) -> Result<bool, String> {
    if a.cert.is_dir() {
        return verify_folder(a, workspace);
    }
    let mut chain = certificates_in(std::slice::from_ref(&a.cert))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", a.cert.display()));
    }
    let leaf = chain.remove(0);
    let mut trust = trust_for(a, workspace)?;
    trust.intermediates.extend(chain);
    let (ok, json) = verify_one(a, &a.cert, &leaf, &trust, Detail::Whole);
    if let Some(json) = json {
        let mut stdout = out::Stdout::new();
        let _ = out::json(stdout.raw(), &json);
        stdout.finish();
    }
    Ok(ok)
}

/// `verify DIR`: every file of the folder that holds a certificate, verified as `verify FILE`
/// would (its first certificate, the rest of the file as its chain), one line each; the folder's
/// other CA certificates may complete chains. Files with no certificate are passed over.
fn verify_folder(a: &VerifyArgs, workspace: &Path) -> Result<bool, String> {
    use certbench_x509::error::{Container, LoadError};
    let items = load_paths(std::slice::from_ref(&a.cert));
    // A workspace keeps what `renew` and `gen --force` replaced in replaced/ (old certificates,
    // expired or superseded on purpose) and the TUI's saved runs in handshakes/ (certificates
    // peers sent, outside or not under its CAs): neither is the workspace's to judge.
    use certbench_pki::workspace::{HANDSHAKES_DIR, MANIFEST_FILE, REPLACED_DIR};
    let left_out_dirs: Vec<PathBuf> = if a.cert.join(MANIFEST_FILE).is_file() {
        vec![a.cert.join(REPLACED_DIR), a.cert.join(HANDSHAKES_DIR)]
    } else {
        vec![]
    };
    let mut files: Vec<(PathBuf, Vec<Vec<u8>>)> = Vec::new();
    let (mut passed, mut locked, mut unreadable, mut left_out) = (vec![], vec![], vec![], 0);
    for item in items {
        // (The notice that the load's allowance ran out is said wherever it stopped.)
        let over_budget = matches!(item.result, Err(LoadError::OverBudget { .. }));
        if !over_budget && left_out_dirs.iter().any(|d| item.source.starts_with(d)) {
            left_out += usize::from(item.index == 0);
            continue;
        }
        match (&item.result, item.kind) {
            (Ok(_), Some(Kind::Certificate)) => match files.last_mut() {
                Some((source, ders)) if *source == item.source => ders.push(item.der),
                _ => files.push((item.source, vec![item.der])),
            },
            (Ok(_), _) => {}
            (Err(_), _) if item.passed_over() => passed.push(item.source),
            // A PKCS#12 bundle (an export) is read with its password, which `verify` does not
            // take: its certificates are in the folder's other files anyway.
            (Err(LoadError::Container(Container::Pkcs12)), _) => locked.push(item.source),
            // One broken file is said, and the others are still verified.
            (Err(e), _) => unreadable.push((item.source, item.index, e.to_string())),
        }
    }
    if files.is_empty() && unreadable.is_empty() {
        return Err(match locked.is_empty() {
            true => format!("{} holds no certificate", a.cert.display()),
            false => format!(
                "{} holds no certificate but in PKCS#12 bundles, which `verify` does not open: \
                 certbench inspect FILE --password-file PASSWORD-FILE reads one",
                a.cert.display()
            ),
        });
    }
    let mut trust = trust_for(a, workspace)?;
    // The folder's CAs that are not self-signed may complete a chain, as intermediates do.
    for (_, ders) in &files {
        for der in ders {
            let is_intermediate = certbench_x509::report::decode(der).is_ok_and(|r| {
                r.basic_constraints.as_ref().is_some_and(|b| b.ca) && r.subject != r.issuer
            });
            if is_intermediate && !trust.intermediates.contains(der) {
                trust.intermediates.push(der.clone());
            }
        }
    }
    let mut all_ok = unreadable.is_empty();
    let mut json = Vec::new();
    for (source, ders) in &files {
        let mut trust = trust.clone();
        trust.intermediates.extend(ders.iter().skip(1).cloned());
        let (ok, j) = verify_one(a, source, &ders[0], &trust, Detail::Line);
        all_ok &= ok;
        if let Some(mut j) = j {
            j["file"] = source.display().to_string().into();
            json.push(j);
        }
    }
    if a.json {
        for (source, index, error) in &unreadable {
            json.push(serde_json::json!({
                "file": source.display().to_string(),
                "index": index,
                "ok": false,
                "error": error,
            }));
        }
        let mut stdout = out::Stdout::new();
        let _ = out::json(stdout.raw(), &json);
        stdout.finish();
        return Ok(all_ok);
    }
    for (source, index, error) in &unreadable {
        let at = if *index > 0 {
            format!(" #{index}")
        } else {
            String::new()
        };
        outln!(
            "{}{at}: NOT read: {}",
            display_safe(&source.display().to_string(), 4096),
            display_safe(error, 4096)
        );
    }
    // Named within the folder: the same file name in two subfolders is two files.
    let names = |paths: &[PathBuf]| {
        let names: Vec<String> = paths
            .iter()
            .map(|p| p.strip_prefix(&a.cert).unwrap_or(p).display().to_string())
            .collect();
        display_safe(&names.join(", "), 4096)
    };
    if !passed.is_empty() {
        outln!(
            "passed over {} file{} with no certificate: {}",
            passed.len(),
            crate::cli::plural(passed.len()),
            names(&passed)
        );
    }
    if !locked.is_empty() {
        outln!(
            "passed over {} PKCS#12 bundle{}, read with its password (certbench inspect FILE \
             --password-file PASSWORD-FILE): {}",
            locked.len(),
            crate::cli::plural(locked.len()),
            names(&locked)
        );
    }
    if left_out > 0 {
        outln!(
            "left out the workspace's {REPLACED_DIR}/ and {HANDSHAKES_DIR}/ folders ({left_out} \
             file{}: what renew and gen --force replaced, and saved runs)",
            crate::cli::plural(left_out)
        );
    }
    Ok(all_ok)
}

/// What a chain is verified against: the anchors, the certificates that may complete it, the
/// CRLs, and whether they came from the workspace.
#[derive(Clone)]
struct Trust {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    ocsp: Vec<Vec<u8>>,
    from_workspace: bool,
}

fn trust_for(a: &VerifyArgs, workspace: &Path) -> Result<Trust, String> {
    let mut intermediates = certificates_in(&a.untrusted)?;
    let mut anchor_paths = a.ca.clone();
    if a.system {
        anchor_paths.push(system_store().ok_or_else(|| {
            format!(
                "no system trust store found (looked for {})",
                SYSTEM_STORES.join(", ")
            )
        })?);
    }
    let mut anchors = certificates_in(&anchor_paths)?;
    let mut crls = each_holds(&a.crl, Kind::Crl, "CRL")?;
    let ocsp = each_holds(&a.ocsp, Kind::OcspResponse, "OCSP response")?;
    let mut from_workspace = false;
    if a.ca.is_empty() && !a.system {
        // The workspace: its root CAs are the anchors, its intermediates may complete the chain.
        let ws = Workspace::open(workspace).map_err(|e| e.to_string())?;
        let _reading = ws.read_lock();
        for e in ws.entities().iter().filter(|e| e.role.is_ca()) {
            let ders = certificates_in(&[ws.path(&e.cert)])?;
            if e.role == Role::Ca {
                anchors.extend(ders);
            } else if a.untrusted.is_empty() {
                intermediates.extend(ders);
            }
        }
        if a.crl.is_empty() {
            crls.extend(items_in(&ws.crl_paths(), Kind::Crl)?);
        }
        from_workspace = true;
        if anchors.is_empty() {
            return Err(format!(
                "no trust anchor: the workspace {} has no root CA; pass --ca FILE or --system",
                workspace.display()
            ));
        }
    }
    Ok(Trust {
        anchors,
        intermediates,
        crls,
        ocsp,
        from_workspace,
    })
}

/// How much of a verdict the text output says.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Each link and check (`verify FILE`).
    Whole,
    /// The verdict's line, and the failing check (`verify DIR`).
    Line,
}

/// Verify `leaf` as asked; print the verdict as text, or return it as JSON when `--json`.
fn verify_one(
    a: &VerifyArgs,
    label: &Path,
    leaf: &[u8],
    trust: &Trust,
    detail: Detail,
) -> (bool, Option<serde_json::Value>) {
    let Trust {
        anchors,
        intermediates,
        crls,
        ocsp,
        from_workspace,
    } = trust;
    let from_workspace = *from_workspace;
    let now = OffsetDateTime::now_utc();
    let at = a.at.unwrap_or(now.replace_nanosecond(0).unwrap_or(now));
    // Without --purpose, the certificate is checked for what it says it is for.
    let (purpose, own) = match a.purpose {
        Some(p) => (p, false),
        None => (certbench_x509::verify::own_purpose(leaf), true),
    };
    let intermediates: Vec<&[u8]> = intermediates.iter().map(Vec::as_slice).collect();
    let anchors: Vec<&[u8]> = anchors.iter().map(Vec::as_slice).collect();
    let crls: Vec<&[u8]> = crls.iter().map(Vec::as_slice).collect();
    let ocsp: Vec<&[u8]> = ocsp.iter().map(Vec::as_slice).collect();
    // The question asked: as a CA only when asked so, or for a CA given no purpose and no name.
    let is_ca = certbench_x509::report::decode(leaf)
        .ok()
        .and_then(|r| r.basic_constraints)
        .is_some_and(|b| b.ca);
    let as_ca = a.as_ca || (is_ca && a.purpose.is_none() && a.name.is_none());
    let v = verify(&VerifyInput {
        as_ca,
        leaf,
        intermediates: &intermediates,
        anchors: &anchors,
        crls: &crls,
        ocsp: &ocsp,
        purpose,
        name: a.name.as_deref(),
        at,
    });
    if a.json {
        return (v.ok, Some(verification_json(&v)));
    }
    use certbench_x509::verify::{Purpose, Question};
    let purpose_text = match (v.question, purpose) {
        (Question::Ca, _) if a.as_ca => "a CA".to_string(),
        (Question::Ca, _) => {
            "a CA (it is one; --purpose or --name asks whether a peer could present it)".to_string()
        }
        (_, Purpose::Server) if own => {
            "a TLS server (its own usage; --purpose asks for another)".to_string()
        }
        (_, Purpose::Client) if own => {
            "a TLS client (its own usage; --purpose asks for another)".to_string()
        }
        (_, Purpose::Server) => "a TLS server".to_string(),
        (_, Purpose::Client) => "a TLS client".to_string(),
    };
    let name = a
        .name
        .as_deref()
        .map(|n| format!(" named {n}"))
        .unwrap_or_default();
    let anchors_from = if from_workspace {
        "the workspace's root CAs".to_string()
    } else if anchors.len() == 1 {
        "1 trust anchor".to_string()
    } else {
        format!("{} trust anchors", anchors.len())
    };
    if v.ok {
        outln!(
            "{}: OK for {purpose_text}{name} at {}, trusting {anchors_from}",
            label.display(),
            rfc3339(at)
        );
    } else {
        outln!(
            "{}: NOT valid for {purpose_text}{name} at {}: {}",
            label.display(),
            rfc3339(at),
            v.reason().unwrap_or_default()
        );
    }
    if detail == Detail::Line {
        return (v.ok, None);
    }
    for note in &v.notes {
        outln!("  note: {}", note.describe());
    }
    // Say so when no CRL was there to check, as openssl's -crl_check would fail then.
    let below_anchors = v
        .links
        .iter()
        .any(|l| l.role != certbench_x509::verify::LinkRole::TrustAnchor);
    if below_anchors
        && !v
            .links
            .iter()
            .any(|l| l.checks.iter().any(|c| c.field == "revocation"))
    {
        outln!(
            "  note: revocation not checked: no CRL or OCSP response of an issuer in the chain was given (--crl FILE, --ocsp FILE)"
        );
    }
    for (i, link) in v.links.iter().enumerate() {
        let mark = if link.checks.iter().all(|c| c.ok) {
            "✓"
        } else {
            "✗"
        };
        outln!("  {mark} {:<13} {}", link.role, link.subject);
        for c in &link.checks {
            let m = if c.ok { "ok " } else { "BAD" };
            let here = if v.failed_link == Some(i) && v.failed_field == Some(c.field) && !c.ok {
                "  <- here"
            } else {
                ""
            };
            outln!("      {m} {:<17} {}{here}", c.field, c.detail());
        }
    }
    (v.ok, None)
}

/// The verdict as JSON: its data, and beside each code the words the text output shows (`reason`,
/// each check's `detail`, each note's `text`).
fn verification_json(v: &certbench_x509::verify::Verification) -> serde_json::Value {
    let mut value = serde_json::to_value(v).unwrap_or_default();
    value["reason"] = v.reason().into();
    for (i, link) in v.links.iter().enumerate() {
        for (j, check) in link.checks.iter().enumerate() {
            value["links"][i]["checks"][j]["detail"] = check.detail().into();
        }
    }
    for (i, note) in v.notes.iter().enumerate() {
        value["notes"][i]["text"] = note.describe().into();
    }
    value
}
