//! `connect`: certbench's client against any TLS server (the user's own service, nginx, a Go or
//! Node.js server, openssl s_server). The timeline is seen from the client's socket and
//! decrypted with the client's secrets; the server's chain and its verdict, and what the server
//! asked for in its CertificateRequest, come from the real bytes.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedSender;

use crate::event::{Event, EventKind, Note};
use crate::material::Material;
use crate::recorder::{Recorder, RecorderReporter, Tap, lock};
use crate::run::Summary;
use crate::{config, config::Choices, config::ConfigError, config::Reporter, config::TlsVersion};
use certbench_cause::Cause;
use certbench_wire::Side;

/// The host of `HOST:PORT` (without an IPv6 address's brackets), when `target` is that.
pub fn host_of(target: &str) -> Option<&str> {
    let (host, port) = target.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// The most of an answer read: enough to see what it is.
const MAX_ANSWER: usize = 1 << 20;

/// Where to connect and what to do once connected.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// `HOST:PORT`, a name or an address (`[::1]:8443`).
    pub target: String,
    /// What the client offers, and the name it asks for (SNI) and checks the server against.
    pub choices: Choices,
    /// Send `GET PATH` after the handshake (as HTTP/1.1), and read the answer.
    pub request: Option<String>,
    /// How long to wait for the server's first bytes after the handshake: a TLS 1.3 server
    /// refuses a client certificate after the client's connect() has returned, so the verdict
    /// arrives then.
    pub wait: Duration,
    /// The connection and the handshake must be done in this time.
    pub timeout: Duration,
    /// Keep the bytes that cross the connection, for a pcapng capture (`Summary::wire`).
    pub capture: bool,
}

/// `connect`'s defaults, the CLI's and the TUI's alike.
pub mod defaults {
    /// The path asked for with GET after the handshake.
    pub const PATH: &str = "/";
    /// Seconds to wait for the server's first answer after the handshake.
    pub const WAIT_S: u64 = 2;
    /// Seconds the connection and the handshake may take.
    pub const TIMEOUT_S: u64 = 10;
}

impl ConnectOptions {
    /// What `connect` does unless told otherwise: offer TLS 1.3 and 1.2 (or `version` alone),
    /// ask for `server_name`, then `GET /`, waiting [`defaults::WAIT_S`] for the answer.
    pub fn new(target: String, server_name: &str, version: Option<TlsVersion>) -> ConnectOptions {
        let mut choices = Choices::same(TlsVersion::Tls13, None, None, server_name);
        choices.client.versions = match version {
            Some(v) => vec![v],
            None => vec![TlsVersion::Tls13, TlsVersion::Tls12],
        };
        ConnectOptions {
            target,
            choices,
            request: Some(defaults::PATH.into()),
            wait: Duration::from_secs(defaults::WAIT_S),
            timeout: Duration::from_secs(defaults::TIMEOUT_S),
            capture: false,
        }
    }
}

/// Why the client could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Choice(#[from] crate::config::ChoiceError),
}

/// Connect, handshake, optionally ask for a page, and report every step to `events`.
pub async fn connect(
    material: &Material,
    opts: &ConnectOptions,
    events: UnboundedSender<Event>,
) -> Result<Summary, ConnectError> {
    let server_name = config::server_name(&opts.choices)?;
    let _ = aws_lc_rs::rand::fill(&mut [0u8; 1]);
    let rec = Recorder::shared(Box::new(move |e| {
        let _ = events.send(e);
    }));
    lock(&rec).only = Some(Side::Client);
    let reporter: Arc<dyn Reporter> = Arc::new(RecorderReporter(rec.clone()));
    let client_config = config::client_config(material, &opts.choices, Some(reporter))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config));
    let handshake = async {
        // The name first, so that a name that does not resolve is told from a refused port.
        let addrs: Vec<std::net::SocketAddr> = match tokio::net::lookup_host(&opts.target).await {
            Ok(a) => a.collect(),
            Err(_) => vec![],
        };
        if addrs.is_empty() {
            let host = certbench_base::text::display_safe(
                host_of(&opts.target).unwrap_or(&opts.target),
                200,
            );
            lock(&rec).fail(Side::Client, Cause::HostNotFound { host }, None, |cause| {
                Note::ConnectFailed { cause }
            });
            return None;
        }
        let tcp = match TcpStream::connect(&addrs[..]).await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                let target = certbench_base::text::display_safe(&opts.target, 200);
                lock(&rec).fail(
                    Side::Client,
                    Cause::ConnectionRefused { target },
                    None,
                    |cause| Note::ConnectFailed { cause },
                );
                return None;
            }
            Err(e) => {
                lock(&rec).failed(Side::Client, &e, |cause| Note::ConnectFailed { cause });
                return None;
            }
        };
        let _ = tcp.set_nodelay(true);
        if let Ok(peer) = tcp.peer_addr() {
            let mut r = lock(&rec);
            r.local(Side::Client, EventKind::Note(Note::Connected { peer }));
            // The bytes are kept for a capture, with the ports and the clock they crossed at.
            if opts.capture {
                let since_start = r.start.elapsed();
                let start_unix_us = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.saturating_sub(since_start).as_micros() as u64)
                    .unwrap_or_default();
                r.wire = Some(certbench_wire::pcap::Wire {
                    client_port: tcp.local_addr().map_or(0, |a| a.port()),
                    server_port: peer.port(),
                    start_unix_us,
                    ..Default::default()
                });
            }
        }
        let tap = Tap {
            inner: tcp,
            hub: rec.clone(),
            side: Side::Client,
            stepper: None,
        };
        match connector.connect(server_name, tap).await {
            Ok(tls) => {
                lock(&rec).local(Side::Client, EventKind::Note(Note::ConnectReturned));
                Some(tls)
            }
            Err(e) => {
                lock(&rec).failed(Side::Client, &e, |cause| Note::ConnectFailed { cause });
                None
            }
        }
    };
    let tls = match tokio::time::timeout(opts.timeout, handshake).await {
        Ok(t) => t,
        Err(_) => {
            lock(&rec).timed_out(Side::Client, opts.timeout.as_millis() as u64);
            None
        }
    };
    let mut response = None;
    if let Some(mut tls) = tls {
        response = after_handshake(&mut tls, opts, &rec).await;
        // A server that never reads could hold the close_notify back: a second at most.
        let _ = tokio::time::timeout(Duration::from_secs(1), tls.shutdown()).await;
    }
    let mut r = lock(&rec);
    Ok(r.finish(material, response, None, false))
}

/// The request (if any) and the server's first answer, or its refusal: what the client reads
/// within `opts.wait`.
async fn after_handshake(
    tls: &mut tokio_rustls::client::TlsStream<Tap>,
    opts: &ConnectOptions,
    rec: &crate::recorder::SharedRecorder,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + opts.wait;
    if let Some(path) = &opts.request {
        let host = &opts.choices.server_name;
        let request = crate::run::get_request(path, host, Some("certbench"));
        // Within the wait too: a server that reads nothing cannot hold the client.
        match tokio::time::timeout_at(deadline, tls.write_all(request.as_bytes())).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                lock(rec).failed(Side::Client, &e, |cause| Note::SendFailed { cause });
                return None;
            }
            Err(_) => {
                lock(rec).timed_out(Side::Client, opts.wait.as_millis() as u64);
                return None;
            }
        }
    }
    // Read what comes within the wait: the answer, or the server's verdict on the client.
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match tokio::time::timeout_at(deadline, tls.read(&mut buf)).await {
            Err(_) => break,
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                // A page is shown, not stored: 1 MB is enough to see what it is, and a server
                // that streams on is not followed further (its events would pile up).
                answer.extend_from_slice(&buf[..n]);
                if answer.len() >= MAX_ANSWER {
                    break;
                }
            }
            // The answer came, then the TCP connection ended without a close_notify (as many
            // servers end an HTTP response): said, not a failure.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() => {
                lock(rec).local(
                    Side::Client,
                    EventKind::Note(Note::ClosedWithoutCloseNotify),
                );
                break;
            }
            Ok(Err(e)) => {
                let mut r = lock(rec);
                let tls13 = r.observer.version() == Some(certbench_wire::messages::Version::Tls13);
                r.failed(Side::Client, &e, |cause| match cause {
                    Cause::AlertReceived { .. } if tls13 && answer.is_empty() => {
                        Note::RefusedAfterConnect { cause }
                    }
                    cause => Note::FirstReadFailed { cause },
                });
                return None;
            }
        }
    }
    (!answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned())
}

/// What the server asked for in its CertificateRequest, from the timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Requested {
    /// The CAs whose certificates it accepts, as RFC 4514 names; empty: it names none (any CA it
    /// trusts).
    pub certificate_authorities: Vec<String>,
    /// The signature schemes it accepts, by their RFC 8446 names.
    pub signature_schemes: Vec<String>,
    /// The names as they travelled (DER), to match certificates against.
    #[serde(skip)]
    pub authorities_der: Vec<Vec<u8>>,
    /// The signature schemes by number, to match keys against.
    #[serde(skip)]
    pub schemes: Vec<u16>,
}

/// The CertificateRequest in a run's events, if the server sent one.
pub fn requested(events: &[Event]) -> Option<Requested> {
    events.iter().find_map(|e| match e.message() {
        Some(certbench_wire::messages::Message::CertificateRequest(r)) => Some(Requested {
            certificate_authorities: r
                .certificate_authorities
                .iter()
                .map(|dn| crate::describe::dn_text(dn))
                .collect(),
            signature_schemes: r
                .signature_schemes
                .iter()
                .map(|s| certbench_wire::names::signature_scheme(*s))
                .collect(),
            authorities_der: r
                .certificate_authorities
                .iter()
                .map(|n| n.to_vec())
                .collect(),
            schemes: r.signature_schemes.clone(),
        }),
        _ => None,
    })
}

/// Whether one of the workspace's certificates fits a CertificateRequest, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fit {
    pub name: String,
    #[serde(flatten)]
    pub verdict: FitVerdict,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum FitVerdict {
    Fits,
    /// Its extended key usage does not allow clientAuth.
    NotForClients,
    /// No certificate of its chain is issued by a CA the server names; `issuer` is the leaf's.
    IssuerNotNamed {
        issuer: String,
    },
    /// It is not valid now: expired, or not valid yet (RFC 3339 times).
    NotValidNow {
        not_before: String,
        not_after: String,
    },
    /// Its key cannot sign with any signature scheme the server accepts: a client holding it
    /// has nothing to prove it with (RFC 8446 4.4.2.2, RFC 5246 7.4.4).
    KeyNotAccepted {
        key: certbench_x509::report::KeyAlgorithm,
    },
    /// Its files could not be read.
    Unreadable,
    /// The workspace revoked it: a server that checks revocation refuses it.
    Revoked,
}

/// Each of the workspace's client (and server) leaves, judged against a server's
/// CertificateRequest: what a client holding it would be able to send.
pub fn judged(ws: &certbench_pki::workspace::Workspace, asked: &Requested) -> Vec<Fit> {
    use x509_parser::prelude::*;
    let authorities = &asked.authorities_der;
    let mut out = Vec::new();
    for e in ws.entities().iter().filter(|e| !e.role.is_ca()) {
        let file = e.chain.as_deref().unwrap_or(&e.cert);
        let verdict = match crate::material::read_certs(&ws.path(file)) {
            Err(_) => FitVerdict::Unreadable,
            Ok(chain) => {
                let leaf = chain
                    .first()
                    .and_then(|d| X509Certificate::from_der(d).ok());
                let for_clients = chain.first().is_some_and(|der| {
                    certbench_x509::verify::allows(der, certbench_x509::verify::Purpose::Client)
                });
                let key = leaf
                    .as_ref()
                    .map(|(_, c)| certbench_x509::report::decode_spki(c.public_key()).algorithm);
                let named = chain.iter().any(|der| {
                    X509Certificate::from_der(der).is_ok_and(|(_, c)| {
                        authorities
                            .iter()
                            .any(|a| a.as_slice() == c.issuer().as_raw())
                    })
                });
                let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
                let outside = leaf.as_ref().and_then(|(_, c)| {
                    let v = c.validity();
                    (now < v.not_before.timestamp() || now > v.not_after.timestamp()).then(|| {
                        let rfc = |t: &x509_parser::time::ASN1Time| {
                            t.to_datetime()
                                .format(&::time::format_description::well_known::Rfc3339)
                                .unwrap_or_default()
                        };
                        FitVerdict::NotValidNow {
                            not_before: rfc(&v.not_before),
                            not_after: rfc(&v.not_after),
                        }
                    })
                });
                match (key, outside) {
                    _ if !for_clients => FitVerdict::NotForClients,
                    (_, Some(outside)) => outside,
                    (Some(key), None) if signs_with(&key, &asked.schemes) == Some(false) => {
                        FitVerdict::KeyNotAccepted { key }
                    }
                    _ if authorities.is_empty() || named => FitVerdict::Fits,
                    _ => FitVerdict::IssuerNotNamed {
                        issuer: chain
                            .first()
                            .and_then(|d| certbench_x509::report::brief(d).ok())
                            .map(|b| b.issuer)
                            .unwrap_or_default(),
                    },
                }
            }
        };
        // One that would fit but is revoked: a server that checks revocation refuses it.
        let verdict = match verdict {
            FitVerdict::Fits if e.revoked.is_some() => FitVerdict::Revoked,
            v => v,
        };
        // Server certificates are listed only when they would fit: a client may hold one.
        if e.role == certbench_x509::Role::Server && verdict != FitVerdict::Fits {
            continue;
        }
        out.push(Fit {
            name: e.name.clone(),
            verdict,
        });
    }
    out
}

/// Whether a key of this algorithm can sign with one of `schemes` (TLS SignatureScheme numbers,
/// RFC 8446 4.2.3 and the TLS 1.2 hash/signature pairs of RFC 5246 7.4.1.4.1 they extend), by
/// its family: RSA with PKCS#1 or PSS (rsae), RSA-PSS keys with PSS (pss), ECDSA, Ed25519, Ed448.
/// ECDSA's curve is not weighed: TLS 1.2 lets any curve sign with any ECDSA scheme. `None` for a
/// key no scheme is judged for (DSA, others), and when no scheme was listed.
pub fn signs_with(key: &certbench_x509::report::KeyAlgorithm, schemes: &[u16]) -> Option<bool> {
    use certbench_x509::report::KeyAlgorithm as K;
    if schemes.is_empty() {
        return None;
    }
    let family: &[u16] = match key {
        K::Rsa => &[0x0201, 0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806],
        K::RsaPss => &[0x0809, 0x080a, 0x080b],
        K::Ec => &[0x0203, 0x0403, 0x0503, 0x0603],
        K::Ed25519 => &[0x0807],
        K::Ed448 => &[0x0808],
        K::Dsa | K::Other(_) => return None,
    };
    Some(schemes.iter().any(|s| family.contains(s)))
}

/// What the bytes say about a refusal the server did not explain: it closed the connection
/// without an alert (Node.js and others do) after the client's certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Hint {
    /// The server named the CAs it takes; the client's chain is from none of them.
    NotFromNamedCa {
        /// The issuer at the top of the chain presented (RFC 4514).
        presented: String,
        named: Vec<String>,
    },
    /// The server asked for a certificate and the client sent none.
    NoCertificate,
}

impl Hint {
    pub fn describe(&self) -> String {
        match self {
            Hint::NotFromNamedCa { presented, named } => crate::event::say(
                "hint_not_from_named_ca",
                &[
                    ("presented", presented.clone()),
                    ("named", named.join("; ")),
                ],
            ),
            Hint::NoCertificate => crate::event::say("hint_no_certificate", &[]),
        }
    }
}

/// A hint, when the run failed with the server closing without an alert after it asked for a
/// client certificate.
pub fn hint(summary: &Summary, events: &[Event]) -> Option<Hint> {
    use x509_parser::prelude::*;
    let failure = summary.failure()?;
    if failure.alert_received.is_some()
        || !matches!(failure.cause, Cause::ConnectionClosed | Cause::Io { .. })
    {
        return None;
    }
    let asked = requested(events)?;
    let sent = client_certificates(events)?;
    if sent.is_empty() {
        return Some(Hint::NoCertificate);
    }
    if asked.authorities_der.is_empty() {
        return None;
    }
    let parsed: Vec<X509Certificate<'_>> = sent
        .iter()
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .collect();
    let named = |raw: &[u8]| asked.authorities_der.iter().any(|a| a.as_slice() == raw);
    if parsed
        .iter()
        .any(|c| named(c.issuer().as_raw()) || named(c.subject().as_raw()))
    {
        return None;
    }
    let top = parsed.last()?;
    Some(Hint::NotFromNamedCa {
        presented: certbench_base::text::display_safe(
            &certbench_x509::names::rfc4514(top.issuer()),
            300,
        ),
        named: asked.certificate_authorities,
    })
}

/// What the client sent of its certificate, from the timeline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Presented {
    /// It sent its certificate (and chain).
    Sent {
        subject: String,
        certificates: usize,
    },
    /// It sent an empty Certificate: it had none to send.
    NoneHeld,
    /// The handshake ended before the client's Certificate.
    NotReached,
}

/// The certificates of the client's Certificate message (empty when it had none), if it sent
/// one.
fn client_certificates(events: &[Event]) -> Option<Vec<Vec<u8>>> {
    events.iter().find_map(|e| match e.message() {
        Some(certbench_wire::messages::Message::Certificate(c)) if e.side == Side::Client => {
            Some(c.certificates.iter().map(|c| c.to_vec()).collect())
        }
        _ => None,
    })
}

/// What the client sent of its certificate.
pub fn presented(events: &[Event]) -> Presented {
    let sent = client_certificates(events);
    match sent {
        Some(certs) if !certs.is_empty() => Presented::Sent {
            subject: certbench_x509::report::brief(&certs[0])
                .map(|b| b.subject)
                .unwrap_or_default(),
            certificates: certs.len(),
        },
        Some(_) => Presented::NoneHeld,
        None => Presented::NotReached,
    }
}

/// The HTTP status of an answer (`HTTP/1.1 403 Forbidden`), if it is one.
pub fn http_status(response: &str) -> Option<u16> {
    let rest = response.strip_prefix("HTTP/")?;
    let (_, after) = rest.split_once(' ')?;
    after.get(..3)?.parse().ok()
}
