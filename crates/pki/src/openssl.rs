//! The openssl commands that make the same kind of certificate as a request: for people who come
//! from the openssl tutorials, and as a check (the bench and a test run them).

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::spec::{IssueSpec, KeyAlg, SanEntry, parse_cidr};

/// What the commands need besides the request.
pub struct OpensslContext<'a> {
    /// The issuer's key type (it picks the digest); `None` for a root CA.
    pub issuer_alg: Option<KeyAlg>,
    /// Certificates to append after the leaf in NAME-chain.crt (its intermediates, nearest first).
    pub chain: &'a [String],
    /// The serial to set, so the result matches ours; `None` lets openssl pick one.
    pub serial: Option<&'a [u8]>,
    /// Signed from a service's own request (NAME.csr): no key and no request are made.
    pub from_request: bool,
}

/// A shell script (POSIX sh) that makes NAME.key, NAME.crt and, for leaves, NAME-chain.crt.
pub fn openssl_commands(spec: &IssueSpec, ctx: &OpensslContext<'_>) -> String {
    let name = &spec.name;
    let mut out = String::new();
    let keygen = match spec.key_alg {
        KeyAlg::EcdsaP256 => "-algorithm EC -pkeyopt ec_paramgen_curve:P-256".to_string(),
        KeyAlg::EcdsaP384 => "-algorithm EC -pkeyopt ec_paramgen_curve:P-384".to_string(),
        KeyAlg::Ed25519 => "-algorithm ED25519".to_string(),
        KeyAlg::Rsa2048 => "-algorithm RSA -pkeyopt rsa_keygen_bits:2048".to_string(),
        KeyAlg::Rsa3072 => "-algorithm RSA -pkeyopt rsa_keygen_bits:3072".to_string(),
        KeyAlg::Rsa4096 => "-algorithm RSA -pkeyopt rsa_keygen_bits:4096".to_string(),
    };
    if ctx.from_request {
        let _ = writeln!(
            out,
            "# {} \"{}\": the service's own request {name}.csr (its key stays with it), extensions, certificate",
            spec.role.title(),
            name
        );
    } else {
        let _ = writeln!(
            out,
            "# {} \"{}\": key, request, extensions, certificate",
            spec.role.title(),
            name
        );
        let _ = writeln!(out, "openssl genpkey {keygen} -out {name}.key");
        let _ = writeln!(out, "chmod 600 {name}.key");
        let subject = subject_arg(spec);
        // openssl reads -subj as ASCII unless told it is UTF-8 (ü would become two characters).
        let utf8 = if subject.is_ascii() { "" } else { " -utf8" };
        let _ = writeln!(
            out,
            "openssl req -new -key {name}.key{utf8} -subj {} -out {name}.csr",
            shell_quote(&subject)
        );
    }
    let _ = writeln!(out, "cat > {name}.ext <<'EOF'");
    out.push_str(&extfile(spec));
    let _ = writeln!(out, "EOF");

    // The digest follows the signer's key: Ed25519 takes none.
    let signer = ctx.issuer_alg.unwrap_or(spec.key_alg);
    let digest = match signer {
        KeyAlg::Ed25519 => "",
        KeyAlg::EcdsaP384 => " -sha384",
        _ => " -sha256",
    };
    let serial = ctx
        .serial
        .map(|s| format!(" -set_serial 0x{}", hex_upper(s)))
        .unwrap_or_default();
    let signing = match ctx.issuer_alg {
        None => format!("-signkey {name}.key"),
        Some(_) => format!("-CA {0}.crt -CAkey {0}.key", spec.issuer),
    };
    if !spec.not_before.trim().is_empty() && !spec.not_before.trim().eq_ignore_ascii_case("now") {
        let _ = writeln!(
            out,
            "# openssl x509 -req starts the validity now; for not-before {} use `openssl ca -startdate` (or -not_before in OpenSSL 3.4+)",
            spec.not_before.trim()
        );
    }
    // A service's request: the subject granted, not all the request asked for.
    let subject = if ctx.from_request {
        format!(" -subj {}", shell_quote(&subject_arg(spec)))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "openssl x509 -req -in {name}.csr{subject} {signing}{serial} -days {}{digest} -extfile {name}.ext -out {name}.crt",
        spec.days
    );
    if spec.role.is_leaf() {
        let mut parts = vec![format!("{name}.crt")];
        parts.extend(ctx.chain.iter().map(|c| format!("{c}.crt")));
        let _ = writeln!(out, "cat {} > {name}-chain.crt", parts.join(" "));
    }
    // The request is the service's own file: it stays.
    if ctx.from_request {
        let _ = writeln!(out, "rm {name}.ext");
    } else {
        let _ = writeln!(out, "rm {name}.csr {name}.ext");
    }
    out
}

/// `/C=DE/O=certbench/CN=localhost`, escaped for openssl's -subj.
fn subject_arg(spec: &IssueSpec) -> String {
    let s = &spec.subject;
    let esc = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('/', "\\/")
            .replace('+', "\\+")
    };
    let mut out = String::new();
    for (k, v) in [
        ("C", &s.country),
        ("O", &s.organization),
        ("OU", &s.organizational_unit),
        ("CN", &s.common_name),
    ] {
        if !v.is_empty() {
            let _ = write!(out, "/{k}={}", esc(v));
        }
    }
    if out.is_empty() { "/".into() } else { out }
}

fn extfile(spec: &IssueSpec) -> String {
    let mut lines = Vec::new();
    if spec.role.is_ca() {
        let pathlen = spec
            .path_len
            .map(|n| format!(", pathlen:{n}"))
            .unwrap_or_default();
        lines.push(format!("basicConstraints = critical, CA:TRUE{pathlen}"));
    } else {
        lines.push("basicConstraints = critical, CA:FALSE".into());
    }
    let kus: Vec<&str> = spec
        .effective_key_usages()
        .iter()
        .map(|k| k.openssl_name())
        .collect();
    if !kus.is_empty() {
        lines.push(format!("keyUsage = critical, {}", kus.join(", ")));
    }
    let ekus: Vec<&str> = spec
        .effective_ext_key_usages()
        .iter()
        .map(|k| k.openssl_name())
        .collect();
    if !ekus.is_empty() {
        lines.push(format!("extendedKeyUsage = {}", ekus.join(", ")));
    }
    let sans: Vec<String> = spec
        .parsed_sans()
        .iter()
        .map(SanEntry::openssl_string)
        .collect();
    if !sans.is_empty() {
        lines.push(format!("subjectAltName = {}", sans.join(", ")));
    }
    let mut nc = Vec::new();
    for d in &spec.permitted_dns {
        nc.push(format!("permitted;DNS:{d}"));
    }
    for ip in &spec.permitted_ip {
        if let Some(m) = ip_with_mask(ip) {
            nc.push(format!("permitted;IP:{m}"));
        }
    }
    for d in &spec.excluded_dns {
        nc.push(format!("excluded;DNS:{d}"));
    }
    for ip in &spec.excluded_ip {
        if let Some(m) = ip_with_mask(ip) {
            nc.push(format!("excluded;IP:{m}"));
        }
    }
    if spec.role.is_ca() && !nc.is_empty() {
        lines.push(format!("nameConstraints = critical, {}", nc.join(", ")));
    }
    lines.push("subjectKeyIdentifier = hash".into());
    lines.push("authorityKeyIdentifier = keyid:always".into());
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

/// openssl writes IP ranges in name constraints as address/netmask.
fn ip_with_mask(cidr: &str) -> Option<String> {
    let (addr, prefix) = parse_cidr(cidr).ok()?;
    let mask: IpAddr = match addr {
        IpAddr::V4(_) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(m.into())
        }
        IpAddr::V6(_) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(m.into())
        }
    };
    Some(format!("{addr}/{mask}"))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use certbench_x509::Role;

    #[test]
    fn server_commands_name_every_extension() {
        let spec = IssueSpec::for_role(Role::Server, "server");
        let chain = vec!["intermediate".to_string()];
        let script = openssl_commands(
            &spec,
            &OpensslContext {
                issuer_alg: Some(KeyAlg::EcdsaP256),
                chain: &chain,
                serial: Some(&[0x12, 0xAB]),
                from_request: false,
            },
        );
        assert!(script.contains(
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key"
        ));
        assert!(script.contains("subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1"));
        assert!(script.contains("extendedKeyUsage = serverAuth"));
        assert!(script.contains(
            "-CA intermediate.crt -CAkey intermediate.key -set_serial 0x12AB -days 365 -sha256"
        ));
        assert!(script.contains("cat server.crt intermediate.crt > server-chain.crt"));
    }

    #[test]
    fn name_constraints_use_netmasks() {
        assert_eq!(
            ip_with_mask("10.0.0.0/8").as_deref(),
            Some("10.0.0.0/255.0.0.0")
        );
        assert_eq!(ip_with_mask("fd00::/8").as_deref(), Some("fd00::/ff00::"));
        assert_eq!(
            ip_with_mask("0.0.0.0/0").as_deref(),
            Some("0.0.0.0/0.0.0.0")
        );
    }

    #[test]
    fn subjects_are_escaped_for_subj() {
        let mut spec = IssueSpec::for_role(Role::Client, "x");
        spec.subject.common_name = "a/b'c".into();
        assert_eq!(subject_arg(&spec), "/O=certbench/CN=a\\/b'c");
        assert_eq!(shell_quote("a'b"), "'a'\\''b'");
    }

    /// For a service's own request: no key and no request are made, the request is not
    /// deleted (it is the service's file), and the subject is the one granted.
    #[test]
    fn a_signed_request_keeps_its_file_and_gets_the_granted_subject() {
        let mut spec = IssueSpec::for_role(certbench_x509::Role::Server, "api");
        spec.sans = vec!["api.local".into()];
        spec.subject.common_name = "api.local".into();
        let script = openssl_commands(
            &spec,
            &OpensslContext {
                issuer_alg: Some(KeyAlg::EcdsaP256),
                chain: &[],
                serial: None,
                from_request: true,
            },
        );
        assert!(!script.contains("genpkey"), "{script}");
        assert!(!script.contains("req -new"), "{script}");
        assert!(!script.contains("rm api.csr"), "{script}");
        assert!(script.contains("rm api.ext"), "{script}");
        assert!(script.contains("-in api.csr -subj "), "{script}");
        assert!(script.contains("CN=api.local"), "{script}");
    }
}
