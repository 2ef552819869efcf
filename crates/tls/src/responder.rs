//! The workspace's revocation over HTTP (`certbench ocsp`): an OCSP responder (RFC 6960, its
//! HTTP binding in Appendix A: POST with the request as the body, or GET with it base64'd in the
//! path) for every CA of the workspace, and each CA's current CRL at `/NAME.crl`, the URLs
//! `issue --ocsp-url/--crl-url` put into certificates. The workspace is read again for every
//! request, so a `certbench revoke` in another process is answered from the next request on.
//! Every request answered comes out as a [`Served`], with what was asked and what was said.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use time::OffsetDateTime;
use tokio::net::TcpListener;

use certbench_pki::workspace::{Responded, Workspace};
use certbench_x509::ocsp::{self, CertId, CertStatus, ResponseStatus};

/// Where `certbench ocsp` and the TUI's responder listen unless told otherwise (this machine
/// alone); the port `gen --responder` examples use.
pub mod defaults {
    pub const PORT: u16 = 8888;
    pub const LISTEN: &str = "127.0.0.1:8888";
}

/// An OCSP request larger than this is answered malformedRequest unread: a real one asks about a
/// few certificates in a few hundred bytes.
pub const MAX_REQUEST: usize = 64 * 1024;
/// A request's line and headers larger than this are refused.
const MAX_HEADERS: usize = 16 * 1024;
/// A client that sends nothing for this long is dropped, and a request's body must be in within
/// it.
const IDLE: Duration = Duration::from_secs(10);
/// Connections served at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 256;
/// How many places in a GET's path are tried as the start of the base64 request.
const MAX_GET_STARTS: usize = 8;

/// One HTTP request answered.
#[derive(Debug, Clone, Serialize)]
pub struct Served {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub peer: SocketAddr,
    pub method: String,
    /// The request's path, made safe to show and capped.
    pub path: String,
    pub http_status: u16,
    /// The bytes of the answer's body.
    pub bytes: usize,
    /// How long the answer took, in microseconds.
    pub micros: u64,
    #[serde(flatten)]
    pub asked: Asked,
}

/// What a request asked for and what it got.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Asked {
    /// An OCSP request.
    Ocsp {
        /// The request as read; `None` when it could not be read.
        request: Option<ocsp::Request>,
        /// Why it could not be read.
        unreadable: Option<String>,
        status: ResponseStatus,
        /// The CA asked about (the workspace's name).
        ca: Option<String>,
        /// Who signed the answer, and whether that is a delegated responder.
        signer: Option<String>,
        delegated: bool,
        answers: Vec<AnswerLine>,
        #[serde(with = "time::serde::rfc3339::option")]
        next_update: Option<OffsetDateTime>,
    },
    /// A CA's CRL.
    Crl { ca: String },
    /// The CRL of a CA the workspace does not have.
    NoSuchCa { ca: String },
    /// `/`: what is served here.
    Index,
    /// Anything else.
    NotFound,
    /// A method other than GET, HEAD and POST.
    WrongMethod,
    /// The workspace could not answer (its manifest unreadable, a key missing).
    Failed { error: String },
}

/// One certificate's answer, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerLine {
    pub id: CertId,
    /// The workspace's name for the certificate, when its CA issued it here.
    pub name: Option<String>,
    #[serde(flatten)]
    pub status: CertStatus,
}

/// A responder, bound and ready.
pub struct Responder {
    listener: TcpListener,
    dir: PathBuf,
}

impl Responder {
    /// Bind `addr` for the workspace in `dir`.
    pub async fn bind(addr: SocketAddr, dir: PathBuf) -> std::io::Result<Responder> {
        Ok(Responder {
            listener: TcpListener::bind(addr).await?,
            dir,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answer until `stop` completes; each request answered goes to `tx`. At most
    /// [`MAX_CONNECTIONS`] at once; when `stop` completes, the connections still open are cut.
    pub async fn run(
        self,
        tx: tokio::sync::mpsc::UnboundedSender<Served>,
        stop: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        let cache = Arc::new(WorkspaceCache {
            dir: self.dir.clone(),
            held: std::sync::Mutex::new(None),
        });
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let mut open = tokio::task::JoinSet::new();
        loop {
            let slot = tokio::select! {
                () = &mut stop => break,
                slot = slots.clone().acquire_owned() => match slot {
                    Ok(s) => s,
                    Err(_) => break,
                },
            };
            let (stream, peer) = tokio::select! {
                () = &mut stop => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(a) => a,
                    // Out of file descriptors and the like: wait a little, go on serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // Finished connections are collected as new ones come.
            while open.try_join_next().is_some() {}
            let dir = cache.clone();
            let tx = tx.clone();
            open.spawn(async move {
                let _slot = slot;
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let dir = dir.clone();
                    let tx = tx.clone();
                    async move {
                        let started = Instant::now();
                        let (response, mut served) = answer(req, peer, dir).await;
                        served.micros = started.elapsed().as_micros() as u64;
                        let _ = tx.send(served);
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(IDLE)
                    .max_buf_size(MAX_HEADERS)
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
        open.abort_all();
    }
}

/// The workspace as last read, read again when its manifest changes (another certbench's
/// revoke, issue or renew) or a change is under way (its journal): a request costs no manifest
/// read while nothing changed.
struct WorkspaceCache {
    dir: PathBuf,
    held: std::sync::Mutex<Option<(Stamp, Workspace)>>,
}

/// The manifest's modification time and length.
type Stamp = (std::time::SystemTime, u64);

impl WorkspaceCache {
    fn get(&self) -> certbench_pki::Result<Workspace> {
        let stamp = std::fs::metadata(self.dir.join(certbench_pki::workspace::MANIFEST_FILE))
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())))
            .filter(|_| !self.dir.join(certbench_base::fsutil::JOURNAL_FILE).exists());
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(now), Some((then, ws))) = (stamp, held.as_ref())
            && now == *then
        {
            return Ok(ws.clone());
        }
        let ws = Workspace::open(&self.dir)?;
        *held = stamp.map(|s| (s, ws.clone()));
        Ok(ws)
    }
}

/// The answer to one request, and what it was.
async fn answer(
    req: Request<Incoming>,
    peer: SocketAddr,
    dir: Arc<WorkspaceCache>,
) -> (Response<Full<Bytes>>, Served) {
    let method = req.method().clone();
    let raw_path = req.uri().path().to_string();
    let mut served = Served {
        at: OffsetDateTime::now_utc(),
        peer,
        method: certbench_base::text::display_safe(method.as_str(), 16),
        path: certbench_base::text::display_safe(&raw_path, 200),
        http_status: 200,
        bytes: 0,
        micros: 0,
        asked: Asked::NotFound,
    };
    let (status, content_type, body, asked) = match route(&method, &raw_path) {
        Route::Ocsp(Some(der)) => ocsp_answer(Ok(der), &dir).await,
        Route::Ocsp(None) => {
            // POST: the body is the request, in within the idle time.
            let der = tokio::time::timeout(IDLE, read_body(req.into_body()))
                .await
                .unwrap_or(Err(Unreadable::TooSlow));
            ocsp_answer(der, &dir).await
        }
        Route::Crl(ca) => crl_answer(ca, &dir.dir).await,
        Route::Index => (
            StatusCode::OK,
            "text/plain; charset=utf-8",
            Bytes::from_static(INDEX.as_bytes()),
            Asked::Index,
        ),
        Route::NotFound => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"not found: POST an OCSP request, or GET /NAME.crl\n"),
            Asked::NotFound,
        ),
        Route::WrongMethod => (
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"GET or POST\n"),
            Asked::WrongMethod,
        ),
    };
    served.http_status = status.as_u16();
    served.bytes = body.len();
    served.asked = asked;
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    (response, served)
}

const INDEX: &str = "certbench OCSP responder and CRLs for this workspace's CAs\n\
POST an OCSP request (application/ocsp-request) to any path, or GET /BASE64 (RFC 6960 A.1)\n\
GET /NAME.crl for the CA NAME's current CRL (DER)\n";

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// An OCSP request: from the path (GET), or `None` to read it from the body (POST).
    Ocsp(Option<Vec<u8>>),
    Crl(String),
    Index,
    NotFound,
    WrongMethod,
}

fn route(method: &Method, path: &str) -> Route {
    if method == Method::POST {
        return Route::Ocsp(None);
    }
    if method != Method::GET && method != Method::HEAD {
        return Route::WrongMethod;
    }
    if path == "/" || path.is_empty() {
        return Route::Index;
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if let Some(stem) = last.strip_suffix(".crl") {
        return Route::Crl(percent_decode(stem).unwrap_or_else(|| stem.to_string()));
    }
    match get_request(path) {
        Some(der) => Route::Ocsp(Some(der)),
        None => Route::NotFound,
    }
}

/// The OCSP request a GET carries: the url-encoded base64 of its DER after the responder's own
/// path. The base64 may hold '/' (some clients do not escape it), so the starts after the first
/// few '/' are tried, the longest first.
fn get_request(path: &str) -> Option<Vec<u8>> {
    let decoded = percent_decode(path)?;
    decoded
        .match_indices('/')
        .take(MAX_GET_STARTS)
        .map(|(i, _)| &decoded[i + 1..])
        .filter(|s| !s.is_empty())
        .find_map(|s| {
            let der = certbench_base::text::base64_decode(s).ok()?;
            ocsp::read_request(&der).ok().map(|_| der)
        })
}

/// `%XX` escapes undone; `None` when one is broken or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Why the body of a POST was not read.
enum Unreadable {
    TooBig,
    Broken,
    TooSlow,
}

/// A body that goes past [`MAX_REQUEST`] is read on, and dropped, up to this much before the
/// answer, so that a client still sending hears the answer instead of a reset connection.
const MAX_DRAIN: usize = 4 * 1024 * 1024;

/// The body of a POST, up to [`MAX_REQUEST`] bytes.
async fn read_body(mut body: Incoming) -> Result<Vec<u8>, Unreadable> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(Unreadable::Broken);
        };
        let Some(data) = frame.data_ref() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen <= MAX_REQUEST {
            kept.extend_from_slice(data);
        } else if seen > MAX_DRAIN {
            break;
        }
    }
    if seen > MAX_REQUEST {
        return Err(Unreadable::TooBig);
    }
    Ok(kept)
}

const OCSP_RESPONSE: &str = "application/ocsp-response";

async fn ocsp_answer(
    der: Result<Vec<u8>, Unreadable>,
    cache: &Arc<WorkspaceCache>,
) -> (StatusCode, &'static str, Bytes, Asked) {
    let refused = |status: ResponseStatus, unreadable: Option<String>, request| {
        (
            StatusCode::OK,
            OCSP_RESPONSE,
            Bytes::from(certbench_pki::ocsp::refusal(status)),
            Asked::Ocsp {
                request,
                unreadable,
                status,
                ca: None,
                signer: None,
                delegated: false,
                answers: vec![],
                next_update: None,
            },
        )
    };
    let der = match der {
        Ok(d) => d,
        Err(Unreadable::TooBig) => {
            return refused(
                ResponseStatus::MalformedRequest,
                Some(format!("larger than {MAX_REQUEST} bytes")),
                None,
            );
        }
        Err(Unreadable::Broken) => {
            return refused(
                ResponseStatus::MalformedRequest,
                Some("the request's body broke off".into()),
                None,
            );
        }
        Err(Unreadable::TooSlow) => {
            return refused(
                ResponseStatus::MalformedRequest,
                Some(format!(
                    "the request's body did not come within {} s",
                    IDLE.as_secs()
                )),
                None,
            );
        }
    };
    let request = match ocsp::read_request(&der) {
        Ok(r) => r,
        Err(e) => return refused(ResponseStatus::MalformedRequest, Some(e.to_string()), None),
    };
    if let Some(n) = &request.nonce {
        let len = ocsp::nonce_len(n).unwrap_or(n.len());
        if len == 0 || len > ocsp::MAX_NONCE {
            return refused(
                ResponseStatus::MalformedRequest,
                Some(format!(
                    "a nonce of {len} bytes (RFC 8954: 1 to {})",
                    ocsp::MAX_NONCE
                )),
                Some(request),
            );
        }
    }
    let cache = cache.clone();
    let asked = request.clone();
    let responded = tokio::task::spawn_blocking(move || {
        cache
            .get()?
            .ocsp_response(&asked, OffsetDateTime::now_utc())
    })
    .await;
    let responded: Responded = match responded {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let (status, ct, body, _) = refused(ResponseStatus::InternalError, None, None);
            return (
                status,
                ct,
                body,
                Asked::Failed {
                    error: e.to_string(),
                },
            );
        }
        Err(_) => return refused(ResponseStatus::InternalError, None, Some(request)),
    };
    let asked = Asked::Ocsp {
        request: Some(request),
        unreadable: None,
        status: responded.status,
        ca: responded.ca.clone(),
        signer: responded.signer.clone(),
        delegated: responded.delegated,
        answers: responded
            .answers
            .iter()
            .map(|a| AnswerLine {
                id: a.id.clone(),
                name: a.name.clone(),
                status: a.status.clone(),
            })
            .collect(),
        next_update: responded.times.and_then(|t| t.next_update),
    };
    (
        StatusCode::OK,
        OCSP_RESPONSE,
        Bytes::from(responded.der),
        asked,
    )
}

async fn crl_answer(ca: String, dir: &std::path::Path) -> (StatusCode, &'static str, Bytes, Asked) {
    let dir = dir.to_path_buf();
    let name = ca.clone();
    let made = tokio::task::spawn_blocking(move || {
        let mut ws = Workspace::open(&dir)?;
        let known = ws.entity(&name).is_some_and(|e| e.role.is_ca());
        if !known {
            return Ok(None);
        }
        ws.current_crl(&name, OffsetDateTime::now_utc()).map(Some)
    })
    .await;
    let ca_shown = certbench_base::text::display_safe(&ca, 80);
    match made {
        Ok(Ok(Some(der))) => (
            StatusCode::OK,
            "application/pkix-crl",
            Bytes::from(der),
            Asked::Crl { ca: ca_shown },
        ),
        Ok(Ok(None)) => (
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"no such CA in this workspace\n"),
            Asked::NoSuchCa { ca: ca_shown },
        ),
        Ok(Err(e)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"the CRL could not be made\n"),
            Asked::Failed {
                error: e.to_string(),
            },
        ),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain; charset=utf-8",
            Bytes::from_static(b"the CRL could not be made\n"),
            Asked::Failed {
                error: String::new(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_as_rfc_6960_appendix_a_lays_them_out() {
        assert_eq!(route(&Method::POST, "/anything"), Route::Ocsp(None));
        assert_eq!(route(&Method::GET, "/"), Route::Index);
        assert_eq!(route(&Method::GET, "/ca-1.crl"), Route::Crl("ca-1".into()));
        assert_eq!(route(&Method::GET, "/crl/ca.crl"), Route::Crl("ca".into()));
        assert_eq!(route(&Method::GET, "/nothing"), Route::NotFound);
        assert_eq!(route(&Method::PUT, "/"), Route::WrongMethod);
    }

    #[test]
    fn percent_decoding_refuses_broken_escapes() {
        assert_eq!(percent_decode("/a%2Bb%2F%3D").as_deref(), Some("/a+b/="));
        assert_eq!(percent_decode("/a%2"), None);
        assert_eq!(percent_decode("/a%zz"), None);
        assert_eq!(percent_decode("/%ff"), None);
    }
}
