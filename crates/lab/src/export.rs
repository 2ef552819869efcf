//! What a run leaves behind when asked: the JSON transcript, the key log in SSLKEYLOGFILE format
//! (so Wireshark and tshark decrypt the same connection), and the certificates each side sent.
//! Files are written whole or not at all, the key log mode 0600, and nothing is overwritten.

use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use certbench_base::fsutil::{FileWrite, write_files};
use certbench_tls::run::{Event, Summary};

/// The JSON transcript: the summary's fields (the failure with its explanation and fix in
/// words), then every event.
pub struct Transcript<'a> {
    pub summary: &'a Summary,
    pub events: &'a [Event],
    /// The lesson and the fix (`crate::explain`).
    pub explained: &'a crate::Explained,
    /// The lab scenario that was run, and whether it went as designed.
    pub scenario: Option<ScenarioResult<'a>>,
    /// Who proved what to whom (a loopback run, where both sides are certbench's).
    pub proofs: Option<&'a certbench_tls::proof::Proofs>,
}

/// A scenario's run, as the transcript reports it.
#[derive(Serialize)]
pub struct ScenarioResult<'a> {
    pub name: &'static str,
    pub title: &'a str,
    pub as_designed: bool,
    pub mismatches: &'a [crate::Mismatch],
}

impl Serialize for Transcript<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let sm = self.summary;
        let mut m = s.serialize_map(None)?;
        if let Some(sc) = &self.scenario {
            m.serialize_entry("scenario", sc)?;
        }
        m.serialize_entry("ok", &sm.ok())?;
        m.serialize_entry("version", &sm.version)?;
        m.serialize_entry("cipher_suite", &sm.cipher_suite)?;
        m.serialize_entry("group", &sm.group)?;
        m.serialize_entry("client_identity", &sm.client_identity)?;
        m.serialize_entry("response", &sm.response)?;
        m.serialize_entry("lesson", &self.explained.lesson)?;
        m.serialize_entry(
            "failure",
            &FailureWithWords::of(sm.failure(), self.explained),
        )?;
        if let Some(p) = self.proofs {
            m.serialize_entry("proofs", p)?;
        }
        m.serialize_entry("events", self.events)?;
        m.end()
    }
}

/// Who proved what, for a run that worked and whose both sides are certbench's (the client's
/// verdict on the server is in its events; a served connection's is not).
pub fn loopback_proofs(
    summary: &Summary,
    events: &[Event],
) -> Option<certbench_tls::proof::Proofs> {
    let p = certbench_tls::proof::proofs(events);
    (summary.ok() && p.server.is_some()).then_some(p)
}

/// One connection `serve` handled: its record (outcome, client, authorization, bytes, times),
/// the failure with its words, and every event.
pub struct ConnectionTranscript<'a> {
    pub connection: &'a certbench_tls::serve::Connection,
    /// The events; `None` leaves them out (a log's line).
    pub events: Option<&'a [Event]>,
    pub explained: &'a crate::Explained,
}

impl Serialize for ConnectionTranscript<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.connection;
        ConnectionJson {
            connection: c,
            lesson: self.explained.lesson.as_deref(),
            failure: FailureWithWords::of(c.failure.as_ref(), self.explained),
            events: self.events,
            events_dropped: self.events.map(|_| c.events_dropped),
            plaintext_trimmed: self.events.map(|_| c.plaintext_trimmed),
        }
        .serialize(s)
    }
}

#[derive(Serialize)]
struct ConnectionJson<'a> {
    #[serde(flatten)]
    connection: &'a certbench_tls::serve::Connection,
    lesson: Option<&'a str>,
    failure: Option<FailureWithWords<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<&'a [Event]>,
    /// Events not kept (over the cap per connection).
    #[serde(skip_serializing_if = "Option::is_none")]
    events_dropped: Option<u64>,
    /// Application data kept without its plaintext (over the byte budget per connection).
    #[serde(skip_serializing_if = "Option::is_none")]
    plaintext_trimmed: Option<u64>,
}

/// A failure, with its words for people next to its data.
#[derive(Serialize)]
struct FailureWithWords<'a> {
    #[serde(flatten)]
    failure: &'a certbench_tls::run::Failure,
    explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lesson: Option<&'a str>,
    fix: Option<&'a str>,
}

impl<'a> FailureWithWords<'a> {
    fn of(
        failure: Option<&'a certbench_tls::run::Failure>,
        explained: &'a crate::Explained,
    ) -> Option<FailureWithWords<'a>> {
        failure.map(|f| FailureWithWords {
            failure: f,
            explanation: certbench_cause::describe(&f.cause),
            lesson: explained.lesson.as_deref(),
            fix: explained.fix.as_deref(),
        })
    }
}

/// The key log's text: one SSLKEYLOGFILE line per secret.
pub fn keylog_text(summary: &Summary) -> String {
    summary
        .keylog
        .lines()
        .iter()
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The certificates a Certificate event carried (or a verdict judged), as one PEM bundle.
pub fn certificates_pem(event: &Event) -> Option<String> {
    let certs = event.certificates();
    (!certs.is_empty()).then(|| {
        certs
            .iter()
            .map(|der| certbench_base::text::pem("CERTIFICATE", der))
            .collect()
    })
}

/// Why a run's files could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    #[error(transparent)]
    Write(#[from] certbench_base::fsutil::FsError),
    #[error("cannot write the transcript: {0}")]
    Json(#[from] serde_json::Error),
    #[error("this step carries no certificate")]
    NoCertificate,
    #[error("cannot make the capture: {0}")]
    Capture(#[from] certbench_wire::pcap::PcapError),
}

/// Where a run's files went.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub transcript: PathBuf,
    pub keylog: PathBuf,
    /// The run as pcapng with the key log inside, when the run kept its bytes.
    pub pcap: Option<PathBuf>,
    /// The page of the run, when one was given to save.
    pub page: Option<PathBuf>,
}

pub use certbench_base::fsutil::{free_path, with_suffix};

/// Write the transcript and the key log of a run (of a lab scenario, if it was one) into `dir`
/// (made if missing), under new names; its capture when it kept its bytes, and its page (HTML)
/// when one is given.
pub fn export_run(
    dir: &Path,
    summary: &Summary,
    events: &[Event],
    scenario: Option<&'static crate::Scenario>,
    page: Option<Vec<u8>>,
    at: OffsetDateTime,
) -> Result<Exported, ExportError> {
    let base = free_path(
        dir,
        "handshake",
        &[".json", ".keylog", ".pcapng", ".html"],
        at,
    );
    let transcript = with_suffix(&base, ".json");
    let keylog = with_suffix(&base, ".keylog");
    // A run that kept no bytes (it failed before the connection) has no capture.
    let capture = match certbench_wire::pcap::pcapng(&summary.wire, summary.keylog.lines()) {
        Ok(bytes) => Some((with_suffix(&base, ".pcapng"), bytes)),
        Err(certbench_wire::pcap::PcapError::Empty) => None,
        Err(e) => return Err(e.into()),
    };
    let explained = crate::explain(summary, scenario, events);
    let mismatches = scenario
        .map(|s| crate::check(s, summary, events))
        .unwrap_or_default();
    let proofs = loopback_proofs(summary, events);
    let json = serde_json::to_vec_pretty(&Transcript {
        summary,
        events,
        explained: &explained,
        scenario: scenario.map(|s| ScenarioResult {
            name: s.name,
            title: &crate::words(s).title,
            as_designed: mismatches.is_empty(),
            mismatches: &mismatches,
        }),
        proofs: proofs.as_ref(),
    })?;
    let mut files = vec![
        FileWrite::public(&transcript, json),
        // Secrets: whoever has them reads the connection (the capture holds them too).
        FileWrite::private(&keylog, keylog_text(summary)),
    ];
    if let Some((path, bytes)) = &capture {
        files.push(FileWrite::private(path, bytes.clone()));
    }
    // The page shows the run's secrets too.
    let page = page.map(|html| (with_suffix(&base, ".html"), html));
    if let Some((path, html)) = &page {
        files.push(FileWrite::private(path, html.clone()));
    }
    write_files(&files, false)?;
    Ok(Exported {
        transcript,
        keylog,
        pcap: capture.map(|(p, _)| p),
        page: page.map(|(p, _)| p),
    })
}

/// Write the certificate at fault in a failed run as PEM into `dir`, under a new name, followed
/// by the rest of the chain the peer sent.
pub fn export_culprit(
    dir: &Path,
    culprit: &certbench_tls::run::Culprit,
    with_anchors: bool,
    at: OffsetDateTime,
) -> Result<PathBuf, ExportError> {
    let base = free_path(
        dir,
        &format!("{}-culprit", culprit.side.name()),
        &[".pem"],
        at,
    );
    let path = with_suffix(&base, ".pem");
    write_files(
        &[FileWrite::public(
            &path,
            // The culprit first (the Inspector opens at it), then the chain it came with, then
            // (for a lab run, whose CAs are nowhere else) what the judging side trusted.
            std::iter::once(culprit.der.as_slice())
                .chain(culprit.others.iter().map(Vec::as_slice))
                .chain(
                    culprit
                        .anchors
                        .iter()
                        .filter(|_| with_anchors)
                        .map(Vec::as_slice),
                )
                .map(|der| certbench_base::text::pem("CERTIFICATE", der))
                .collect::<String>(),
        )],
        false,
    )?;
    Ok(path)
}

/// Write the certificates of `event` as a PEM bundle into `dir`, under a new name.
/// The OCSP response a step carries (a server's staple), saved as DER beside its certificates
/// (`inspect` and the Inspect pane read it field by field); `None` when it carries none.
pub fn export_staple(
    dir: &Path,
    event: &Event,
    at: OffsetDateTime,
) -> Result<Option<PathBuf>, ExportError> {
    let Some(der) = event.staple() else {
        return Ok(None);
    };
    let base = free_path(dir, "server-ocsp-staple", &[".der"], at);
    let path = with_suffix(&base, ".der");
    write_files(&[FileWrite::public(&path, der.to_vec())], false)?;
    Ok(Some(path))
}

pub fn export_certificates(
    dir: &Path,
    event: &Event,
    at: OffsetDateTime,
) -> Result<PathBuf, ExportError> {
    let pem = certificates_pem(event).ok_or(ExportError::NoCertificate)?;
    // A verdict's certificate is its peer's.
    let who = match &event.kind {
        certbench_tls::event::EventKind::Verdict(certbench_tls::event::Verdict::Chain {
            peer,
            ..
        }) => peer.name(),
        _ => event.side.name(),
    };
    let base = free_path(dir, &format!("{who}-certificates"), &[".pem"], at);
    let path = with_suffix(&base, ".pem");
    write_files(&[FileWrite::public(&path, pem)], false)?;
    Ok(path)
}
