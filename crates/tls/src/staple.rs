//! OCSP stapling, the server's side: the response a server sends with its certificate
//! (`CertifiedKey::ocsp`; rustls sends it to a client that asked with status_request, in the
//! TLS 1.3 CertificateEntry or the TLS 1.2 CertificateStatus message). A [`Staple`] can be
//! replaced while the server runs; [`keep_fresh`] makes it again from the workspace when the
//! workspace changes (a `certbench revoke` elsewhere) and before it goes stale.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use time::OffsetDateTime;

/// The OCSP response (DER) a server staples, replaceable while it serves.
#[derive(Debug, Default)]
pub struct Staple {
    der: RwLock<Option<Arc<Vec<u8>>>>,
    generation: AtomicU64,
}

impl Staple {
    pub fn new(der: Option<Vec<u8>>) -> Arc<Staple> {
        let s = Arc::new(Staple::default());
        s.set(der);
        s
    }

    /// Staple `der` from the next handshake on (`None`: staple nothing).
    pub fn set(&self, der: Option<Vec<u8>>) {
        if let Ok(mut d) = self.der.write() {
            *d = der.map(Arc::new);
        }
        self.generation.fetch_add(1, Ordering::Release);
    }

    pub fn get(&self) -> Option<Arc<Vec<u8>>> {
        self.der.read().ok().and_then(|d| d.clone())
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

/// The server's certificate and key with the staple as it is now: rebuilt once per change of
/// the staple, not per handshake.
#[derive(Debug)]
pub(crate) struct StapledResolver {
    base: Arc<CertifiedKey>,
    staple: Arc<Staple>,
    current: RwLock<(u64, Arc<CertifiedKey>)>,
}

impl StapledResolver {
    pub(crate) fn new(base: Arc<CertifiedKey>, staple: Arc<Staple>) -> StapledResolver {
        StapledResolver {
            current: RwLock::new((u64::MAX, base.clone())),
            base,
            staple,
        }
    }
}

impl ResolvesServerCert for StapledResolver {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let generation = self.staple.generation();
        if let Ok(c) = self.current.read()
            && c.0 == generation
        {
            return Some(c.1.clone());
        }
        let mut key = (*self.base).clone();
        key.ocsp = self.staple.get().map(|d| d.to_vec());
        let key = Arc::new(key);
        if let Ok(mut c) = self.current.write() {
            *c = (generation, key.clone());
        }
        Some(key)
    }
}

/// How often [`keep_fresh`] looks at the workspace.
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Make the staple again from the workspace in `dir` for its certificate `name` when the
/// workspace's manifest changes (a revocation) and when half the response's life has passed,
/// until `stop` completes. What could not be made is reported to `failed` (the staple is then
/// left as it was, until the next try).
pub async fn keep_fresh(
    staple: Arc<Staple>,
    dir: PathBuf,
    name: String,
    failed: impl Fn(certbench_pki::Error) + Send + 'static,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let manifest = dir.join(certbench_pki::workspace::MANIFEST_FILE);
    let changed = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut seen: Option<SystemTime> = changed(&manifest);
    let mut made = OffsetDateTime::now_utc();
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
        let now = OffsetDateTime::now_utc();
        let modified = changed(&manifest);
        let old = now - made > certbench_pki::ocsp::RESPONSE_VALIDITY / 2;
        if modified == seen && !old {
            continue;
        }
        seen = modified;
        let (d, n) = (dir.clone(), name.clone());
        match tokio::task::spawn_blocking(move || from_workspace(&d, &n, now)).await {
            Ok(Ok(der)) => {
                staple.set(Some(der));
                made = now;
            }
            Ok(Err(e)) => failed(e),
            Err(_) => {}
        }
    }
}

/// A fresh OCSP response for the workspace's certificate `name`, signed as `certbench ocsp`
/// would answer for it.
pub fn from_workspace(
    dir: &std::path::Path,
    name: &str,
    now: OffsetDateTime,
) -> Result<Vec<u8>, certbench_pki::Error> {
    let ws = certbench_pki::workspace::Workspace::open(dir)?;
    Ok(ws.ocsp_response_for(name, now)?.der)
}

/// Why an OCSP responder gave no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("{url} is not an http:// URL with a host")]
    NotHttp { url: String },
    #[error("cannot reach the responder at {addr}: {source}")]
    Unreachable {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the responder at {url} answered HTTP {status}")]
    Status { url: String, status: String },
    #[error("the responder at {url} sent an answer that is not HTTP")]
    NotAnAnswer { url: String },
}

/// The most of an answer [`fetch`] reads.
const MAX_ANSWER: u64 = 1024 * 1024;

/// POST the OCSP `request` (DER) to the responder at `url` (RFC 6960 A.1) and return its
/// answer's body, as a stapling server fetches its staple: connecting, and each write and read,
/// within `timeout` (the name's lookup is the system's); an answer is at most 1 MiB, its body
/// sized by Content-Length or the connection's end (no chunked encoding: certbench's responder
/// and openssl's send a length). Blocking: call it off any event loop.
pub fn fetch(url: &str, request: &[u8], timeout: Duration) -> Result<Vec<u8>, FetchError> {
    use std::io::{Read, Write};
    use std::net::ToSocketAddrs;
    let not_http = || FetchError::NotHttp { url: url.into() };
    let rest = url.strip_prefix("http://").ok_or_else(not_http)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(not_http());
    }
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let unreachable = |source| FetchError::Unreachable {
        addr: with_port.clone(),
        source,
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(unreachable)?
        .next()
        .ok_or_else(|| unreachable(std::io::ErrorKind::NotFound.into()))?;
    let mut s = std::net::TcpStream::connect_timeout(&addr, timeout).map_err(unreachable)?;
    s.set_read_timeout(Some(timeout)).map_err(unreachable)?;
    s.set_write_timeout(Some(timeout)).map_err(unreachable)?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        request.len()
    );
    s.write_all(head.as_bytes()).map_err(unreachable)?;
    s.write_all(request).map_err(unreachable)?;
    let mut answer = Vec::new();
    s.take(MAX_ANSWER)
        .read_to_end(&mut answer)
        .map_err(unreachable)?;
    let not_answer = || FetchError::NotAnAnswer { url: url.into() };
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(not_answer)?;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .ok_or_else(not_answer)?;
    if status != "200" {
        return Err(FetchError::Status {
            url: url.into(),
            status: certbench_base::text::display_safe(status, 20),
        });
    }
    let mut body = answer[split + 4..].to_vec();
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())
            .flatten()
    });
    if let Some(n) = length {
        body.truncate(n);
    }
    Ok(body)
}
