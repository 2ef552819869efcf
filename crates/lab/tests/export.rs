#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! Saving a run (`w` in the Handshake pane): the files it writes, as a user finds them.

use certbench_pki::workspace::{SetOptions, Workspace};
use certbench_tls::run::{RunOptions, run};

fn demo_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    Workspace::open(dir.path())
        .unwrap()
        .gen_set(
            &SetOptions::default(),
            false,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
    dir
}

/// What `w` saves after a run: the transcript, the key log and a capture, the two with
/// secrets mode 0600; the capture is pcapng (its magic) with a Decryption Secrets Block
/// holding the key log, before its packets. (tests/tshark.rs reads such captures with tshark.)
#[test]
fn a_saved_run_has_its_capture_with_the_secrets_inside() {
    let dir = demo_workspace();
    let opts = RunOptions::new(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let summary = rt.block_on(run(&opts, tx)).unwrap();
    assert!(summary.ok());
    let mut events = vec![];
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    let saved = certbench_lab::export::export_run(
        &dir.path().join("handshakes"),
        &summary,
        &events,
        None,
        None,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let pcap = saved.pcap.expect("a loopback run keeps its bytes");
    let bytes = std::fs::read(&pcap).unwrap();
    assert_eq!(
        &bytes[..4],
        &[0x0a, 0x0d, 0x0d, 0x0a],
        "a pcapng section header"
    );
    let keylog = std::fs::read_to_string(&saved.keylog).unwrap();
    let dsb_at = bytes
        .windows(4)
        .position(|w| w == [0x0a, 0, 0, 0])
        .expect("a Decryption Secrets Block");
    let first_packet = bytes
        .windows(4)
        .position(|w| w == [0x06, 0, 0, 0])
        .expect("packets");
    assert!(dsb_at < first_packet);
    let inside = String::from_utf8_lossy(&bytes);
    for line in keylog.lines() {
        assert!(inside.contains(line), "{line} is not in the capture");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [&pcap, &saved.keylog] {
            let mode = std::fs::metadata(f).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", f.display());
        }
    }
}
