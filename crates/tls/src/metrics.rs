//! `serve --metrics`: what a monitoring system scrapes, in Prometheus's text format, made with
//! the official client library: handshakes by outcome and cause, a handshake latency histogram,
//! the connections open now, and the days until each served and trusted certificate expires.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::Bytes;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use time::OffsetDateTime;
use tokio::net::TcpListener;

use crate::material::Material;
use crate::serve::Connection;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
    /// The failure's cause code; empty when none.
    cause: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CertificateLabels {
    /// `served` (the server's chain) or `trusted` (an anchor clients are verified against).
    role: String,
    subject: String,
}

/// A certificate watched for its expiry.
struct Watched {
    labels: CertificateLabels,
    not_after: OffsetDateTime,
}

/// The server's metrics, updated as connections end.
pub struct Metrics {
    registry: Registry,
    connections: Family<OutcomeLabels, Counter>,
    handshake_seconds: Histogram,
    active: Gauge,
    expiry_days: Family<CertificateLabels, Gauge<f64, AtomicU64>>,
    watched: Vec<Watched>,
    /// Encoding reads the gauges as they are: one scrape at a time.
    scrape: Mutex<()>,
}

impl Metrics {
    /// Metrics for a server with `material`: its chain is served, its anchors trusted.
    pub fn new(material: &Material) -> Metrics {
        let mut registry = Registry::with_prefix("certbench");
        let connections = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "connections",
            "Connections ended, by outcome and by the failure's cause",
            connections.clone(),
        );
        // 0.25 ms to about 4 s.
        let handshake_seconds = Histogram::new(exponential_buckets(0.00025, 2.0, 15));
        registry.register(
            "handshake_duration_seconds",
            "From the accept to the end of a successful handshake",
            handshake_seconds.clone(),
        );
        let active = Gauge::default();
        registry.register("connections_active", "Connections open now", active.clone());
        let expiry_days = Family::<CertificateLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "certificate_expiry_days",
            "Days until a served or trusted certificate expires (negative: expired)",
            expiry_days.clone(),
        );
        let mut watched = Vec::new();
        let served = material.server.iter().flat_map(|i| i.chain.iter());
        let trusted = material.server_trusts.iter().map(|a| &a.der);
        for (role, der) in served
            .map(|d| ("served", d))
            .chain(trusted.map(|d| ("trusted", d)))
        {
            if let Ok(b) = certbench_x509::report::brief(der) {
                watched.push(Watched {
                    labels: CertificateLabels {
                        role: role.into(),
                        subject: b.subject,
                    },
                    not_after: b.not_after,
                });
            }
        }
        Metrics {
            registry,
            connections,
            handshake_seconds,
            active,
            expiry_days,
            watched,
            scrape: Mutex::new(()),
        }
    }

    pub fn accepted(&self) {
        self.active.inc();
    }

    pub fn finished(&self, c: &Connection) {
        self.active.dec();
        let cause = c
            .failure
            .as_ref()
            .map(|f| &f.cause)
            .or(c.http_cause.as_ref())
            .map(|cause| cause.code().to_string())
            .unwrap_or_default();
        self.connections
            .get_or_create(&OutcomeLabels {
                outcome: c.outcome.code().to_string(),
                cause,
            })
            .inc();
        if c.handshake_ok() {
            self.handshake_seconds.observe(c.handshake_ms / 1000.0);
        }
    }

    /// The text a scrape gets, with the expiry gauges as of `now`.
    pub fn encode(&self, now: OffsetDateTime) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        for w in &self.watched {
            let days = (w.not_after - now).as_seconds_f64() / 86_400.0;
            self.expiry_days.get_or_create(&w.labels).set(days);
        }
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Serve `metrics` over plain HTTP/1.1 on `listener` (any path) until `shutdown` completes.
pub async fn serve_metrics(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    // A few scrapes at once, each quick: the endpoint cannot take the server's descriptors.
    let limit = Arc::new(tokio::sync::Semaphore::new(8));
    loop {
        let permit = tokio::select! {
            p = limit.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            () = &mut shutdown => return,
        };
        let tcp = tokio::select! {
            a = listener.accept() => match a {
                Ok((tcp, _)) => tcp,
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |_req| {
                let body = metrics.encode(OffsetDateTime::now_utc());
                async move {
                    let mut r = hyper::Response::new(Full::new(Bytes::from(body)));
                    r.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static(
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        ),
                    );
                    Ok::<_, std::convert::Infallible>(r)
                }
            });
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(std::time::Duration::from_secs(5))
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), service),
            )
            .await;
        });
    }
}

/// Bind the metrics address.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
