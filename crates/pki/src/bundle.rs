//! A workspace certificate in the files other tools take: PKCS#12 (a key store with the key and
//! its chain, for Java, browsers, Windows, macOS), a PKCS#12 trust store of the CA (Java), a
//! PEM bundle of the key and its chain (what some servers want in one file), DER.
//!
//! PKCS#12 is written by p12-keystore (pure Rust): modern by default (PBES2 with PBKDF2 and
//! AES-256-CBC, an HMAC-SHA-256 MAC, what OpenSSL 3 and current JDKs write), or legacy on request
//! (3DES with SHA-1 and an HMAC-SHA-1 MAC, which older Windows, macOS and Android need).

use std::path::{Path, PathBuf};

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::workspace::{Entity, Workspace};

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The key and its chain, as a PKCS#12 key store.
    Pkcs12,
    /// The root CA the certificate chains to, as a PKCS#12 trust store (Java).
    TrustStore,
    /// The key, then the certificate and its intermediates, in one PEM file.
    PemBundle,
    /// The certificate alone, DER.
    Der,
}

impl Format {
    /// The file name for `name` in this format.
    pub fn file_name(self, name: &str) -> String {
        match self {
            Format::Pkcs12 => format!("{name}.p12"),
            Format::TrustStore => format!("{name}-truststore.p12"),
            Format::PemBundle => format!("{name}-bundle.pem"),
            Format::Der => format!("{name}.der"),
        }
    }

    /// Whether the file holds the private key (and so is written mode 0600).
    pub fn holds_key(self) -> bool {
        matches!(self, Format::Pkcs12 | Format::PemBundle)
    }

    /// Whether the file is protected by a password.
    pub fn needs_password(self) -> bool {
        matches!(self, Format::Pkcs12 | Format::TrustStore)
    }
}

/// A file's words: a title and what it holds (assets/export.toml).
#[derive(Debug, Clone, Default, serde::Deserialize, PartialEq, Eq)]
pub struct FormatWords {
    pub title: String,
    pub detail: String,
}

const WORDS: &str = include_str!("../../../assets/export.toml");

impl Format {
    /// The key of its words in assets/export.toml.
    pub fn words_key(self, encryption: Pkcs12Encryption) -> &'static str {
        let legacy = encryption == Pkcs12Encryption::Legacy;
        match (self, legacy) {
            (Format::Pkcs12, false) => "pkcs12",
            (Format::Pkcs12, true) => "pkcs12_legacy",
            (Format::TrustStore, false) => "truststore",
            (Format::TrustStore, true) => "truststore_legacy",
            (Format::PemBundle, _) => "pem_bundle",
            (Format::Der, _) => "der",
        }
    }

    /// Its title and what it holds, in words.
    pub fn words(self, encryption: Pkcs12Encryption) -> FormatWords {
        static CELL: std::sync::OnceLock<std::collections::HashMap<String, FormatWords>> =
            std::sync::OnceLock::new();
        let key = self.words_key(encryption);
        certbench_base::assets::table(&CELL, WORDS)
            .get(key)
            .cloned()
            .unwrap_or_else(|| FormatWords {
                title: key.to_string(),
                detail: String::new(),
            })
    }
}

/// PKCS#12's encryption: modern (PBES2, AES-256) or legacy (3DES, SHA-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pkcs12Encryption {
    #[default]
    Modern,
    Legacy,
}

/// Why a file could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("the workspace has no certificate named \"{name}\"")]
    UnknownEntity { name: String },
    #[error(
        "\"{name}\" is a CA: its key stays in the workspace (a CA goes out as a trust store or DER)"
    )]
    CaKey { name: String },
    #[error("no root CA above \"{name}\" in the workspace to put in a trust store")]
    NoRoot { name: String },
    #[error("{} holds no certificate", .path.display())]
    NoCertificate { path: std::path::PathBuf },
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    #[error(
        "the key of \"{name}\" is not in the workspace (its certificate was signed from a request): export it where the key is, or as DER or a trust store"
    )]
    NoKey { name: String },
    #[error("{format} needs a password")]
    NoPassword { format: &'static str },
    #[error("the PKCS#12 library refused it: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
}

/// Where `entity`'s key is.
fn key_path(ws: &Workspace, entity: &Entity) -> Result<PathBuf, BundleError> {
    entity
        .key
        .as_deref()
        .map(|k| ws.path(k))
        .ok_or_else(|| BundleError::NoKey {
            name: entity.name.clone(),
        })
}

/// The bytes of `name`'s certificate in `format` (`password` for PKCS#12).
pub fn bundle(
    ws: &Workspace,
    name: &str,
    format: Format,
    password: Option<&str>,
    encryption: Pkcs12Encryption,
) -> Result<Vec<u8>, BundleError> {
    let entity = ws.entity(name).ok_or_else(|| BundleError::UnknownEntity {
        name: name.to_string(),
    })?;
    let chain = chain_of(ws, entity)?;
    if chain.is_empty() {
        return Err(BundleError::NoCertificate {
            path: ws.path(&entity.cert),
        });
    }
    match format {
        Format::Der => Ok(chain.first().map(|c| c.to_vec()).unwrap_or_default()),
        Format::PemBundle => {
            if entity.role.is_ca() {
                return Err(BundleError::CaKey { name: name.into() });
            }
            let key_path = key_path(ws, entity)?;
            let key = std::fs::read(&key_path).map_err(|e| BundleError::Read {
                path: key_path,
                source: rustls_pki_types::pem::Error::Io(e),
            })?;
            let mut out = key;
            for c in &chain {
                out.extend(certbench_base::text::pem("CERTIFICATE", c).into_bytes());
            }
            Ok(out)
        }
        Format::Pkcs12 => {
            if entity.role.is_ca() {
                return Err(BundleError::CaKey { name: name.into() });
            }
            let password = password.ok_or(BundleError::NoPassword { format: "PKCS#12" })?;
            let key_path = key_path(ws, entity)?;
            let key =
                PrivateKeyDer::from_pem_file(&key_path).map_err(|source| BundleError::Read {
                    path: key_path,
                    source,
                })?;
            let certs = chain
                .iter()
                .map(|c| Certificate::from_der(c))
                .collect::<Result<Vec<_>, _>>()?;
            // The local key id ties the key to its certificate: the certificate's SHA-1, as
            // openssl and keytool make it.
            let id = aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
                chain.first().map(|c| c.as_ref()).unwrap_or_default(),
            );
            let entry =
                PrivateKeyChain::new(id.as_ref(), PrivateKey::from_der(key.secret_der())?, certs);
            let mut store = KeyStore::new();
            store.add_entry(name, KeyStoreEntry::PrivateKeyChain(entry));
            write(&store, password, encryption)
        }
        Format::TrustStore => {
            let password = password.ok_or(BundleError::NoPassword {
                format: "a PKCS#12 trust store",
            })?;
            let root = ws.root_of(entity).ok_or_else(|| BundleError::NoRoot {
                name: name.to_string(),
            })?;
            let mut store = KeyStore::new();
            for der in read_certs(&ws.path(&root.cert))? {
                store.add_entry(
                    &root.name,
                    KeyStoreEntry::Certificate(Certificate::from_der(&der)?),
                );
            }
            write(&store, password, encryption)
        }
    }
}

fn write(
    store: &KeyStore,
    password: &str,
    encryption: Pkcs12Encryption,
) -> Result<Vec<u8>, BundleError> {
    let writer = store.writer(password);
    let writer = match encryption {
        Pkcs12Encryption::Modern => writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
            .mac_algorithm(MacAlgorithm::HmacSha256),
        Pkcs12Encryption::Legacy => writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(MacAlgorithm::HmacSha1),
    };
    Ok(writer.write()?)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    let read = |source| BundleError::Read {
        path: path.to_path_buf(),
        source,
    };
    CertificateDer::pem_file_iter(path)
        .map_err(read)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read)
}

/// The certificate and its intermediates (its chain file when it has one), leaf first.
fn chain_of(ws: &Workspace, e: &Entity) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    read_certs(&ws.path(e.chain.as_deref().unwrap_or(&e.cert)))
}

/// Why an export was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportFileError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The path names a folder: a file name is needed (`suggested` is one in it).
    #[error("{} is a folder: give a file name ({})", .path.display(), .suggested.display())]
    IsFolder { path: PathBuf, suggested: PathBuf },
    /// The folder to write in is not there (a typo more often than a wish: not made).
    #[error("the folder {} does not exist", .folder.display())]
    NoFolder { folder: PathBuf },
    /// The file is there and replacing was not asked for.
    #[error("{} exists", .path.display())]
    Exists { path: PathBuf },
    #[error(transparent)]
    Write(crate::Error),
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub path: PathBuf,
    /// Mode 0600: the file holds the key.
    pub private: bool,
    /// A file was there and was replaced (`replace` was given).
    pub replaced: bool,
}

/// Write `name`'s certificate in `format` to `out` (default: [`Format::file_name`] in the
/// workspace), atomically; an existing file only when `replace`. Files with the key are mode
/// 0600. The workspace is read under its read lock.
pub fn export_to_file(
    ws: &Workspace,
    name: &str,
    format: Format,
    password: Option<&str>,
    encryption: Pkcs12Encryption,
    out: Option<&Path>,
    replace: bool,
) -> Result<Exported, ExportFileError> {
    let out = out.map_or_else(|| ws.path(&format.file_name(name)), Path::to_path_buf);
    if out.is_dir() {
        return Err(ExportFileError::IsFolder {
            suggested: out.join(format.file_name(name)),
            path: out,
        });
    }
    if let Some(folder) = out.parent().filter(|f| !f.as_os_str().is_empty())
        && !folder.is_dir()
    {
        return Err(ExportFileError::NoFolder {
            folder: folder.to_path_buf(),
        });
    }
    let bytes = {
        let _reading = ws.read_lock();
        bundle(ws, name, format, password, encryption)?
    };
    let replaced = out.exists();
    if replaced && !replace {
        return Err(ExportFileError::Exists { path: out });
    }
    let file = if format.holds_key() {
        certbench_base::fsutil::FileWrite::private(&out, bytes)
    } else {
        certbench_base::fsutil::FileWrite::public(&out, bytes)
    };
    certbench_base::fsutil::write_files(std::slice::from_ref(&file), replace).map_err(
        |e| match e {
            certbench_base::fsutil::FsError::FileExists { path } => {
                ExportFileError::Exists { path }
            }
            e => ExportFileError::Write(e.into()),
        },
    )?;
    Ok(Exported {
        path: out,
        private: format.holds_key(),
        replaced,
    })
}

#[cfg(test)]
mod words_tests {
    use super::*;

    /// Every file export writes has its words in assets/export.toml, and no other is there.
    #[test]
    fn every_format_has_words() {
        let table: std::collections::HashMap<String, FormatWords> = toml::from_str(WORDS).unwrap();
        let mut keys = std::collections::HashSet::new();
        for f in [
            Format::Pkcs12,
            Format::TrustStore,
            Format::PemBundle,
            Format::Der,
        ] {
            for e in [Pkcs12Encryption::Modern, Pkcs12Encryption::Legacy] {
                let key = f.words_key(e);
                assert!(table.contains_key(key), "{key}");
                assert!(!f.words(e).detail.is_empty(), "{key}");
                keys.insert(key);
            }
        }
        assert_eq!(keys.len(), table.len());
    }
}
