//! What a handshake is made of, apart from the run: what each side trusts, the CRLs, and each
//! side's identity (its chain and key). From a workspace here; a lab scenario builds its own in
//! memory, broken on purpose, and never touches the user's files.

use std::path::{Path, PathBuf};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

use certbench_pki::workspace::Workspace;
use certbench_wire::Side;
use certbench_x509::Role;

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
    /// How the workspace issued it, for a fix that issues it again as it was.
    pub origin: Option<Origin>,
    /// A server's: the OCSP response it staples, when it staples one.
    pub staple: Option<std::sync::Arc<crate::staple::Staple>>,
}

/// How a workspace certificate was issued: what its manifest says beyond the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The issuing CA's workspace name.
    pub issuer: Option<String>,
    pub key_alg: certbench_pki::KeyAlg,
}

impl Identity {
    /// Whether its certificate may serve TLS: its extendedKeyUsage allows serverAuth (or any
    /// purpose), or it has none.
    pub fn for_servers(&self) -> bool {
        use certbench_x509::verify::{Purpose, allows};
        self.chain
            .first()
            .is_some_and(|der| allows(der, Purpose::Server))
    }
}

impl Clone for Identity {
    fn clone(&self) -> Identity {
        Identity {
            name: self.name.clone(),
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            check_key: self.check_key,
            origin: self.origin.clone(),
            staple: self.staple.clone(),
        }
    }
}

/// What one side trusts to verify its peer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Trust {
    /// Every root CA of the workspace.
    #[default]
    Workspace,
    /// One root CA of the workspace, by name.
    Root(String),
    /// The system's trust store (the public web's CAs): a workspace certificate fails there.
    System,
}

impl Trust {
    pub fn label(&self) -> String {
        match self {
            Trust::Workspace => "workspace CAs".into(),
            Trust::Root(name) => name.clone(),
            Trust::System => "system store".into(),
        }
    }
}

/// What the user chose about the workspace's material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialChoices {
    pub server: String,
    /// `None` sends no client certificate.
    pub client: Option<String>,
    pub client_trusts: Trust,
    pub server_trusts: Trust,
    /// Each side sends its chain (leaf and intermediates), or its leaf alone.
    pub server_sends_chain: bool,
    pub client_sends_chain: bool,
    /// The server staples an OCSP response for its certificate, signed now from the workspace
    /// as `certbench ocsp` answers.
    pub staple: bool,
}

impl Default for MaterialChoices {
    fn default() -> Self {
        MaterialChoices {
            server: "server".into(),
            client: Some("client".into()),
            client_trusts: Trust::Workspace,
            server_trusts: Trust::Workspace,
            server_sends_chain: true,
            client_sends_chain: true,
            staple: false,
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
    /// The server's identity; `None` for `connect`, where the server is someone else's.
    pub server: Option<Identity>,
    pub client: Option<Identity>,
}

/// Why the material could not be put together.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaterialError {
    #[error(transparent)]
    Workspace(#[from] certbench_pki::Error),
    #[error("the workspace has no certificate named \"{name}\"")]
    UnknownCertificate { name: String },
    #[error("the workspace {} is empty: `certbench gen` makes a root CA, an intermediate, a server and a client", .dir.display())]
    EmptyWorkspace { dir: PathBuf },
    #[error("\"{name}\" is a CA certificate: a {side} needs a server or client certificate (a leaf)", side = side.name())]
    NotALeaf { name: String, side: Side },
    #[error("the workspace has no root CA to trust")]
    NoTrustAnchor,
    #[error("the workspace has no root CA named \"{name}\"")]
    UnknownRoot { name: String },
    #[error("no system trust store found (looked for {})", certbench_x509::load::SYSTEM_STORES.join(", "))]
    NoSystemStore,
    #[error("cannot read {}: {}", path.display(), pem_words(source))]
    Pem {
        path: PathBuf,
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    #[error("{} holds no certificate (PEM, -----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
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
    let text = |b: &[u8]| certbench_base::text::display_safe(&String::from_utf8_lossy(b), 80);
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
        Material::from_workspace_with(
            dir,
            &MaterialChoices {
                server: server.into(),
                client: client.map(String::from),
                ..MaterialChoices::default()
            },
        )
    }

    /// The workspace's material as the user chose it: which certificates, what each side trusts,
    /// whether each sends its chain.
    pub fn from_workspace_with(
        dir: &Path,
        choices: &MaterialChoices,
    ) -> Result<Material, MaterialError> {
        let ws = non_empty(dir)?;
        // Certificates, keys and CRLs are read as one state: no change of the workspace meanwhile.
        let _reading = ws.read_lock();
        let mut server = workspace_identity(
            &ws,
            &choices.server,
            Side::Server,
            choices.server_sends_chain,
        )?;
        if choices.staple {
            let response =
                ws.ocsp_response_for(&choices.server, time::OffsetDateTime::now_utc())?;
            server.staple = Some(crate::staple::Staple::new(Some(response.der)));
        }
        let server = Some(server);
        let client = choices
            .client
            .as_deref()
            .map(|c| workspace_identity(&ws, c, Side::Client, choices.client_sends_chain))
            .transpose()?;
        let (anchors, crls) = workspace_trust(&ws)?;
        let trusted = |t: &Trust| -> Result<Vec<Anchor>, MaterialError> {
            match t {
                Trust::Workspace => Ok(anchors.clone()),
                Trust::Root(name) => {
                    let chosen: Vec<Anchor> = anchors
                        .iter()
                        .filter(|a| &a.name == name)
                        .cloned()
                        .collect();
                    if chosen.is_empty() {
                        return Err(MaterialError::UnknownRoot { name: name.clone() });
                    }
                    Ok(chosen)
                }
                Trust::System => system_anchors(),
            }
        };
        Ok(Material {
            client_trusts: trusted(&choices.client_trusts)?,
            server_trusts: trusted(&choices.server_trusts)?,
            crls,
            server,
            client,
        })
    }
}

impl Material {
    /// A client's material alone (`connect`, where the server is someone else's): its identity,
    /// if it has one, and what it trusts.
    pub fn for_client(
        client: Option<Identity>,
        trusts: Vec<Anchor>,
        crls: Vec<CertificateRevocationListDer<'static>>,
    ) -> Material {
        Material {
            client_trusts: trusts,
            server_trusts: vec![],
            crls,
            server: None,
            client,
        }
    }

    /// A client's material from the workspace: the certificate `client` (with its chain), if
    /// any, and the workspace's root CAs and CRLs.
    pub fn client_from_workspace(
        dir: &Path,
        client: Option<&str>,
    ) -> Result<Material, MaterialError> {
        let ws = non_empty(dir)?;
        let _reading = ws.read_lock();
        let client = client
            .map(|c| workspace_identity(&ws, c, Side::Client, true))
            .transpose()?;
        let (anchors, crls) = workspace_trust(&ws)?;
        Ok(Material::for_client(client, anchors, crls))
    }
}

/// The workspace in `dir`, which must hold certificates.
fn non_empty(dir: &Path) -> Result<Workspace, MaterialError> {
    let ws = Workspace::open(dir)?;
    if ws.is_empty() {
        return Err(MaterialError::EmptyWorkspace {
            dir: dir.to_path_buf(),
        });
    }
    Ok(ws)
}

/// A workspace certificate as one side's identity: with its chain file (`chain`) or its leaf.
fn workspace_identity(
    ws: &Workspace,
    name: &str,
    side: Side,
    chain: bool,
) -> Result<Identity, MaterialError> {
    let e = ws
        .entity(name)
        .ok_or_else(|| MaterialError::UnknownCertificate { name: name.into() })?;
    if e.role.is_ca() {
        return Err(MaterialError::NotALeaf {
            name: name.into(),
            side,
        });
    }
    let file = match (&e.chain, chain) {
        (Some(c), true) => c,
        _ => &e.cert,
    };
    Ok(Identity {
        name: name.into(),
        chain: read_certs(&ws.path(file))?,
        key: read_key(&ws.path(e.key.as_deref().ok_or_else(|| {
            MaterialError::Workspace(certbench_pki::Error::NoKey { name: name.into() })
        })?))?,
        check_key: true,
        staple: None,
        origin: Some(Origin {
            issuer: e.issuer.clone(),
            key_alg: e.key_alg,
        }),
    })
}

/// The workspace's root CAs (not revoked) and its CAs' CRLs.
fn workspace_trust(
    ws: &Workspace,
) -> Result<(Vec<Anchor>, Vec<CertificateRevocationListDer<'static>>), MaterialError> {
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
    }
    for crl in ws.crl_paths() {
        let pem = |source| MaterialError::Pem {
            path: crl.clone(),
            source,
        };
        for c in CertificateRevocationListDer::pem_file_iter(&crl).map_err(pem)? {
            crls.push(c.map_err(pem)?);
        }
    }
    if anchors.is_empty() {
        return Err(MaterialError::NoTrustAnchor);
    }
    Ok((anchors, crls))
}

/// The system's trust store, as anchors.
pub fn system_anchors() -> Result<Vec<Anchor>, MaterialError> {
    let path = certbench_x509::load::system_store().ok_or(MaterialError::NoSystemStore)?;
    Ok(read_certs(&path)?
        .into_iter()
        .map(|der| Anchor {
            name: "system".into(),
            der,
        })
        .collect())
}

/// Anchors from PEM files (`--ca`), named after their file.
pub fn anchors_from_files(paths: &[PathBuf]) -> Result<Vec<Anchor>, MaterialError> {
    let mut out = Vec::new();
    for p in paths {
        let certs = read_certs(p)?;
        if certs.is_empty() {
            return Err(MaterialError::NoCertificate { path: p.clone() });
        }
        out.extend(certs.into_iter().map(|der| Anchor {
            name: p.display().to_string(),
            der,
        }));
    }
    Ok(out)
}

/// An identity from a certificate file (the leaf first, then its intermediates) and a key file.
pub fn identity_from_files(cert: &Path, key: &Path) -> Result<Identity, MaterialError> {
    let chain = read_certs(cert)?;
    if chain.is_empty() {
        return Err(MaterialError::NoCertificate {
            path: cert.to_path_buf(),
        });
    }
    Ok(Identity {
        name: cert
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        chain,
        key: read_key(key)?,
        check_key: true,
        origin: None,
        staple: None,
    })
}
