//! What a handshake is made of, apart from the run: what each side trusts, the CRLs, and each
//! side's identity (its chain and key). From a workspace here; a lab scenario builds its own in
//! memory, broken on purpose, and never touches the user's files.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

use super::event::Side;
use crate::pki::Role;
use crate::workspace::Workspace;

/// One side's certificate chain (end entity first) and its private key.
#[derive(Debug)]
pub struct Identity {
    /// What the user calls it: the workspace name, or a scenario's label.
    pub name: String,
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// Check that the key belongs to the certificate before the run (rustls does, as nginx
    /// does). A scenario turns it off to show what a peer sees when they do not.
    pub check_key: bool,
}

impl Clone for Identity {
    fn clone(&self) -> Identity {
        Identity {
            name: self.name.clone(),
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            check_key: self.check_key,
        }
    }
}

/// A trust anchor, with where it came from.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub name: String,
    pub der: CertificateDer<'static>,
}

#[derive(Debug, Clone)]
pub struct Material {
    /// What the client trusts to verify the server.
    pub client_trusts: Vec<Anchor>,
    /// What the server trusts to verify clients.
    pub server_trusts: Vec<Anchor>,
    /// The CRLs both verifiers check (revocation status unknown is allowed: a CA without a CRL
    /// has revoked nothing).
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    pub server: Identity,
    pub client: Option<Identity>,
}

/// Why the material could not be put together.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaterialError {
    #[error(transparent)]
    Workspace(#[from] crate::Error),
    #[error("the workspace has no certificate named \"{name}\"")]
    UnknownCertificate { name: String },
    #[error("\"{name}\" is a CA certificate: a {side} needs a server or client certificate (a leaf)", side = side.name())]
    NotALeaf { name: String, side: Side },
    #[error("the workspace has no root CA to trust")]
    NoTrustAnchor,
    #[error("cannot read {}: {}", path.display(), pem_words(source))]
    Pem {
        path: PathBuf,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("{} is not a usable trust anchor: {source}", path.display())]
    Anchor {
        path: PathBuf,
        #[source]
        source: rustls::Error,
    },
}

/// A PEM reading error in words (the library's own text shows bytes as Rust arrays).
fn pem_words(e: &rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error as P;
    let text = |b: &[u8]| crate::text::display_safe(&String::from_utf8_lossy(b), 80);
    match e {
        P::MissingSectionEnd { end_marker } => {
            format!(
                "a PEM block has no \"{}\" line (the file is cut short?)",
                text(end_marker)
            )
        }
        P::IllegalSectionStart { line } => {
            format!("\"{}\" does not start a PEM block properly", text(line))
        }
        P::Base64Decode(why) => format!("a PEM block's base64 is damaged ({why})"),
        P::Io(io) => io.to_string(),
        P::NoItemsFound => "no PEM block of the kind needed".into(),
        P::SectionTooLarge => "a PEM block is larger than any certificate or key".into(),
        _ => "not readable PEM".into(),
    }
}

pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, MaterialError> {
    let pem = |source| MaterialError::Pem {
        path: path.to_path_buf(),
        source,
    };
    CertificateDer::pem_file_iter(path)
        .map_err(pem)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem)
}

pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, MaterialError> {
    PrivateKeyDer::from_pem_file(path).map_err(|source| MaterialError::Pem {
        path: path.to_path_buf(),
        source,
    })
}

impl Material {
    /// The workspace's material: its root CAs trusted by both sides, its CAs' CRLs, and the
    /// named server and client certificates with their chains.
    pub fn from_workspace(
        dir: &Path,
        server: &str,
        client: Option<&str>,
    ) -> Result<Material, MaterialError> {
        let ws = Workspace::open(dir)?;
        // Certificates, keys and CRLs are read as one state: no change of the workspace meanwhile.
        let _reading = ws.read_lock();
        let identity = |name: &str, side: Side| -> Result<Identity, MaterialError> {
            let e = ws
                .entity(name)
                .ok_or_else(|| MaterialError::UnknownCertificate { name: name.into() })?;
            if e.role.is_ca() {
                return Err(MaterialError::NotALeaf {
                    name: name.into(),
                    side,
                });
            }
            Ok(Identity {
                name: name.into(),
                chain: read_certs(&ws.path(e.chain.as_deref().unwrap_or(&e.cert)))?,
                key: read_key(&ws.path(&e.key))?,
                check_key: true,
            })
        };
        let server = identity(server, Side::Server)?;
        let client = client.map(|c| identity(c, Side::Client)).transpose()?;
        let mut anchors = Vec::new();
        let mut crls = Vec::new();
        for e in ws.entities() {
            if e.role == Role::Ca && e.revoked.is_none() {
                for der in read_certs(&ws.path(&e.cert))? {
                    anchors.push(Anchor {
                        name: e.name.clone(),
                        der,
                    });
                }
            }
            // A CA's CRL exists once it has revoked something.
            let crl = ws.path(&e.crl_file());
            if e.role.is_ca() && crl.is_file() {
                let pem = |source| MaterialError::Pem {
                    path: crl.clone(),
                    source,
                };
                for c in CertificateRevocationListDer::pem_file_iter(&crl).map_err(pem)? {
                    crls.push(c.map_err(pem)?);
                }
            }
        }
        if anchors.is_empty() {
            return Err(MaterialError::NoTrustAnchor);
        }
        Ok(Material {
            client_trusts: anchors.clone(),
            server_trusts: anchors,
            crls,
            server,
            client,
        })
    }
}
