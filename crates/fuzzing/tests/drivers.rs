#![allow(clippy::unwrap_used, clippy::panic)] // Test code: a failed unwrap is a failed test.
//! The fuzz targets' entry points on a stable toolchain, in every test run: their seed corpora
//! (fuzz/corpus/, the inputs that once crashed certbench among them) and a few thousand
//! pseudo-random inputs each. `cargo +nightly fuzz run user_text` (or `loader`) searches far
//! wider; this keeps what it found found.

use std::path::{Path, PathBuf};

use certbench_fuzzing::{loader, ocsp, user_text};

/// xorshift64: repeatable pseudo-random inputs (not cryptography).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The repository's root: fuzz/ is beside crates/.
fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = repo().join("fuzz/corpus").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "the seed corpus {} is part of the repository: {e}",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).unwrap();
            (f, bytes)
        })
        .collect()
}

/// Pieces of what people type, and of what breaks parsers.
const PIECES: &[&str] = &[
    "-",
    "+",
    "d",
    "h",
    "D",
    "0",
    "1",
    "7",
    "400",
    "9999",
    "36500",
    "99999999999999999",
    "106751991167301",
    "é",
    "日",
    "ü",
    "\u{1b}",
    "\u{7}",
    "\u{9b}",
    "\u{202e}",
    "\u{0}",
    " ",
    ":",
    "::",
    "/",
    "..",
    ".",
    "*",
    ",",
    "\n",
    "\t",
    "DNS:",
    "IP:",
    "email:",
    "uri:",
    "@",
    "spiffe://td/x",
    "localhost",
    "10.0.0.0",
    "/8",
    "/33",
    "fd00::",
    "2026-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "T",
    "Z",
    "now",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_AES_128_GCM_SHA256",
    "X25519MLKEM768",
    "x25519",
    "server",
    "client",
    "ca",
    "rsa2048",
    "keyCompromise",
    "serverAuth",
    "certbench journal 1",
    "put",
    "new",
    "move",
    "end",
    "-chain",
];

fn random_text(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(8) + 1 {
        if rng.below(10) == 0 {
            out.push(rng.next() as u8);
        } else {
            out.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes());
        }
    }
    out
}

/// The user_text target's seeds: the inputs that crashed certbench (issue 8), and one of each
/// kind a user types. The corpus must hold them; `CERTBENCH_FUZZ_SEEDS=1` writes them there.
const USER_TEXT_SEEDS: &[(&str, &str)] = &[
    ("crash-multibyte-offset", "-5é"),
    ("crash-multibyte-cjk", "+1日"),
    ("crash-duration-overflow", "+106751991167301d"),
    ("crash-days-overflow", "+99999999999999999d"),
    ("crash-year-9999", "9999-12-31T23:59:59Z"),
    ("crash-year-minus-711", "-1000000d"),
    ("time-offsets", "-400d,+2d,-1h,now"),
    (
        "sans",
        "localhost,127.0.0.1,::1,email:a@b.example,uri:spiffe://td/web,DNS:*.example.com",
    ),
    ("cidrs", "10.0.0.0/8,fd00::/8,10.0.0.0/33"),
    ("names", "web-1.internal\n../escaped\nserver-chain\n.hidden"),
    (
        "suites",
        "ECDHE-ECDSA-AES128-GCM-SHA256,TLS_AES_128_GCM_SHA256,tls_chacha20_poly1305_sha256",
    ),
    ("groups", "X25519MLKEM768,x25519,secp256r1,SECP384R1"),
    ("days", "365,0,-3,36501,1e3"),
    ("hostile", "\u{1b}]0;owned\u{7}\u{9b}31m\u{202e}evil\r\n"),
    (
        "request",
        "bob\nBob Builder\nAcme\nDE\nbob.example,10.0.0.1\n-400d\n365\nintermediate",
    ),
    (
        "journal",
        "certbench journal 1\nput\t.certbench-1.tmp\tca.crt\t1\t0000000000000000000000000000000000000000000000000000000000000000\nmove\tca.crt\treplaced/x/ca.crt\nend\n",
    ),
    (
        "journal-escape",
        "certbench journal 1\nput\t.certbench-1.tmp\t../ca.crt\t1\t0000000000000000000000000000000000000000000000000000000000000000\nend\n",
    ),
];

#[test]
fn the_user_text_target_holds_on_its_seeds_and_on_random_text() {
    let dir = repo().join("fuzz/corpus/user_text");
    if std::env::var_os("CERTBENCH_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in USER_TEXT_SEEDS {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    for (name, text) in USER_TEXT_SEEDS {
        let kept = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert_eq!(&kept, text, "the corpus keeps the seed {name}");
    }
    for (file, bytes) in corpus("user_text") {
        let r = std::panic::catch_unwind(|| user_text(&bytes));
        assert!(r.is_ok(), "the seed {} fails", file.display());
    }
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for _ in 0..5_000 {
        user_text(&random_text(&mut rng));
    }
}

/// A real certificate, CRL and CSR in DER and PEM, for the loader's mutations.
fn real_items() -> Vec<Vec<u8>> {
    corpus("loader")
        .into_iter()
        .map(|(_, b)| b)
        .filter(|b| b.len() > 100)
        .collect()
}

#[test]
fn the_loader_target_holds_on_its_seeds_and_on_damaged_certificates() {
    for (file, bytes) in corpus("loader") {
        let r = std::panic::catch_unwind(|| loader(&bytes));
        assert!(r.is_ok(), "the seed {} fails", file.display());
    }
    let items = real_items();
    let mut rng = Rng(0xdec0_de5e_ed00_0001);
    for _ in 0..1_500 {
        let mut b = items[rng.below(items.len())].clone();
        match rng.below(4) {
            // Flip some bytes.
            0 => {
                for _ in 0..rng.below(8) + 1 {
                    let at = rng.below(b.len());
                    b[at] ^= 1 << rng.below(8);
                }
            }
            // Cut it short.
            1 => b.truncate(rng.below(b.len())),
            // Splice another item into it.
            2 => {
                let other = &items[rng.below(items.len())];
                let at = rng.below(b.len());
                let from = rng.below(other.len());
                b.splice(at..at, other[from..].iter().copied().take(rng.below(200)));
            }
            // Set a length byte to something large.
            _ => {
                let at = rng.below(b.len());
                b[at] = [0x81, 0x82, 0x84, 0xff][rng.below(4)];
            }
        }
        loader(&b);
    }
}

#[test]
fn the_observer_target_holds_on_its_seeds() {
    // Real TLS 1.3 and 1.2 handshakes with their secrets (crates/tls/tests/handshake_wire.rs writes them).
    for (file, bytes) in corpus("observer") {
        let seen = certbench_wire::observe::exercise(&bytes);
        assert!(seen > 10, "{} is read whole: {seen} steps", file.display());
    }
}

#[test]
fn the_ocsp_target_holds_on_its_seeds_and_on_damaged_messages() {
    let seeds = corpus("ocsp");
    assert!(seeds.len() >= 6, "the OCSP seeds are in fuzz/corpus/ocsp");
    for (file, bytes) in &seeds {
        let r = std::panic::catch_unwind(|| ocsp(bytes));
        assert!(r.is_ok(), "the seed {} fails", file.display());
    }
    // The seeds read as what their names say (openssl made them).
    for (file, bytes) in &seeds {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("request") {
            assert!(certbench_x509::ocsp::read_request(bytes).is_ok(), "{name}");
        } else {
            assert!(certbench_x509::ocsp::read_response(bytes).is_ok(), "{name}");
        }
    }
    let mut rng = Rng(0x0c5b_0c5b_0c5b_0001);
    for _ in 0..2_000 {
        let mut b = seeds[rng.below(seeds.len())].1.clone();
        match rng.below(3) {
            0 => {
                for _ in 0..rng.below(8) + 1 {
                    let at = rng.below(b.len());
                    b[at] ^= 1 << rng.below(8);
                }
            }
            1 => b.truncate(rng.below(b.len())),
            _ => {
                let at = rng.below(b.len());
                b[at] = [0x81, 0x82, 0x84, 0xff][rng.below(4)];
            }
        }
        ocsp(&b);
    }
}
