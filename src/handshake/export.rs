//! What a run leaves behind when asked: the JSON transcript, the key log in SSLKEYLOGFILE format
//! (so Wireshark and tshark decrypt the same connection), and the certificates each side sent.
//! Files are written whole or not at all, the key log mode 0600, and nothing is overwritten.

use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use super::run::{Event, Summary};
use crate::fsutil::{FileWrite, write_files};

/// The JSON transcript: the summary's fields, then every event.
#[derive(Serialize)]
pub struct Transcript<'a> {
    #[serde(flatten)]
    pub summary: &'a Summary,
    pub events: &'a [Event],
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
    let certs = event.details.certificates();
    (!certs.is_empty()).then(|| {
        certs
            .iter()
            .map(|der| crate::text::pem("CERTIFICATE", der))
            .collect()
    })
}

/// Where a run's files went.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub transcript: PathBuf,
    pub keylog: PathBuf,
}

pub use crate::fsutil::{free_path, with_suffix};

/// Write the transcript and the key log of a run into `dir` (made if missing), under new names.
pub fn export_run(
    dir: &Path,
    summary: &Summary,
    events: &[Event],
    at: OffsetDateTime,
) -> Result<Exported, String> {
    let base = free_path(dir, "handshake", &[".json", ".keylog"], at);
    let transcript = with_suffix(&base, ".json");
    let keylog = with_suffix(&base, ".keylog");
    let json = serde_json::to_vec_pretty(&Transcript { summary, events })
        .map_err(|e| format!("cannot write the transcript: {e}"))?;
    write_files(
        &[
            FileWrite::public(&transcript, json),
            // Secrets: whoever has them reads the connection.
            FileWrite::private(&keylog, keylog_text(summary)),
        ],
        false,
    )
    .map_err(|e| e.to_string())?;
    Ok(Exported { transcript, keylog })
}

/// Write the certificates of `event` as a PEM bundle into `dir`, under a new name.
pub fn export_certificates(
    dir: &Path,
    event: &Event,
    at: OffsetDateTime,
) -> Result<PathBuf, String> {
    let pem = certificates_pem(event).ok_or("this step carries no certificate")?;
    let who = event.from.or(event.side).unwrap_or("peer");
    let base = free_path(dir, &format!("{who}-certificates"), &[".pem"], at);
    let path = with_suffix(&base, ".pem");
    write_files(&[FileWrite::public(&path, pem)], false).map_err(|e| e.to_string())?;
    Ok(path)
}
