//! Why something could not be read or decoded, as data: what was wrong with the DER, the PEM, the
//! file. Each variant's message is the sentence a person reads.

use crate::load::Kind;

/// What is wrong with DER that x509-parser refused, in the words of the encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DerProblem {
    #[error("cut short: the DER ends before its lengths say it does")]
    CutShort,
    #[error("malformed DER")]
    Malformed,
    #[error("malformed DER: a length that does not fit")]
    BadLength,
    #[error("malformed DER: an invalid value ({0})")]
    InvalidValue(String),
    #[error("malformed DER: an element of the wrong type")]
    WrongType,
    #[error("malformed DER: an element of the wrong class")]
    WrongClass,
    #[error("not DER: an encoding BER allows and DER does not")]
    NotDer,
    #[error("a string with characters its type does not allow")]
    BadCharset,
    #[error("an invalid date or time")]
    BadTime,
    #[error("an integer out of range")]
    IntegerRange,
    /// x509-parser's own sentence, for the errors it words itself ("invalid X.509 name").
    #[error("{0}")]
    X509(String),
}

/// Why a certificate, CRL or CSR did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("not a valid {what}: {problem}")]
    Malformed { what: Kind, problem: DerProblem },
    #[error("{bytes} bytes of trailing data after the {what}")]
    TrailingData { what: Kind, bytes: usize },
    #[error("the certificate's structure is not as X.509 lays it out")]
    Structure,
    #[error("not a PEM certificate")]
    NotPem,
    #[error(transparent)]
    Ocsp(#[from] crate::ocsp::OcspError),
    #[error("the PEM block is a {label}, not a CERTIFICATE")]
    NotCertificatePem { label: String },
}

/// An I/O error, kept as the system said it (io::Error is neither Clone nor Eq).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct IoProblem {
    pub kind: std::io::ErrorKind,
    pub message: String,
}

impl From<&std::io::Error> for IoProblem {
    fn from(e: &std::io::Error) -> IoProblem {
        IoProblem {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// What people mistake for a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Container {
    Pkcs12,
    Pkcs7,
    /// A CMS message of another content type, by its OID.
    Cms(String),
    CrossCertificatePair,
    OcspResponse,
    OcspRequestOrOther,
}

impl std::fmt::Display for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Container::Pkcs12 => f.write_str(
                "a PKCS#12 bundle (.p12/.pfx): its password reads its certificates",
            ),
            Container::Pkcs7 => f.write_str(
                "a PKCS#7 (.p7b) bundle, not a certificate: `openssl pkcs7 -print_certs -in FILE` extracts its certificates",
            ),
            Container::Cms(oid) => write!(f, "a CMS/PKCS#7 message ({oid}), not a certificate"),
            Container::CrossCertificatePair => {
                f.write_str("an X.509 cross-certificate pair, not a certificate")
            }
            Container::OcspResponse => f.write_str("an OCSP response, not a certificate"),
            Container::OcspRequestOrOther => f.write_str(
                "an OCSP request or another ASN.1 structure, not a certificate, CRL or CSR",
            ),
        }
    }
}

/// Why an item of a load is an error instead of a certificate, CRL or CSR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("cannot read it: {0}")]
    Read(IoProblem),
    #[error("cannot list the folder: {0}")]
    ListFolder(IoProblem),
    #[error("folders nested too deep")]
    TooDeep,
    #[error("skipped: a folder already read (a link leads back to it)")]
    FolderLoop,
    #[error("skipped: {0}, not a regular file")]
    NotAFile(&'static str),
    #[error("{size_mb} MB is more than certbench reads ({max_mb} MB)")]
    TooLarge { size_mb: u64, max_mb: u64 },
    #[error(
        "not read: one load keeps at most {max_items} items and reads at most {max_mb} MB, and that was reached here; open fewer files at once"
    )]
    OverBudget { max_items: usize, max_mb: u64 },
    #[error("the {label} block from line {line}: not base64 (a character outside ASCII)")]
    PemNotAscii { label: String, line: usize },
    #[error("the {label} block from line {line}: {why}")]
    PemBase64 {
        label: String,
        line: usize,
        why: certbench_base::text::Base64Error,
    },
    #[error("the {label} block from line {line} has no END line (truncated?)")]
    PemNoEnd { label: String, line: usize },
    /// PEM with nothing certbench reads; `skipped` names the blocks it saw.
    #[error("no certificate, CRL or CSR here ({})", nothing_here(.skipped))]
    NothingHere { skipped: Vec<String> },
    #[error("{0}")]
    Container(Container),
    #[error("the file is empty")]
    Empty,
    #[error("a PKCS#12 bundle: {0}")]
    Pkcs12(Pkcs12Problem),
    #[error("neither PEM nor DER (no -----BEGIN line, and not an ASN.1 SEQUENCE)")]
    NotPemNorDer,
    /// The program's own sentence, when the task that loads failed.
    #[error("{0}")]
    Task(String),
    /// A file met in a folder that holds nothing certbench reads (a key, a manifest, an
    /// `index.txt`): passed over, not an error. Named on its own, the same file is an error.
    #[error("passed over ({})", passed_over(.0))]
    PassedOver(Box<LoadError>),
}

impl LoadError {
    /// What, met in a folder, is not a certificate file rather than a broken one.
    pub fn is_not_for_us(&self) -> bool {
        matches!(
            self,
            LoadError::NothingHere { .. } | LoadError::NotPemNorDer | LoadError::Empty
        )
    }
}

fn passed_over(why: &LoadError) -> String {
    match why {
        LoadError::NothingHere { skipped } if !skipped.is_empty() => {
            format!("it holds only {}", skipped.join(", "))
        }
        LoadError::NotPemNorDer => "not a certificate file: neither PEM nor DER".to_string(),
        LoadError::Empty => "empty".to_string(),
        other => other.to_string(),
    }
}

fn nothing_here(skipped: &[String]) -> String {
    if skipped.is_empty() {
        "no complete PEM block".to_string()
    } else {
        format!("only {}", skipped.join(", "))
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Certificate => "certificate",
            Kind::Crl => "CRL",
            Kind::Csr => "CSR",
            Kind::OcspRequest => "OCSP request",
            Kind::OcspResponse => "OCSP response",
        })
    }
}

/// Why a PKCS#12 bundle could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pkcs12Problem {
    /// Its integrity check failed with the password given: a wrong password (or a damaged file).
    WrongPassword,
    /// The library could not read it; its own name for why.
    Unreadable(String),
}

impl std::fmt::Display for Pkcs12Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pkcs12Problem::WrongPassword => {
                f.write_str("the password does not open it (its integrity check failed)")
            }
            Pkcs12Problem::Unreadable(name) => write!(f, "it cannot be read ({name})"),
        }
    }
}
