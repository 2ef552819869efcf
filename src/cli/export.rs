//! `certbench export NAME`: a workspace certificate in the files other tools take.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use certbench_pki::bundle::{ExportFileError, Format, Pkcs12Encryption, export_to_file};
use certbench_pki::workspace::Workspace;
use clap::Args;

use crate::cli::out::{errln, outln};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The certificate's name in the workspace.
    pub name: String,
    /// pkcs12: the key and its chain, a PKCS#12 key store (Java, browsers, Windows, macOS);
    /// truststore: the root CA above it, a PKCS#12 trust store (Java); pem-bundle: the key, the
    /// certificate and its intermediates in one PEM file; der: the certificate alone.
    #[arg(long, value_enum, default_value = "pkcs12")]
    pub format: FormatArg,
    /// Where to write it (default: NAME.p12, NAME-truststore.p12, NAME-bundle.pem or NAME.der in
    /// the workspace).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The PKCS#12 password: the first line of FILE, or of standard input with `-` (never on
    /// the command line, where other users' `ps` would see it).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// PKCS#12 with the legacy algorithms (3DES, SHA-1) that older Windows, macOS and Android
    /// need, instead of PBES2 with AES-256 and HMAC-SHA-256.
    #[arg(long)]
    pub legacy: bool,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Pkcs12,
    Truststore,
    PemBundle,
    Der,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Pkcs12 => Format::Pkcs12,
            FormatArg::Truststore => Format::TrustStore,
            FormatArg::PemBundle => Format::PemBundle,
            FormatArg::Der => Format::Der,
        }
    }
}

/// The first line of `path` (or of standard input for `-`), without its line end. An empty one
/// is refused unless `empty_ok` (reading a bundle someone else made with no password).
pub(super) fn read_password(path: &Path, empty_ok: bool) -> Result<String, String> {
    let mut line = String::new();
    let stdin = path == Path::new("-");
    let read = if stdin {
        std::io::stdin().lock().read_line(&mut line)
    } else {
        std::fs::File::open(path).and_then(|f| std::io::BufReader::new(f).read_line(&mut line))
    };
    let from = if stdin {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    read.map_err(|e| format!("cannot read the password from {from}: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() && !empty_ok {
        return Err(format!(
            "{from} holds an empty password: a key store needs one that is not empty"
        ));
    }
    Ok(password)
}

/// Whether the password file's first line ends with `\r\n` (standard input is not read again).
fn ends_in_crlf(path: Option<&Path>) -> bool {
    let Some(path) = path.filter(|p| *p != Path::new("-")) else {
        return false;
    };
    let mut line = String::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::BufReader::new(f).read_line(&mut line))
        .is_ok()
        && line.ends_with("\r\n")
}

pub fn run(a: ExportArgs, dir: PathBuf) -> ExitCode {
    let format = a.format.format();
    if a.password_file.is_some() && !format.needs_password() {
        return crate::cli::usage_error("--password-file is for --format pkcs12 or truststore");
    }
    if a.legacy && !format.needs_password() {
        return crate::cli::usage_error("--legacy is for --format pkcs12 or truststore");
    }
    let password = match (&a.password_file, format.needs_password()) {
        (Some(p), true) => match read_password(p, false) {
            Ok(p) => Some(p),
            Err(e) => {
                errln!("certbench: {e}");
                return ExitCode::FAILURE;
            }
        },
        (None, true) => {
            return crate::cli::usage_error(
                "PKCS#12 needs a password: --password-file FILE (its first line), or - for standard input",
            );
        }
        _ => None,
    };
    let ws = match Workspace::open(&dir) {
        Ok(ws) => ws,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let encryption = if a.legacy {
        Pkcs12Encryption::Legacy
    } else {
        Pkcs12Encryption::Modern
    };
    let written = match export_to_file(
        &ws,
        &a.name,
        format,
        password.as_deref(),
        encryption,
        a.out.as_deref(),
        a.force,
    ) {
        Ok(w) => w,
        Err(e) => {
            match e {
                ExportFileError::IsFolder { path, suggested } => errln!(
                    "certbench: {} is a folder: give a file name (--out {})",
                    path.display(),
                    suggested.display()
                ),
                ExportFileError::Exists { path } => errln!(
                    "certbench: {} exists: pass --force to replace it, or --out FILE",
                    path.display()
                ),
                e => errln!("certbench: {e}"),
            }
            return ExitCode::FAILURE;
        }
    };
    let out = written.path;
    let words = format.words(encryption);
    let what = format!("{}: {}", words.title, words.detail);
    let mode = if written.private { ", mode 0600" } else { "" };
    let replaced = if written.replaced {
        ", replacing the file that was there"
    } else {
        ""
    };
    outln!("Wrote {} ({what}{mode}{replaced})", out.display());
    let shown = certbench_base::text::shell_word(&out);
    match format {
        Format::Pkcs12 | Format::TrustStore => {
            // The password's own file when there is one, so the lines run as printed.
            let pass = match &a.password_file {
                Some(p) if p != Path::new("-") => certbench_base::text::shell_word(p),
                _ => "PASSWORD-FILE".to_string(),
            };
            outln!("  keytool -list -keystore {shown} -storetype PKCS12 -storepass:file {pass}");
            let crlf = password.is_some() && ends_in_crlf(a.password_file.as_deref());
            if crlf {
                // openssl's file: would keep the \r as part of the password: the line given
                // takes it out first, so that it runs as printed.
                outln!(
                    "  tr -d '\\r' < {pass} | openssl pkcs12 -info -noout -in {shown} -passin stdin"
                );
                errln!(
                    "certbench: note: the password file ends its line with \\r\\n: certbench and keytool leave the \\r out; openssl's -passin file: would keep it, so the openssl line above takes it out first (tr -d '\\r')"
                );
            } else {
                outln!("  openssl pkcs12 -info -noout -in {shown} -passin file:{pass}");
            }
        }
        Format::PemBundle => outln!("  curl --cert {shown} ..."),
        Format::Der => outln!("  openssl x509 -inform DER -in {shown} -noout -text"),
    }
    ExitCode::SUCCESS
}
