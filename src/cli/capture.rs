//! `--pcap FILE` for the commands that see many connections (`serve`, `relay`): a pcapng file
//! each connection is appended to when it ends, its secrets in a Decryption Secrets Block before
//! its packets, so Wireshark and tshark open it decrypted with nothing else.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::out::errln;

pub struct Capture {
    file: std::fs::File,
    path: PathBuf,
}

impl Capture {
    /// A new capture file (mode 0600), with its header; `--pcap`'s path checked before.
    pub fn start(path: &Path) -> Result<Capture, String> {
        let mut file =
            certbench_base::fsutil::open_private_append(path).map_err(|e| e.to_string())?;
        let header = certbench_wire::pcap::header().map_err(|e| e.to_string())?;
        file.write_all(&header).map_err(|e| e.to_string())?;
        Ok(Capture {
            file,
            path: path.to_path_buf(),
        })
    }
}

/// A connection that ended, into the capture; a failed write is said once, and the capture
/// ends (the command goes on without it).
pub fn append(capture: &mut Option<Capture>, wire: &certbench_wire::pcap::Wire, keylog: &[String]) {
    let Some(c) = capture.as_mut() else {
        return;
    };
    let written = certbench_wire::pcap::connection(wire, keylog)
        .map_err(|e| e.to_string())
        .and_then(|blocks| c.file.write_all(&blocks).map_err(|e| e.to_string()));
    if let Err(e) = written {
        errln!(
            "certbench: could not write the capture {}: {e}; going on without it",
            c.path.display()
        );
        *capture = None;
    }
}
