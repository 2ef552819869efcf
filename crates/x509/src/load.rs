//! Reading what a user points at: files and folders; PEM bundles (text between blocks ignored),
//! DER; certificates, CRLs and CSRs. Every bad item becomes one error with its place; the good
//! ones still load.

use std::path::{Path, PathBuf};

use ::time::OffsetDateTime;
use x509_parser::prelude::*;

use crate::error::{Container, DecodeError, IoProblem, LoadError};
use crate::lints::{LintContext, lint};
use crate::report::{CertReport, decode};
use certbench_base::parallel::map as parallel_map;
use certbench_base::text::display_safe;

/// The largest file read (a bundle of 10,000 certificates is about 20 MB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The most bytes one load reads, all files together.
pub const MAX_TOTAL_BYTES: u64 = 1024 * 1024 * 1024;
/// The most items one load keeps: certificates, CRLs, CSRs and errors together (a bundle of
/// 10,000 certificates is a tenth of it). Beyond it, memory would grow with whatever a file holds.
pub const MAX_ITEMS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Certificate,
    Crl,
    Csr,
    OcspRequest,
    OcspResponse,
}

/// One thing found: where it is and what it is, or why it could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub source: PathBuf,
    /// Its position in the file (0 for the first block).
    pub index: usize,
    pub kind: Option<Kind>,
    pub der: Vec<u8>,
    pub result: Result<Decoded, LoadError>,
}

impl Item {
    /// A file in a folder that holds nothing to read: shown as passed over, never as an error.
    pub fn passed_over(&self) -> bool {
        matches!(self.result, Err(LoadError::PassedOver(_)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Certificate(Box<CertReport>),
    Crl(CrlReport),
    Csr(CsrReport),
    Ocsp(Box<OcspReport>),
}

/// An OCSP request or response (DER files; openssl ocsp -reqout/-respout write them), read
/// field by field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OcspReport {
    pub message: crate::ocsp::tree::Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<crate::ocsp::Request>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<crate::ocsp::Response>,
    /// Every field with the byte range it occupies.
    pub fields: Vec<crate::tree::FieldNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CrlReport {
    pub issuer: String,
    #[serde(with = "::time::serde::rfc3339")]
    pub this_update: OffsetDateTime,
    #[serde(with = "::time::serde::rfc3339::option")]
    pub next_update: Option<OffsetDateTime>,
    pub revoked: Vec<RevokedInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevokedInfo {
    pub serial: String,
    #[serde(with = "::time::serde::rfc3339")]
    pub revoked_at: OffsetDateTime,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CsrReport {
    pub subject: String,
    pub public_key: crate::report::PublicKeyInfo,
    pub signature_algorithm: crate::report::SignatureAlgorithm,
    /// The extensions it asks the CA to put in the certificate (PKCS#9 extensionRequest), by
    /// name, and the values a person checks first, as a certificate shows them.
    pub requested_extensions: Vec<String>,
    pub subject_alt_names: Vec<String>,
    pub key_usage: Vec<crate::report::KeyUsageBit>,
    pub extended_key_usage: Vec<crate::report::KeyPurpose>,
}

/// Where Linux distributions and macOS keep the system's trusted roots, most common first.
pub const SYSTEM_STORES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

/// The system trust store's bundle, if there is one.
pub fn system_store() -> Option<PathBuf> {
    SYSTEM_STORES.iter().map(PathBuf::from).find(|p| p.exists())
}

/// What is left of a load's allowance.
struct Budget {
    bytes: u64,
    items: usize,
    /// Set when the allowance ran out: the first path not read, for the message.
    stopped_at: Option<PathBuf>,
    /// Folders read already (device and inode): a link back up the tree is read once.
    folders: std::collections::HashSet<(u64, u64)>,
}

/// Read every path: files directly, folders recursively (in name order). Only regular files are
/// read (a FIFO would wait for ever, a device never ends); one load reads at most
/// [`MAX_TOTAL_BYTES`] and keeps at most [`MAX_ITEMS`], and says what it skipped.
pub fn load_paths(paths: &[PathBuf]) -> Vec<Item> {
    let mut out = Vec::new();
    let mut budget = Budget {
        bytes: MAX_TOTAL_BYTES,
        items: MAX_ITEMS,
        stopped_at: None,
        folders: std::collections::HashSet::new(),
    };
    for p in paths {
        load_path(p, &mut out, 0, &mut budget);
    }
    if let Some(at) = budget.stopped_at {
        out.push(Item {
            source: at,
            index: 0,
            kind: None,
            der: vec![],
            result: Err(LoadError::OverBudget {
                max_items: MAX_ITEMS,
                max_mb: MAX_TOTAL_BYTES >> 20,
            }),
        });
    }
    out
}

fn load_path(path: &Path, out: &mut Vec<Item>, depth: usize, budget: &mut Budget) {
    if budget.stopped_at.is_some() {
        return;
    }
    let error = |e: LoadError| Item {
        source: path.to_path_buf(),
        index: 0,
        kind: None,
        der: vec![],
        result: Err(e),
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return out.push(error(LoadError::Read(IoProblem::from(&e)))),
    };
    if meta.is_dir() {
        if depth > 16 {
            return out.push(error(LoadError::TooDeep));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if !budget.folders.insert((meta.dev(), meta.ino())) {
                return out.push(error(LoadError::FolderLoop));
            }
        }
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => return out.push(error(LoadError::ListFolder(IoProblem::from(&e)))),
        };
        entries.sort();
        for e in entries {
            let hidden = e
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden {
                load_path(&e, out, depth + 1, budget);
            }
        }
        return;
    }
    if !meta.is_file() {
        return out.push(error(LoadError::NotAFile(special_file_kind(&meta))));
    }
    if meta.len() > MAX_FILE_BYTES {
        return out.push(error(LoadError::TooLarge {
            size_mb: meta.len() >> 20,
            max_mb: MAX_FILE_BYTES >> 20,
        }));
    }
    if meta.len() > budget.bytes || budget.items == 0 {
        budget.stopped_at = Some(path.to_path_buf());
        return;
    }
    let bytes = match read_regular_file(path) {
        Ok(b) => b,
        Err(e) => return out.push(error(LoadError::Read(IoProblem::from(&e)))),
    };
    budget.bytes = budget.bytes.saturating_sub(bytes.len() as u64);
    let (mut items, complete) = load_bytes_within(path, &bytes, budget.items);
    // In a folder, a file with nothing to read is passed over: keys and notes live there too.
    if depth > 0
        && let [item] = items.as_mut_slice()
        && let Err(e) = &mut item.result
        && e.is_not_for_us()
    {
        let why = std::mem::replace(e, LoadError::Empty);
        *e = LoadError::PassedOver(Box::new(why));
    }
    budget.items = budget.items.saturating_sub(items.len());
    out.extend(items);
    if !complete {
        budget.stopped_at = Some(path.to_path_buf());
    }
}

/// What a file that is not a regular file is, in words.
fn special_file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_dir() {
            return "a folder";
        }
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    let _ = meta;
    "a special file"
}

/// A regular file's bytes, at most [`MAX_FILE_BYTES`]: checked again on the open file, as the
/// path may have been replaced by something else since it was looked at.
pub fn read_regular_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        // Opening a FIFO for reading waits for a writer; O_NONBLOCK does not.
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{}, not a regular file",
            special_file_kind(&meta)
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 30));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "it grew past the {} MB certbench reads",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// Everything in one file's bytes.
pub fn load_bytes(source: &Path, bytes: &[u8]) -> Vec<Item> {
    load_bytes_within(source, bytes, MAX_ITEMS).0
}

/// Everything in one file's bytes, at most `max_items` of it; and whether that was all.
fn load_bytes_within(source: &Path, bytes: &[u8], max_items: usize) -> (Vec<Item>, bool) {
    let item = |index, kind, der: Vec<u8>, result| Item {
        source: source.to_path_buf(),
        index,
        kind,
        der,
        result,
    };
    if max_items == 0 {
        return (vec![], bytes.is_empty());
    }
    if memchr::memmem::find(bytes, b"-----BEGIN ").is_some() {
        let (blocks, complete) = pem_blocks(bytes, max_items);
        let mut skipped = Vec::new();
        let mut work = Vec::new();
        let mut out = Vec::new();
        for (index, block) in blocks.into_iter().enumerate() {
            let kind = match block.label.as_str() {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    Some(Kind::Certificate)
                }
                "X509 CRL" => Some(Kind::Crl),
                "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Some(Kind::Csr),
                _ => None,
            };
            match (kind, &block.body) {
                (None, Ok(_)) => {
                    if skipped.len() < 8 {
                        skipped.push(display_safe(&block.label, 40));
                    }
                }
                (None, Err(e)) => out.push(item(index, None, vec![], Err(e.clone()))),
                (Some(k), _) => work.push((index, k, block)),
            }
        }
        // A bundle often holds one certificate many times (the same roots gathered from several
        // stores): each distinct block is decoded once, and its copies share the result. The
        // whole text is hashed (seeded per process: a crafted file cannot pile its blocks into
        // one bucket) and compared; a block whose text is broken is its own.
        let mut seen: std::collections::HashMap<
            (Kind, &str, &[u8]),
            usize,
            foldhash::fast::RandomState,
        > = std::collections::HashMap::default();
        let mut distinct: Vec<(Kind, &PemBlock)> = Vec::new();
        let of: Vec<usize> = work
            .iter()
            .map(|(_, k, block)| {
                let mut new = || {
                    distinct.push((*k, block));
                    distinct.len() - 1
                };
                match &block.body {
                    Ok(text) => *seen
                        .entry((*k, block.label.as_str(), text.as_slice()))
                        .or_insert_with(new),
                    Err(_) => new(),
                }
            })
            .collect();
        drop(seen);
        let decode = |k: Kind, block: &PemBlock| match block.der() {
            Err(e) => (vec![], Err(e)),
            Ok(der) => {
                // A TRUSTED CERTIFICATE has openssl's trust settings after the certificate.
                let der = if block.label == "TRUSTED CERTIFICATE" {
                    first_tlv(&der)
                } else {
                    der
                };
                let result = decode_kind(k, &der).map_err(LoadError::from);
                (der, result)
            }
        };
        // Each distinct block decodes on its own (base64, then DER): spread them over the cores.
        // Results come back with their block's number (a lost one stays lost, never shifts).
        let n = distinct.len();
        let mut decoded: Vec<Option<Decoding>> = (0..n).map(|_| None).collect();
        let numbered: Vec<(usize, (Kind, &PemBlock))> = distinct.into_iter().enumerate().collect();
        for (d, r) in parallel_map(numbered, |(d, (k, block))| (d, decode(k, block))) {
            decoded[d] = Some(r);
        }
        // Copies share a result only when their bytes decoded: an error in a block's text names
        // that copy's own line. A block's last copy takes the result; the others get clones (on
        // every core).
        let mut first = vec![usize::MAX; n];
        let mut last = vec![usize::MAX; n];
        for (w, &d) in of.iter().enumerate() {
            first[d] = first[d].min(w);
            last[d] = w;
        }
        let copies: Vec<usize> = (0..work.len()).filter(|&w| last[of[w]] != w).collect();
        let shared = |d: usize| decoded[d].as_ref().filter(|(der, _)| !der.is_empty());
        let mut cloned = parallel_map(copies, |w| {
            let (index, k, block) = &work[w];
            let (der, result) = match shared(of[w]) {
                Some((der, result)) => (der.clone(), result.clone()),
                None => decode(*k, block),
            };
            (w, item(*index, Some(*k), der, result))
        })
        .into_iter()
        .peekable();
        for (w, (index, k, block)) in work.iter().enumerate() {
            let d = of[w];
            if let Some((_, copy)) = cloned.next_if(|(c, _)| *c == w) {
                out.push(copy);
            } else if last[d] == w {
                // What was decoded is this copy's own when it is the block's only copy.
                let (der, result) = match decoded[d].take() {
                    Some((der, result)) if !der.is_empty() || first[d] == w => (der, result),
                    _ => decode(*k, block),
                };
                out.push(item(*index, Some(*k), der, result));
            }
        }
        out.sort_by_key(|i| i.index);
        if out.is_empty() && complete {
            out.push(item(
                0,
                None,
                vec![],
                Err(LoadError::NothingHere { skipped }),
            ));
        }
        return (out, complete);
    }
    // DER: try each kind in turn.
    for kind in [
        Kind::Certificate,
        Kind::Crl,
        Kind::Csr,
        Kind::OcspResponse,
        Kind::OcspRequest,
    ] {
        if let Ok(d) = decode_kind(kind, bytes) {
            return (vec![item(0, Some(kind), bytes.to_vec(), Ok(d))], true);
        }
    }
    let why = match (
        decode_kind(Kind::Certificate, bytes),
        known_container(bytes),
    ) {
        // Shaped as an OCSP response, and not one: why, as the OCSP reader says it.
        (Err(_), Some(Container::OcspResponse)) => match decode_kind(Kind::OcspResponse, bytes) {
            Err(e) => LoadError::Decode(e),
            Ok(_) => LoadError::Container(Container::OcspResponse),
        },
        (Err(_), Some(what)) => LoadError::Container(what),
        (Err(e), None) if bytes.first() == Some(&0x30) => LoadError::Decode(e),
        _ if bytes.is_empty() => LoadError::Empty,
        _ => LoadError::NotPemNorDer,
    };
    (vec![item(0, None, vec![], Err(why))], true)
}

/// Whether these bytes are a PKCS#12 bundle (what [`open_pkcs12`] reads with its password).
pub fn is_pkcs12(bytes: &[u8]) -> bool {
    known_container(bytes) == Some(Container::Pkcs12)
}

/// The certificates in a PKCS#12 bundle, opened with `password`: one item each, as a PEM
/// bundle's (the key stays where it is; it is not shown).
pub fn open_pkcs12(source: &Path, bytes: &[u8], password: &str) -> Vec<Item> {
    use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};
    let item = |index, kind, der: Vec<u8>, result| Item {
        source: source.to_path_buf(),
        index,
        kind,
        der,
        result,
    };
    let store = match KeyStore::from_pkcs12(bytes, password, Pkcs12ImportPolicy::Raw) {
        Ok(s) => s,
        Err(e) => {
            let problem = match e {
                p12_keystore::error::Error::MacError(_) => {
                    crate::error::Pkcs12Problem::WrongPassword
                }
                other => {
                    crate::error::Pkcs12Problem::Unreadable(certbench_cause::error_name(&other))
                }
            };
            return vec![item(0, None, vec![], Err(LoadError::Pkcs12(problem)))];
        }
    };
    let mut ders: Vec<Vec<u8>> = Vec::new();
    for (_, entry) in store.entries() {
        match entry {
            KeyStoreEntry::PrivateKeyChain(chain) => {
                ders.extend(chain.certs().iter().map(|c| c.as_der().to_vec()))
            }
            KeyStoreEntry::Certificate(c) => ders.push(c.as_der().to_vec()),
            _ => {}
        }
    }
    ders.into_iter()
        .enumerate()
        .map(|(index, der)| {
            let result = decode_kind(Kind::Certificate, &der).map_err(LoadError::from);
            item(index, Some(Kind::Certificate), der, result)
        })
        .collect()
}

/// `items` with each PKCS#12 bundle among them opened with `password` (its certificates in its
/// place, or why it did not open). Without a password, a bundle made with an empty one (as
/// `openssl pkcs12 -export -passout pass:` makes) is opened; any other stays as it was, asking
/// for its password.
pub fn open_pkcs12_items(items: Vec<Item>, password: Option<&str>) -> Vec<Item> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match &item.result {
            Err(LoadError::Container(Container::Pkcs12)) => match read_regular_file(&item.source) {
                Ok(bytes) => match password {
                    Some(p) => out.extend(open_pkcs12(&item.source, &bytes, p)),
                    None => {
                        let opened = open_pkcs12(&item.source, &bytes, "");
                        if opened
                            .iter()
                            .any(|i| matches!(i.result, Err(LoadError::Pkcs12(_))))
                        {
                            out.push(item);
                        } else {
                            out.extend(opened);
                        }
                    }
                },
                Err(e) => out.push(Item {
                    result: Err(LoadError::Read((&e).into())),
                    ..item
                }),
            },
            _ => out.push(item),
        }
    }
    out
}

/// Whether this item is a PKCS#12 bundle waiting for its password (none given yet, or a wrong
/// one): what [`open_pkcs12_source`] opens.
pub fn is_locked_pkcs12(item: &Item) -> bool {
    matches!(
        item.result,
        Err(LoadError::Container(Container::Pkcs12))
            | Err(LoadError::Pkcs12(
                crate::error::Pkcs12Problem::WrongPassword
            ))
    )
}

/// `items` with the PKCS#12 bundle read from `source` opened with `password`: its certificates
/// in its place, or why it did not open (a wrong password is said as such, and can be tried
/// again). The other items are as they were.
pub fn open_pkcs12_source(items: Vec<Item>, source: &Path, password: &str) -> Vec<Item> {
    let mut out = Vec::with_capacity(items.len());
    let mut opened = false;
    for item in items {
        if item.source != source || !is_locked_pkcs12(&item) {
            out.push(item);
            continue;
        }
        if opened {
            continue;
        }
        opened = true;
        match read_regular_file(&item.source) {
            Ok(bytes) => out.extend(open_pkcs12(&item.source, &bytes, password)),
            Err(e) => out.push(Item {
                result: Err(LoadError::Read((&e).into())),
                ..item
            }),
        }
    }
    out
}

/// Formats people mistake for certificates, named with what to do instead.
fn known_container(der: &[u8]) -> Option<Container> {
    use crate::der::{children, oid_string, read_tlv};
    let top = read_tlv(der, 0)?;
    let parts = children(der, &top);
    // Shaped like signed X.509 (to-be-signed, algorithm, BIT STRING): a broken certificate, CRL
    // or CSR, whose parser error says more than a guess would.
    if parts.len() == 3 && parts[2].tag == 0x03 {
        return None;
    }
    let oid_in = |t: &crate::der::Tlv| {
        children(der, t)
            .first()
            .filter(|o| o.tag == 0x06)
            .and_then(|o| oid_string(o.content(der)))
    };
    match parts.as_slice() {
        // PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo, macData? }
        [v, auth, ..] if v.tag == 0x02 && v.content(der) == [3] && auth.tag == 0x30 => {
            Some(Container::Pkcs12)
        }
        // ContentInfo ::= SEQUENCE { contentType OID, [0] content }
        [oid, _] if oid.tag == 0x06 => match oid_string(oid.content(der)).as_deref() {
            Some("1.2.840.113549.1.7.2") => Some(Container::Pkcs7),
            Some(o) => Some(Container::Cms(o.to_string())),
            None => None,
        },
        // CertificatePair ::= SEQUENCE { [0] Certificate OPTIONAL, [1] Certificate OPTIONAL }
        [first, ..] if first.tag == 0xa0 || first.tag == 0xa1 => {
            Some(Container::CrossCertificatePair)
        }
        [status, ..] if status.tag == 0x0a => Some(Container::OcspResponse),
        [req, ..]
            if req.tag == 0x30
                && oid_in(req).is_none()
                && children(der, req)
                    .first()
                    .is_some_and(|t| t.tag == 0x30 || t.tag == 0xa0) =>
        {
            Some(Container::OcspRequestOrOther)
        }
        _ => None,
    }
}

fn first_tlv(der: &[u8]) -> Vec<u8> {
    match crate::der::read_tlv(der, 0) {
        Some(t) => der[..t.end].to_vec(),
        None => der.to_vec(),
    }
}

fn decode_kind(kind: Kind, der: &[u8]) -> Result<Decoded, DecodeError> {
    match kind {
        Kind::Certificate => decode(der).map(|r| Decoded::Certificate(Box::new(r))),
        Kind::Crl => decode_crl(der).map(Decoded::Crl),
        Kind::Csr => decode_csr(der).map(Decoded::Csr),
        Kind::OcspRequest => {
            let request = crate::ocsp::read_request(der)?;
            Ok(Decoded::Ocsp(Box::new(OcspReport {
                message: crate::ocsp::tree::Message::Request,
                request: Some(request),
                response: None,
                fields: crate::ocsp::tree::fields(der, crate::ocsp::tree::Message::Request),
            })))
        }
        Kind::OcspResponse => {
            let response = crate::ocsp::read_response(der)?;
            Ok(Decoded::Ocsp(Box::new(OcspReport {
                message: crate::ocsp::tree::Message::Response,
                request: None,
                response: Some(response),
                fields: crate::ocsp::tree::fields(der, crate::ocsp::tree::Message::Response),
            })))
        }
    }
}

fn decode_crl(der: &[u8]) -> Result<CrlReport, DecodeError> {
    let (rest, crl) =
        CertificateRevocationList::from_der(der).map_err(|e| DecodeError::Malformed {
            what: Kind::Crl,
            problem: crate::report::der_problem(&e),
        })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingData {
            what: Kind::Crl,
            bytes: rest.len(),
        });
    }
    Ok(CrlReport {
        issuer: display_safe(
            &crate::names::rfc4514(crl.issuer()),
            certbench_base::text::MAX_VALUE_CHARS,
        ),
        this_update: crl.last_update().to_datetime(),
        next_update: crl.next_update().map(|t| t.to_datetime()),
        revoked: crl
            .iter_revoked_certificates()
            .map(|r| RevokedInfo {
                serial: crate::report::openssl_serial(r.raw_serial()),
                revoked_at: r.revocation_date.to_datetime(),
                reason: r.reason_code().map(|(_, rc)| reason_name(rc.0)),
            })
            .collect(),
    })
}

/// A CRL entry's reason code (RFC 5280 5.3.1), named as openssl's configuration names it.
pub(crate) fn reason_name(code: u8) -> String {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        other => return format!("unknown reason {other}"),
    }
    .to_string()
}

fn decode_csr(der: &[u8]) -> Result<CsrReport, DecodeError> {
    let (rest, csr) =
        X509CertificationRequest::from_der(der).map_err(|e| DecodeError::Malformed {
            what: Kind::Csr,
            problem: crate::report::der_problem(&e),
        })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingData {
            what: Kind::Csr,
            bytes: rest.len(),
        });
    }
    let info = &csr.certification_request_info;
    let cert_like_key = crate::report::decode_spki(&info.subject_pki);
    let requested = crate::report::ExtensionSummary::of(
        info.iter_attributes()
            .filter_map(|a| match a.parsed_attribute() {
                x509_parser::cri_attributes::ParsedCriAttribute::ExtensionRequest(r) => {
                    Some(r.extensions.iter())
                }
                _ => None,
            })
            .flatten(),
    );
    Ok(CsrReport {
        subject: display_safe(
            &crate::names::rfc4514(&info.subject),
            certbench_base::text::MAX_VALUE_CHARS,
        ),
        public_key: cert_like_key,
        signature_algorithm: crate::report::SignatureAlgorithm(
            csr.signature_algorithm.algorithm.to_id_string(),
        ),
        requested_extensions: requested
            .extensions
            .iter()
            .map(|e| e.name.clone())
            .collect(),
        subject_alt_names: requested.subject_alt_names,
        key_usage: requested.key_usage,
        extended_key_usage: requested.extended_key_usage,
    })
}

/// Add lints to every certificate: each sees its issuer when the issuer was loaded too.
/// `role_of` tells the role of a certificate when the workspace knows it.
pub fn lint_all(
    items: &mut [Item],
    now: OffsetDateTime,
    known: &(dyn Fn(&Item) -> crate::lints::Known + Sync),
) {
    let shared: &[Item] = items;
    let report = |i: usize| match &shared[i].result {
        Ok(Decoded::Certificate(r)) => Some(&**r),
        _ => None,
    };
    // Certificates by subject, so finding each one's issuer is a lookup, not a scan.
    let mut by_subject: std::collections::HashMap<&[u8], Vec<usize>> =
        std::collections::HashMap::new();
    for i in 0..shared.len() {
        if let Some(r) = report(i) {
            by_subject
                .entry(r.links.subject_der.as_slice())
                .or_default()
                .push(i);
        }
    }
    // Copies of one certificate known alike have the same issuer among the loaded ones, so the
    // same lints: each is linted once (the signature checks that find issuers are the cost).
    let knowns: Vec<crate::lints::Known> = shared.iter().map(known).collect();
    let mut first: std::collections::HashMap<
        (&[u8], crate::lints::Known),
        usize,
        foldhash::fast::RandomState,
    > = std::collections::HashMap::default();
    let mut distinct: Vec<usize> = Vec::new();
    let of: Vec<Option<usize>> = (0..shared.len())
        .map(|i| {
            report(i)?;
            Some(
                *first
                    .entry((shared[i].der.as_slice(), knowns[i]))
                    .or_insert_with(|| {
                        distinct.push(i);
                        distinct.len() - 1
                    }),
            )
        })
        .collect();
    // Each result comes back with its certificate's number (a lost one stays lost, never shifts).
    let n = distinct.len();
    let numbered: Vec<(usize, usize)> = distinct.into_iter().enumerate().collect();
    let linted = parallel_map(numbered, |(d, i)| {
        let Some(r) = report(i) else {
            return (d, None);
        };
        // The issuer: among the loaded certificates named as this one's issuer (not itself,
        // unless it is self-issued), the one whose key identifier its AKI names, else the one
        // whose key verifies its signature; none when no key signed it. Never the first by name:
        // the verdict must not depend on the order of the files.
        let self_issued = r.links.subject_der == r.links.issuer_der;
        let named: Vec<usize> = by_subject
            .get(r.links.issuer_der.as_slice())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&j| j != i || self_issued)
            .collect();
        let by_key_id = r.links.authority_key_id.as_ref().and_then(|aki| {
            named
                .iter()
                .copied()
                .find(|&j| report(j).is_some_and(|c| c.links.subject_key_id.as_ref() == Some(aki)))
        });
        let issuer = by_key_id
            .or_else(|| {
                let below = crate::der::readable_certificate(&shared[i].der);
                let (_, cert) = X509Certificate::from_der(&below).ok()?;
                named.iter().copied().find(|&j| {
                    let above = crate::der::readable_certificate(&shared[j].der);
                    X509Certificate::from_der(&above).is_ok_and(|(_, c)| {
                        crate::report::signed_by(&shared[i].der, &cert, c.public_key())
                    })
                })
            })
            .and_then(report);
        let named_issuers = match issuer {
            Some(_) => vec![],
            None => named.iter().filter_map(|&j| report(j)).collect(),
        };
        let ctx = LintContext {
            now,
            role: knowns[i].role,
            foreign: knowns[i].foreign,
            issuer,
            named_issuers,
        };
        (d, Some(lint(r, &ctx)))
    });
    drop(by_subject);
    drop(first);
    let mut lints: Vec<Option<Vec<crate::lints::Lint>>> = (0..n).map(|_| None).collect();
    for (d, l) in linted {
        lints[d] = l;
    }
    // The last copy of a certificate takes its lints; those before it get clones.
    let mut last = vec![usize::MAX; n];
    for (i, d) in of.iter().enumerate() {
        if let Some(d) = *d {
            last[d] = i;
        }
    }
    for (i, (item, d)) in items.iter_mut().zip(of).enumerate() {
        let Some(d) = d else { continue };
        let l = if last[d] == i {
            lints[d].take()
        } else {
            lints[d].clone()
        };
        if let (Ok(Decoded::Certificate(r)), Some(l)) = (&mut item.result, l) {
            r.lints = l;
        }
    }
}

/// A block's bytes (empty when its text did not decode) and what they read as.
type Decoding = (Vec<u8>, Result<Decoded, LoadError>);

struct PemBlock {
    label: String,
    /// The base64 text, or why the block is broken.
    body: Result<Vec<u8>, LoadError>,
    line: usize,
}

impl PemBlock {
    fn der(&self) -> Result<Vec<u8>, LoadError> {
        let body = self.body.as_ref().map_err(Clone::clone)?;
        // The body holds only what the lines held, and base64 is ASCII.
        let text = std::str::from_utf8(body).map_err(|_| LoadError::PemNotAscii {
            label: display_safe(&self.label, 40),
            line: self.line,
        })?;
        certbench_base::text::base64_decode(text).map_err(|why| LoadError::PemBase64 {
            label: display_safe(&self.label, 40),
            line: self.line,
            why,
        })
    }
}

/// The lines of `bytes`, numbered from 1, each without its line ending and surrounding
/// whitespace.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = bytes;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        number += 1;
        Some((number, line.trim_ascii()))
    })
}

/// PEM blocks, leniently: text around them is ignored; a block with bad base64 or no END line
/// is an error of its own. At most `max` blocks; the flag says whether that was all of them.
fn pem_blocks(bytes: &[u8], max: usize) -> (Vec<PemBlock>, bool) {
    let mut out = Vec::new();
    let mut lines = lines(bytes);
    while let Some((line_no, line)) = lines.next() {
        let Some(label) = line
            .strip_prefix(b"-----BEGIN ")
            .and_then(|l| l.strip_suffix(b"-----"))
        else {
            continue;
        };
        if out.len() == max {
            return (out, false);
        }
        let label = String::from_utf8_lossy(label).into_owned();
        let end = [b"-----END ", label.as_bytes(), b"-----"].concat();
        let mut body = Vec::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            if l == end.as_slice() {
                closed = true;
                break;
            }
            if l.contains(&b':') {
                continue; // RFC 1421 headers such as Proc-Type
            }
            // Whitespace inside a line is skipped, as lax PEM readers do (RFC 7468 section 3).
            body.extend(l.iter().filter(|b| !b.is_ascii_whitespace()));
        }
        let body = if closed {
            Ok(body)
        } else {
            Err(LoadError::PemNoEnd {
                label: display_safe(&label, 40),
                line: line_no,
            })
        };
        out.push(PemBlock {
            label,
            body,
            line: line_no,
        });
    }
    (out, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> PathBuf {
        PathBuf::from("x.pem")
    }

    #[test]
    fn bad_items_are_one_error_each_and_good_ones_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = certbench_pki::workspace::Workspace::open(dir.path()).unwrap();
        ws.gen_set(
            &certbench_pki::workspace::SetOptions::default(),
            false,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let good = std::fs::read_to_string(dir.path().join("server-chain.crt")).unwrap();
        let text = format!(
            "leading text\n{good}junk between\n-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIBIjAN\n"
        );
        let items = load_bytes(&p(), text.as_bytes());
        assert_eq!(items.len(), 4, "{items:?}");
        assert!(items[0].result.is_ok() && items[1].result.is_ok());
        let err = items[2].result.as_ref().unwrap_err();
        assert!(
            matches!(err, LoadError::PemBase64 { line, .. } if *line > 1),
            "{err:?}"
        );
        assert!(err.to_string().contains("bad base64"), "{err}");
        let err = items[3].result.as_ref().unwrap_err();
        assert!(matches!(err, LoadError::PemNoEnd { .. }), "{err:?}");
        assert!(err.to_string().contains("no END line"), "{err}");
        assert_eq!(items[3].index, 3);
    }

    #[test]
    fn a_bundles_copies_read_alike_and_each_broken_block_says_its_own_line() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["copy.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .pem();
        let bad = "-----BEGIN CERTIFICATE-----\nMIIB!!!\n-----END CERTIFICATE-----\n";
        let empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        let text =
            format!("{cert}{bad}{cert}note\n{bad}{empty}{cert}-----BEGIN CERTIFICATE-----\nMIIB\n");
        // Where each block begins (1-based), as a person counts the file's lines.
        let begins: Vec<usize> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("-----BEGIN"))
            .map(|(n, _)| n + 1)
            .collect();
        let items = load_bytes(&p(), text.as_bytes());
        assert_eq!(items.len(), 7, "{items:#?}");
        let reports: Vec<&CertReport> = items
            .iter()
            .filter_map(|i| match &i.result {
                Ok(Decoded::Certificate(r)) => Some(&**r),
                _ => None,
            })
            .collect();
        assert_eq!(reports.len(), 3);
        assert!(
            reports.iter().all(|r| *r == reports[0]),
            "copies read alike"
        );
        assert!(items.iter().all(|i| i.index < 7));
        assert!(
            items.windows(2).all(|w| w[0].index < w[1].index),
            "in file order"
        );
        let bad_lines: Vec<usize> = items
            .iter()
            .filter_map(|i| match &i.result {
                Err(LoadError::PemBase64 { line, .. }) => Some(*line),
                _ => None,
            })
            .collect();
        assert_eq!(
            bad_lines,
            vec![begins[1], begins[3]],
            "each copy its own line"
        );
        assert!(
            matches!(&items[6].result, Err(LoadError::PemNoEnd { line, .. }) if *line == begins[6]),
            "the cut-short block after an empty one: {:?}",
            items[6].result
        );
    }

    #[test]
    fn csrs_and_crls_are_read_too() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["csr.example".to_string()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "csr.example");
        let csr = params.serialize_request(&key).unwrap().pem().unwrap();
        let items = load_bytes(&p(), csr.as_bytes());
        match &items[0].result {
            Ok(Decoded::Csr(c)) => assert!(c.subject.contains("CN=csr.example"), "{c:?}"),
            other => panic!("{other:?}"),
        }
        let dir = tempfile::tempdir().unwrap();
        let mut ws = certbench_pki::workspace::Workspace::open(dir.path()).unwrap();
        ws.gen_set(
            &certbench_pki::workspace::SetOptions::default(),
            false,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        ws.revoke(
            "client",
            certbench_pki::RevocationReason::KeyCompromise,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let crl = std::fs::read(dir.path().join("intermediate.crl")).unwrap();
        match &load_bytes(&p(), &crl)[0].result {
            Ok(Decoded::Crl(c)) => {
                assert_eq!(c.revoked.len(), 1);
                assert_eq!(c.revoked[0].serial, ws.entity("client").unwrap().serial);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn der_truncated_or_with_trailing_bytes_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = certbench_pki::workspace::Workspace::open(dir.path()).unwrap();
        let issued = ws
            .gen_set(
                &certbench_pki::workspace::SetOptions::default(),
                false,
                OffsetDateTime::now_utc(),
            )
            .unwrap();
        let pem = std::fs::read_to_string(&issued[0].files[0]).unwrap();
        let der = match &load_bytes(&p(), pem.as_bytes())[0] {
            Item {
                der, result: Ok(_), ..
            } => der.clone(),
            other => panic!("{other:?}"),
        };
        assert!(load_bytes(&p(), &der)[0].result.is_ok());
        let truncated = load_bytes(&p(), &der[..der.len() - 10]);
        assert!(truncated[0].result.is_err());
        let mut trailing = der.clone();
        trailing.extend_from_slice(b"garbage");
        assert_eq!(
            load_bytes(&p(), &trailing)[0].result.as_ref().unwrap_err(),
            &LoadError::Decode(DecodeError::TrailingData {
                what: Kind::Certificate,
                bytes: 7
            })
        );
        assert_eq!(
            load_bytes(&p(), b"hello")[0].result.as_ref().unwrap_err(),
            &LoadError::NotPemNorDer
        );
        assert_eq!(
            load_bytes(&p(), b"")[0].result.as_ref().unwrap_err(),
            &LoadError::Empty
        );
    }
}
