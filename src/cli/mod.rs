//! The scriptable CLI: thin commands that print what the engine returns. Errors are one sentence
//! on stderr and exit code 1; a usage error (an option's value) is exit code 2, as clap's own.

use certbench_base::text::NotAChoice;
use std::path::PathBuf;
use std::process::ExitCode;

use certbench_pki::Error;
use certbench_pki::workspace::{Change, SetOptions, Workspace};
use certbench_pki::{ExtKeyUsage, IssueSpec, KeyAlg, KeyUsage};
use certbench_x509::{CertSummary, relative_validity};
use certbench_x509::{RevocationReason, Role};
use clap::{Args, Subcommand};

mod aging;
mod capture;
mod connect;
mod export;
mod handshake;
mod inspect;
mod lab;
mod ocsp;
pub mod out;
mod recipes;
mod relay;
mod serve;
mod signals;
mod trust;
use out::{errln, outln};
use time::OffsetDateTime;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a whole mTLS set: root CA, intermediate, server and client certificates.
    Gen(GenArgs),
    /// Issue one certificate (a root CA, an intermediate, a server, a client or an OCSP
    /// responder).
    Issue(Box<IssueArgs>),
    /// Revoke a certificate and make its issuer's CRL (ISSUER.crl) again.
    Revoke(RevokeArgs),
    /// Sign a CA's CRL (NAME.crl) anew, with its revocations as they are now, good for 30 days:
    /// for servers that read the CRL from a file (nginx ssl_crl, openssl -CRLfile), from cron
    /// before the last one's nextUpdate. Every CA of the workspace when none is named.
    Crl(CrlArgs),
    /// A certificate in the files other tools take: PKCS#12 (Java, browsers), a PKCS#12 trust
    /// store, a PEM bundle of key and chain, DER.
    Export(export::ExportArgs),
    /// A server and a client of mutual TLS for curl, openssl, nginx, Go, Node.js, Python and
    /// Java, made from this workspace's files: the commands or a complete minimal program or
    /// configuration, and the lines that matter most. Each is run by a test.
    Recipes(recipes::RecipesArgs),
    /// List the certificates in the workspace.
    List,
    /// How the workspace ages: every certificate with its days left, the next to expire first,
    /// each CA's CRL, and warnings (a certificate valid longer than its issuer, a key kept across
    /// renewals, a stale CRL).
    Status(aging::StatusArgs),
    /// Issue a certificate again as it is (profile, names, issuer), valid from now with a fresh
    /// serial and the same key (--new-key for a new one); the old files go to replaced/. For a CA,
    /// says what it means for the certificates it issued.
    Renew(aging::RenewArgs),
    /// Decode certificates, CRLs, CSRs and OCSP requests and responses: files, folders, PEM
    /// bundles or DER.
    Inspect(InspectArgs),
    /// Verify a certificate's chain up to a trust anchor, for a purpose, a name and a time.
    Verify(VerifyArgs),
    /// Run a real mTLS handshake on 127.0.0.1 between certbench's server and client, and show
    /// every step decoded from the bytes.
    Handshake(handshake::HandshakeArgs),
    /// The failure lab: list the scenarios (each a common mTLS failure made for real), or run
    /// them all with --check. Run one with `certbench handshake --scenario NAME`.
    Lab(lab::LabArgs),
    /// An HTTPS server with mutual TLS on the workspace's certificates, for your own clients
    /// (curl, a browser, Go, Java, Python): every connection's handshake watched and explained,
    /// then real HTTP/1.1, with authorization rules on the client's identity.
    Serve(serve::ServeArgs),
    /// certbench's client against any TLS server (your own service, nginx, openssl s_server):
    /// every step decoded, the server's chain verified, and what the server asks of a client.
    Connect(Box<connect::ConnectArgs>),
    /// A relay between two programs of yours (a client and a server): every byte forwarded
    /// unchanged, each connection's handshake shown as it crossed (decrypted with the client's
    /// key log), and who refused whom, with what alert.
    Relay(relay::RelayArgs),
    /// The workspace's OCSP responder (RFC 6960) and CRLs over HTTP, at the URLs that `gen` and
    /// `issue --responder` put into certificates: every answer signed by the CA or its delegated
    /// responder, from the workspace's revocations as they are now.
    Ocsp(ocsp::OcspArgs),
    /// The machine's trust stores: install the workspace's root CA into the system store, the
    /// NSS databases of Chromium and Firefox and the JDK's cacerts (so curl, browsers and Java
    /// trust it without being told), take it out again, or see where it is.
    Trust(trust::TrustArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The certificate (PEM or DER); certificates after the first in the file are used as
    /// intermediates.
    pub cert: PathBuf,
    /// Trust anchors (default: the workspace's root CAs, unless --system is given).
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Certificates that may complete the chain (default: the workspace's intermediates).
    #[arg(long = "untrusted", value_name = "FILE")]
    pub untrusted: Vec<PathBuf>,
    /// Trust the system's trust store.
    #[arg(long)]
    pub system: bool,
    /// CRLs to check the chain against (PEM or DER), as openssl verify -crl_check -CRLfile
    /// (default: the workspace CAs' CRLs, when the workspace's CAs are the anchors).
    #[arg(long = "crl", value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// OCSP responses to check the chain against (DER, as openssl ocsp -respout writes them, or
    /// a staple saved from a run): a current one signed for the issuer that says revoked refuses
    /// the certificate.
    #[arg(long = "ocsp", value_name = "FILE")]
    pub ocsp: Vec<PathBuf>,
    /// What the certificate is checked for: server or client (default: its own usage, from its
    /// extendedKeyUsage). The verdict is what rustls does with it as a peer's certificate.
    #[arg(long, value_parser = parse_purpose)]
    pub purpose: Option<certbench_x509::verify::Purpose>,
    /// Check it as a CA (does it chain to a trust anchor as a CA, or is it one?) instead of as a
    /// peer's certificate; the default for a CA certificate given without --purpose or --name.
    #[arg(long, conflicts_with_all = ["purpose", "name"])]
    pub as_ca: bool,
    /// The DNS name or IP the certificate must be valid for.
    #[arg(long)]
    pub name: Option<String>,
    /// The time to verify at: RFC 3339 (2027-01-01T00:00:00Z), or an offset from now such as +30d
    /// or -1h (default: now).
    #[arg(long, allow_hyphen_values = true, value_parser = parse_at)]
    pub at: Option<OffsetDateTime>,
    /// The verdict as JSON: each link of the chain with its checks.
    #[arg(long)]
    pub json: bool,
}

fn parse_purpose(s: &str) -> Result<certbench_x509::verify::Purpose, NotAChoice> {
    s.parse()
}

pub(crate) fn parse_at(s: &str) -> Result<OffsetDateTime, String> {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    certbench_base::times::parse_verify_time(s, now).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files or folders to read (PEM bundles, DER, CRLs, CSRs).
    pub paths: Vec<PathBuf>,
    /// Also read the system trust store.
    #[arg(long)]
    pub system: bool,
    /// One JSON array: an object per item found.
    #[arg(long)]
    pub json: bool,
    /// The password of PKCS#12 bundles among the files: the first line of FILE, or of standard
    /// input with `-`.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// What the certificates are for: server or client. The lints then check them for it
    /// (serverAuth, clientAuth, not a CA). Without it, a workspace certificate is checked for
    /// its role in the manifest, any other for what it claims.
    #[arg(long, value_parser = parse_purpose)]
    pub purpose: Option<certbench_x509::verify::Purpose>,
    /// Lint and show validity as at this time instead of now: RFC 3339 (2027-01-01T00:00:00Z), or
    /// an offset such as +30d or -1h.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_at)]
    pub at: Option<OffsetDateTime>,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Key type for every certificate in the set: ecdsa-p256, ecdsa-p384, ed25519, rsa2048,
    /// rsa3072 or rsa4096.
    #[arg(long, default_value = "ecdsa-p256", value_parser = parse_alg)]
    pub alg: KeyAlg,
    /// Validity of the server and client certificates, in days, 1 to 36500 (CAs get 10 and 5
    /// years).
    #[arg(long, default_value = "365", allow_hyphen_values = true, value_parser = certbench_pki::parse_days)]
    pub days: u32,
    /// A name the server answers to: DNS name or IP (repeat it). Default: localhost, 127.0.0.1, ::1.
    #[arg(long = "server-name", value_name = "NAME")]
    pub server_names: Vec<String>,
    /// The client certificate's CN.
    #[arg(long = "client-name", value_name = "CN", default_value = "alice")]
    pub client_name: String,
    /// Sign the server and client directly with the root CA.
    #[arg(long)]
    pub no_intermediate: bool,
    /// Start again: the old set's files (and everything else the manifest lists) are moved into
    /// replaced/ in the workspace, and the new set takes their place.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub revocation: RevocationUrls,
}

/// Where clients learn whether a certificate is revoked, written into it.
#[derive(Debug, Args, Clone, Default)]
pub struct RevocationUrls {
    /// An OCSP responder's URL, put into the certificates (authorityInfoAccess): where clients
    /// ask whether one is revoked. An http:// URL (clients fetch revocation over plain HTTP).
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// A CRL's URL, put into the certificates (cRLDistributionPoints); {issuer} stands for the
    /// issuing CA's name (http://127.0.0.1:8888/{issuer}.crl).
    #[arg(long, value_name = "URL")]
    pub crl_url: Option<String>,
    /// Point both at `certbench ocsp` listening at URL (http://127.0.0.1:8888): OCSP at URL,
    /// each CA's CRL at URL/{issuer}.crl.
    #[arg(long, value_name = "URL", conflicts_with_all = ["ocsp_url", "crl_url"])]
    pub responder: Option<String>,
}

impl RevocationUrls {
    /// The OCSP URL and the CRL URL (each empty for none), each checked once here (not once per
    /// certificate that would carry it).
    fn urls(&self) -> Result<(String, String), Error> {
        let (ocsp, crl) = match &self.responder {
            Some(base) => {
                let base = base.trim().trim_end_matches('/');
                if base.contains(['?', '#']) {
                    return Err(url_error(
                        certbench_pki::Field::OcspUrl,
                        certbench_pki::InputError::NotHttpUrl(base.to_string()),
                    ));
                }
                (base.to_string(), format!("{base}/{{issuer}}.crl"))
            }
            None => (
                self.ocsp_url.clone().unwrap_or_default(),
                self.crl_url.clone().unwrap_or_default(),
            ),
        };
        for (field, url) in [
            (certbench_pki::Field::OcspUrl, &ocsp),
            (certbench_pki::Field::CrlUrl, &crl),
        ] {
            if !url.trim().is_empty()
                && let Err(e) = certbench_pki::validate_http_url(url.trim())
            {
                return Err(url_error(field, e));
            }
        }
        Ok((ocsp, crl))
    }
}

fn url_error(field: certbench_pki::Field, e: certbench_pki::InputError) -> Error {
    Error::InvalidRequest(vec![certbench_pki::FieldError {
        field,
        problem: e.into(),
    }])
}

#[derive(Debug, Args)]
pub struct IssueArgs {
    /// What the certificate is for: ca (a root CA), intermediate, server, client or ocsp (a
    /// delegated OCSP responder: signs `certbench ocsp`'s answers for its issuer) (with --csr: by
    /// default what the request asks for).
    #[arg(long, value_parser = parse_role, required_unless_present = "csr")]
    pub role: Option<Role>,
    /// File name stem: NAME.crt, NAME.key (and NAME-chain.crt for leaves; with --csr, by
    /// default from the request's CN).
    #[arg(long, required_unless_present = "csr")]
    pub name: Option<String>,
    /// The issuing CA's name in the workspace (default: intermediate if there is one, else ca).
    #[arg(long)]
    pub issuer: Option<String>,
    /// Subject common name (default: the role's default, or NAME for clients).
    #[arg(long)]
    pub cn: Option<String>,
    /// Subject organization.
    #[arg(long = "org", value_name = "O")]
    pub organization: Option<String>,
    /// Subject organizational unit.
    #[arg(long = "ou", value_name = "OU")]
    pub organizational_unit: Option<String>,
    /// Subject country, two letters.
    #[arg(long = "country", value_name = "C")]
    pub country: Option<String>,
    /// A subjectAltName: a DNS name, an IP, email:ADDRESS or uri:URI (repeat it).
    #[arg(long = "san", value_name = "VALUE")]
    pub sans: Vec<String>,
    /// Key type: ecdsa-p256, ecdsa-p384, ed25519, rsa2048, rsa3072 or rsa4096.
    #[arg(long, default_value = "ecdsa-p256", value_parser = parse_alg)]
    pub alg: KeyAlg,
    /// Validity in days, 1 to 36500 (default: 3650 root, 1825 intermediate, 365 server and
    /// client, 90 OCSP responder).
    #[arg(long, allow_hyphen_values = true, value_parser = certbench_pki::parse_days)]
    pub days: Option<u32>,
    /// Start of validity: RFC 3339 (2026-01-01T00:00:00Z), or an offset such as -400d or +2d.
    #[arg(long = "not-before", value_name = "TIME", allow_hyphen_values = true)]
    pub not_before: Option<String>,
    /// CA path length limit (intermediates default to 0).
    #[arg(long)]
    pub pathlen: Option<u8>,
    /// CA only: clear the default path length (no limit).
    #[arg(long, conflicts_with = "pathlen")]
    pub no_pathlen: bool,
    /// CA name constraint: permitted DNS subtree (repeat it).
    #[arg(long = "permit-dns", value_name = "NAME")]
    pub permit_dns: Vec<String>,
    /// CA name constraint: excluded DNS subtree (repeat it).
    #[arg(long = "exclude-dns", value_name = "NAME")]
    pub exclude_dns: Vec<String>,
    /// CA name constraint: permitted IP range, as 10.0.0.0/8 (repeat it).
    #[arg(long = "permit-ip", value_name = "CIDR")]
    pub permit_ip: Vec<String>,
    /// CA name constraint: excluded IP range (repeat it).
    #[arg(long = "exclude-ip", value_name = "CIDR")]
    pub exclude_ip: Vec<String>,
    /// Key usages instead of the role's, comma-separated: digitalSignature,keyEncipherment,...
    #[arg(long = "key-usage", value_delimiter = ',', value_parser = parse_ku)]
    pub key_usage: Option<Vec<KeyUsage>>,
    /// Extended key usages instead of the role's, comma-separated: serverAuth,clientAuth.
    #[arg(long = "eku", value_delimiter = ',', value_parser = parse_eku)]
    pub eku: Option<Vec<ExtKeyUsage>>,
    /// Sign a certificate signing request a service made itself (PEM or DER): its subject, SANs
    /// and key come from the request, the extensions from the role's profile; the key stays with
    /// the service. What was asked for is listed, each kept or refused.
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "alg", "cn", "organization", "organizational_unit", "country", "pathlen", "no_pathlen",
        "permit_dns", "exclude_dns", "permit_ip", "exclude_ip", "openssl",
    ])]
    pub csr: Option<PathBuf>,
    /// With --csr: show what the request asks for and what would be granted, and sign nothing.
    #[arg(long, requires = "csr")]
    pub review: bool,
    /// Print the openssl commands that make the same kind of certificate.
    #[arg(long)]
    pub openssl: bool,
    /// Replace a certificate of the same name: its files are moved into replaced/ first.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub revocation: RevocationUrls,
}

#[derive(Debug, Args)]
pub struct CrlArgs {
    /// The CAs whose CRLs to sign (default: every CA of the workspace that holds its key).
    #[arg(value_name = "NAME")]
    pub cas: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The certificate's name in the workspace.
    pub name: String,
    /// unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,
    /// cessationOfOperation, certificateHold, privilegeWithdrawn.
    #[arg(long, default_value = "unspecified", value_parser = parse_reason)]
    pub reason: RevocationReason,
    /// One of its certificates that a renewal replaced (hex, as `renew` and `openssl x509
    /// -serial` print it), instead of the current one.
    #[arg(long, value_name = "HEX")]
    pub serial: Option<String>,
}

fn parse_alg(s: &str) -> Result<KeyAlg, NotAChoice> {
    s.parse()
}
fn parse_role(s: &str) -> Result<Role, NotAChoice> {
    s.parse()
}
fn parse_ku(s: &str) -> Result<KeyUsage, NotAChoice> {
    s.parse()
}
fn parse_eku(s: &str) -> Result<ExtKeyUsage, NotAChoice> {
    s.parse()
}
fn parse_reason(s: &str) -> Result<RevocationReason, NotAChoice> {
    s.parse()
}

/// Run a subcommand in the workspace at `dir`.
pub fn run(command: Command, dir: PathBuf) -> ExitCode {
    let result = match command {
        Command::Gen(a) => gen_cmd(a, dir),
        Command::Issue(a) => issue_cmd(*a, dir),
        Command::Revoke(a) => revoke_cmd(a, dir),
        Command::Crl(a) => crl_cmd(a, dir),
        Command::List => list_cmd(dir),
        Command::Status(a) => return aging::status(a, &dir),
        Command::Renew(a) => return aging::renew(a, &dir),
        Command::Inspect(a) => return inspect::run(a, &dir),
        Command::Verify(a) => return inspect::verify_cmd(a, &dir),
        Command::Handshake(a) => return handshake::run(a, dir),
        Command::Lab(a) => return lab::run(a),
        Command::Serve(a) => return serve::run(a, dir),
        Command::Export(a) => return export::run(a, dir),
        Command::Recipes(a) => return recipes::run(a, dir),
        Command::Connect(a) => return connect::run(*a, dir),
        Command::Relay(a) => return relay::run(a, &dir),
        Command::Ocsp(a) => return ocsp::run(a, &dir),
        Command::Trust(a) => return trust::run(a, &dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // What the options asked for cannot be: a usage error, as clap's own.
        Err(e @ Error::InvalidRequest(_)) => {
            errln!("certbench: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            errln!("certbench: {}", error_sentence(&e));
            ExitCode::FAILURE
        }
    }
}

/// A usage error found after parsing (an option whose value depends on another): said as clap
/// says its own, exit code 2.
pub fn usage_error(message: &str) -> ExitCode {
    errln!("error: {message}\n\nFor more information, try '--help'.");
    ExitCode::from(2)
}

/// The runtime a command's handshakes run on; when it cannot start, said on stderr.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            errln!("certbench: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        })
}

/// The engine's sentence, plus what the user can do about it on the command line.
fn error_sentence(e: &Error) -> String {
    match e {
        Error::Fs(certbench_base::fsutil::FsError::FileExists { .. }) => {
            format!("{e} (pass --force to replace it: the old files are kept in replaced/)")
        }
        _ => e.to_string(),
    }
}

/// What a change did besides what was asked, in a line each.
fn print_change(change: &Change) {
    let r = &change.recovered;
    if !r.completed.is_empty() {
        outln!(
            "Finished first what an interrupted certbench had begun ({} file{}).",
            r.completed.len(),
            plural(r.completed.len())
        );
    }
    if r.rolled_back {
        outln!("Undid what an interrupted certbench had begun: its change had not been made.");
    }
    if r.removed_temporary > 0 {
        outln!(
            "Removed {} temporary file{} an interrupted certbench left.",
            r.removed_temporary,
            plural(r.removed_temporary)
        );
    }
    if let Some(folder) = &change.replaced_into {
        outln!(
            "The {} file{} replaced {} kept in {}.",
            change.replaced_files,
            plural(change.replaced_files),
            if change.replaced_files == 1 {
                "is"
            } else {
                "are"
            },
            folder.display()
        );
    }
    if !change.dropped.is_empty() {
        outln!(
            "No longer in the manifest (their files are with the replaced ones): {}.",
            change.dropped.join(", ")
        );
    }
}

pub(crate) use certbench_base::text::plural;

fn gen_cmd(a: GenArgs, dir: PathBuf) -> Result<(), Error> {
    let mut ws = Workspace::open(&dir)?;
    let mut options = SetOptions {
        key_alg: a.alg,
        days: a.days,
        client_name: a.client_name,
        intermediate: !a.no_intermediate,
        ..SetOptions::default()
    };
    if !a.server_names.is_empty() {
        options.server_names = a.server_names;
    }
    (options.ocsp_url, options.crl_url) = a.revocation.urls()?;
    if !options.crl_url.is_empty() && !options.crl_url.contains("{issuer}") {
        errln!(
            "certbench: warning: the CRL URL has no {{issuer}}: the certificates the root and the intermediate issue would name one URL, which can hold only one CA's CRL"
        );
    }
    let issued = ws.gen_set(&options, a.force, OffsetDateTime::now_utc())?;
    outln!(
        "Made an mTLS set ({}; its CAs' names carry the set id {}) in {}:",
        a.alg.title(),
        ws.set_id(),
        dir.display()
    );
    let rows: Vec<[String; 3]> = issued
        .iter()
        .map(|i| {
            let files: Vec<String> = i
                .files
                .iter()
                .filter_map(|f| f.file_name())
                .map(|f| f.to_string_lossy().into_owned())
                .collect();
            [
                i.entity.role.title().to_string(),
                i.summary.subject.clone(),
                files.join(" "),
            ]
        })
        .collect();
    print_table(&["ROLE", "SUBJECT", "FILES"], &rows);
    print_change(ws.last_change());
    let q = |f: &str| certbench_base::text::shell_word(&dir.join(f));
    if !options.ocsp_url.is_empty() || !options.crl_url.is_empty() {
        // Where the certificates send clients, and how to answer there.
        let listen = options
            .ocsp_url
            .strip_prefix("http://")
            .and_then(|r| r.split('/').next())
            .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
            .map(|a| format!(" --listen {a}"))
            .unwrap_or_default();
        outln!(
            "Revocation: OCSP at {}, CRLs at {}; answer there: certbench --dir {} ocsp{listen}",
            if options.ocsp_url.is_empty() {
                "-"
            } else {
                &options.ocsp_url
            },
            if options.crl_url.is_empty() {
                "-"
            } else {
                &options.crl_url
            },
            certbench_base::text::shell_word(&dir)
        );
    }
    if a.no_intermediate {
        outln!(
            "Try it: openssl verify -CAfile {} {}",
            q("ca.crt"),
            q("server.crt")
        );
    } else {
        outln!(
            "Try it: openssl verify -CAfile {} -untrusted {} {}",
            q("ca.crt"),
            q("intermediate.crt"),
            q("server.crt")
        );
    }
    Ok(())
}

/// Rows under a header, each column as wide as its widest cell, two spaces between, indented.
pub(crate) fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut s = String::from(" ");
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            s.push(' ');
            if i + 1 == N {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$} "));
            }
        }
        s.trim_end().to_string()
    };
    outln!("{}", line(*header));
    for row in rows {
        outln!("{}", line(row.each_ref().map(String::as_str)));
    }
}

fn issue_cmd(a: IssueArgs, dir: PathBuf) -> Result<(), Error> {
    if let Some(csr) = &a.csr {
        return issue_csr_cmd(&a, csr, dir);
    }
    // clap asks for both unless --csr is given.
    let (Some(role), Some(name)) = (a.role, a.name.clone()) else {
        return Err(Error::InvalidRequest(vec![certbench_pki::FieldError {
            field: certbench_pki::Field::Role,
            problem: certbench_pki::RequestProblem::RoleAndNameNeeded,
        }]));
    };
    let mut ws = Workspace::open(&dir)?;
    let mut spec = IssueSpec::for_role_in(role, &name, ws.set_id());
    spec.key_alg = a.alg;
    spec.issuer = a.issuer.unwrap_or_else(|| ws.default_issuer(role));
    if let Some(cn) = a.cn {
        spec.subject.common_name = cn;
    } else if role == Role::Server {
        // The first host name, never a SAN's type prefix; else the certificate's own name.
        spec.subject.common_name =
            certbench_pki::SanEntry::common_name_of(&a.sans).unwrap_or_else(|| name.clone());
    }
    if let Some(o) = a.organization {
        spec.subject.organization = o;
    }
    if let Some(ou) = a.organizational_unit {
        spec.subject.organizational_unit = ou;
    }
    if let Some(c) = a.country {
        spec.subject.country = c;
    }
    if role == Role::Server || !a.sans.is_empty() {
        spec.sans = a.sans;
    }
    if let Some(d) = a.days {
        spec.days = d;
    }
    if let Some(nb) = a.not_before {
        spec.not_before = nb;
    }
    if a.pathlen.is_some() || a.no_pathlen {
        spec.path_len = a.pathlen;
    }
    spec.permitted_dns = a.permit_dns;
    spec.excluded_dns = a.exclude_dns;
    spec.permitted_ip = a.permit_ip;
    spec.excluded_ip = a.exclude_ip;
    spec.key_usages = a.key_usage;
    spec.ext_key_usages = a.eku;
    (spec.ocsp_url, spec.crl_url) = a.revocation.urls()?;

    // A name a CA above does not allow: every verifier will refuse the certificate. Said
    // before it is signed (and signed all the same: a broken certificate can be the point).
    for b in ws.constraint_breaches(&spec) {
        errln!(
            "certbench: warning: {}; verifiers will refuse this certificate",
            b.finding().describe()
        );
    }
    let issued = ws.issue(&spec, a.force, OffsetDateTime::now_utc())?;
    outln!(
        "Issued {} certificate \"{}\" in {}:",
        issued.entity.role.title(),
        issued.entity.name,
        dir.display()
    );
    print_summary(&issued.summary);
    outln!("wrote:");
    for f in &issued.files {
        outln!("  {}", f.display());
    }
    print_change(ws.last_change());
    print_outlives(&ws, &issued.entity.name);
    if a.openssl {
        outln!(
            "\nThe same kind of certificate with openssl:\n{}",
            issued.openssl
        );
    }
    Ok(())
}

/// The line that goes with the certbench commands a message suggests, when they would act on
/// another workspace than `dir` (the default one, or `$CERTBENCH_DIR`): the `--dir` to add, as
/// a shell word to paste.
pub(crate) fn dir_note(dir: &std::path::Path) -> Option<String> {
    (Workspace::default_dir().as_deref() != Some(dir)).then(|| {
        format!(
            "(for this workspace, run certbench commands with --dir {})",
            certbench_base::text::display_safe(&certbench_base::text::shell_word(dir), 300)
        )
    })
}

/// A certificate just made that is valid longer than its issuer: said at once, as `status`
/// would say it.
pub(crate) fn print_outlives(ws: &Workspace, name: &str) {
    let now = OffsetDateTime::now_utc();
    for w in ws.health(now).warnings {
        if matches!(&w, certbench_pki::workspace::Warning::OutlivesIssuer { name: n, .. } if n == name)
        {
            errln!("certbench: warning: {}", certbench_lab::aging::warning(&w));
        }
    }
}

/// `issue --csr FILE`: what the request asks for, what certbench grants, then (unless
/// `--review`) the certificate.
fn issue_csr_cmd(a: &IssueArgs, csr: &std::path::Path, dir: PathBuf) -> Result<(), Error> {
    use certbench_pki::{csr, csr::Decision};
    let bytes = certbench_x509::load::read_regular_file(csr)
        .map_err(|source| Error::io("read", csr, source))?;
    let request = csr::read(&bytes)?;
    let mut ws = Workspace::open(&dir)?;
    // Without --role and --name: what the request reads as, and a name from its CN.
    // (--eku clientAuth alone says a client, whatever the request asks.)
    let role = a.role.unwrap_or_else(|| match a.eku.as_deref() {
        Some([ExtKeyUsage::ClientAuth]) => Role::Client,
        Some(_) => Role::Server,
        None => csr::suggested_role(&request),
    });
    // A name from the CN, made unique; with --force, the one of that name is replaced only when
    // it is what this would make again (a leaf of the same role signed from a request): any
    // other (the demo client, a CA) is replaced only when --name names it.
    let taken: Vec<String> = ws
        .entities()
        .iter()
        .filter(|e| !(a.force && e.role == role && e.key.is_none()))
        .map(|e| e.name.clone())
        .collect();
    let name = a
        .name
        .clone()
        .unwrap_or_else(|| csr::suggested_name(&request, &taken));
    let issuer = a.issuer.clone().unwrap_or_else(|| ws.default_issuer(role));
    let extras = csr::Extras {
        sans: a.sans.clone(),
        key_usages: a.key_usage.clone(),
        ext_key_usages: a.eku.clone(),
    };
    let grant = csr::grant(&request, role, &name, &issuer, ws.set_id(), &extras)?;
    let mut spec = grant.spec.clone();
    (spec.ocsp_url, spec.crl_url) = a.revocation.urls()?;
    if let Some(d) = a.days {
        spec.days = d;
    }
    if let Some(nb) = &a.not_before {
        spec.not_before = nb.clone();
    }
    let errors = spec.validate(&ws.ca_names(), OffsetDateTime::now_utc());
    let grant = csr::Grant { spec, ..grant };
    outln!(
        "The request {} ({} key; its signature verifies with that key, so whoever made it holds the key):",
        csr.display(),
        request.key.alg.title()
    );
    outln!(
        "  subject: {}",
        certbench_base::text::display_safe(&request.subject, 400)
    );
    let width = grant
        .decisions
        .iter()
        .map(|(asked, _)| asked.notation().chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    if grant.decisions.is_empty() {
        outln!("  it asks for nothing else");
    }
    for (asked, decision) in &grant.decisions {
        let said = match decision {
            Decision::Kept => "kept".to_string(),
            Decision::Refused { why } => why.text(),
        };
        outln!("  {:<width$}  {said}", asked.notation());
    }
    for s in &grant.added_sans {
        outln!("  {:<width$}  added (--san)", format!("subjectAltName {s}"));
    }
    let spec = &grant.spec;
    let ku: Vec<&str> = spec
        .effective_key_usages()
        .iter()
        .map(|k| k.openssl_name())
        .collect();
    let eku: Vec<&str> = spec
        .effective_ext_key_usages()
        .iter()
        .map(|k| k.openssl_name())
        .collect();
    let profile = if a.key_usage.is_some() || a.eku.is_some() {
        "as asked with --key-usage/--eku".to_string()
    } else {
        format!("as for any {} certificate", role.title())
    };
    outln!(
        "certbench grants \"{name}\", {profile}: keyUsage {}; extendedKeyUsage {}; basicConstraints CA:FALSE; {} days; issued by \"{}\"",
        ku.join(", "),
        eku.join(", "),
        spec.days,
        spec.issuer
    );
    // What cannot be signed as asked, after what it asks for (so the reasons are in view).
    if !errors.is_empty() {
        if errors.iter().any(|e| e.field == certbench_pki::Field::Sans) {
            errln!("certbench: hint: --san NAME adds a name to the certificate");
        }
        return Err(Error::InvalidRequest(errors));
    }
    if let Some(old) = ws.entity(&name) {
        let what = format!(
            "\"{name}\" exists ({} certificate, CN {}{})",
            old.role.title(),
            certbench_base::text::display_safe(&old.common_name, 80),
            if old.key.is_some() {
                ", with its key"
            } else {
                ""
            }
        );
        if a.force {
            outln!("{what}: its files go to replaced/, the new certificate takes its name");
        } else if a.review {
            outln!("{what}: signing under that name needs --force (or --name another)");
        }
    }
    if a.review {
        outln!("Nothing was signed (--review).");
        return Ok(());
    }
    let issued = ws.issue_request(&grant, &request, a.force, OffsetDateTime::now_utc())?;
    outln!(
        "\nIssued {} certificate \"{}\" in {}:",
        issued.entity.role.title(),
        issued.entity.name,
        dir.display()
    );
    print_summary(&issued.summary);
    outln!("wrote (no key: it stays with whoever made the request):");
    for f in &issued.files {
        outln!("  {}", f.display());
    }
    print_change(ws.last_change());
    Ok(())
}

fn revoke_cmd(a: RevokeArgs, dir: PathBuf) -> Result<(), Error> {
    let mut ws = Workspace::open(&dir)?;
    let r = ws.revoke_serial(
        &a.name,
        a.serial.as_deref(),
        a.reason,
        OffsetDateTime::now_utc(),
    )?;
    print_change(ws.last_change());
    outln!(
        "Revoked \"{}\" (serial {}, reason {}). {} now lists {} certificate{}.",
        r.name,
        certbench_x509::serial_text(&r.serial),
        a.reason,
        r.crl_path.display(),
        r.listed,
        plural(r.listed)
    );
    Ok(())
}

fn crl_cmd(a: CrlArgs, dir: PathBuf) -> Result<(), Error> {
    let mut ws = Workspace::open(&dir)?;
    let signed = ws.sign_crls(&a.cas, OffsetDateTime::now_utc())?;
    print_change(ws.last_change());
    if signed.is_empty() {
        outln!(
            "The workspace {} has no CA that holds its key: no CRL to sign. `certbench gen` makes a set.",
            dir.display()
        );
    }
    for c in &signed {
        outln!(
            "Signed {} for {}: CRL number {}, {} revoked certificate{}, good until {} (nextUpdate).",
            c.path.display(),
            c.ca,
            c.number,
            c.listed,
            plural(c.listed),
            certbench_base::text::rfc3339(c.next_update)
        );
    }
    Ok(())
}

fn list_cmd(dir: PathBuf) -> Result<(), Error> {
    let ws = Workspace::open(&dir)?;
    print_change(ws.last_change());
    if ws.is_empty() {
        let unlisted = ws.unlisted_files();
        if unlisted.is_empty() {
            outln!(
                "The workspace {} is empty: `certbench gen` makes a set.",
                dir.display()
            );
        } else {
            outln!(
                "{} holds certificate files but no certbench.toml, so it is not a certbench workspace: {}.\n\
                 `certbench inspect {}` reads them; `certbench gen --force` moves any it would replace into replaced/ and makes a new set there; or use another folder (--dir).",
                dir.display(),
                unlisted.join(", "),
                dir.display()
            );
        }
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<[String; 6]> = ws
        .entities()
        .iter()
        .map(|e| {
            let status = match &e.revoked {
                Some(r) => format!("REVOKED ({})", r.reason),
                None => relative_validity(e.not_before, e.not_after, now),
            };
            [
                e.name.clone(),
                e.role.as_str().to_string(),
                e.issuer.clone().unwrap_or_else(|| "-".into()),
                // A certificate signed from a request: its key is with the service.
                if e.key.is_some() {
                    e.key_alg.as_str().to_string()
                } else {
                    format!("{} (elsewhere)", e.key_alg.as_str())
                },
                certbench_base::text::display_safe(&e.common_name, 40),
                status,
            ]
        })
        .collect();
    print_table(&["NAME", "ROLE", "ISSUER", "KEY", "CN", "STATUS"], &rows);
    Ok(())
}

fn print_summary(s: &CertSummary) {
    for (label, value) in s.fields(OffsetDateTime::now_utc()) {
        outln!("  {label:<18} {value}");
    }
}
