//! The explanation texts of assets/explain.toml: what a field means, why mTLS cares, its RFC.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Explanation {
    pub text: String,
    #[serde(default)]
    pub mtls: String,
    #[serde(default)]
    pub rfc: String,
}

const EXPLAIN: &str = include_str!("../../../assets/explain.toml");

fn table() -> &'static HashMap<String, Explanation> {
    static TABLE: OnceLock<HashMap<String, Explanation>> = OnceLock::new();
    // The file is part of the binary and a test parses it: an error here is a build mistake, and
    // the UI then shows no explanations rather than failing.
    certbench_base::assets::table(&TABLE, EXPLAIN)
}

/// The explanation for a field tree key; unknown extensions fall back to `ext.unknown`.
pub fn explain(key: &str) -> Option<&'static Explanation> {
    let t = table();
    t.get(key).or_else(|| {
        key.starts_with("ext.")
            .then(|| t.get("ext.unknown"))
            .flatten()
    })
}

/// What a handshake step means, from assets/steps.toml.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct StepExplanation {
    pub text: String,
    #[serde(default)]
    pub look: String,
    #[serde(default)]
    pub rfc: String,
    /// What the message does in TLS 1.2, when it differs.
    #[serde(default)]
    pub tls12_text: Option<String>,
    #[serde(default)]
    pub tls12_look: Option<String>,
}

impl StepExplanation {
    /// The text and what to look at, for a run of TLS 1.2 (`tls12`) or 1.3.
    pub fn for_version(&self, tls12: bool) -> (&str, &str) {
        fn pick(v: &Option<String>, tls12: bool) -> Option<&str> {
            v.as_deref().filter(|_| tls12)
        }
        (
            pick(&self.tls12_text, tls12).unwrap_or(&self.text),
            pick(&self.tls12_look, tls12).unwrap_or(&self.look),
        )
    }
}

const STEPS: &str = include_str!("../../../assets/steps.toml");

/// The explanation of a handshake message by its RFC name ("ClientHello").
pub fn explain_step(message: &str) -> Option<&'static StepExplanation> {
    static TABLE: OnceLock<HashMap<String, StepExplanation>> = OnceLock::new();
    certbench_base::assets::table(&TABLE, STEPS).get(message)
}

const FIELDS: &str = include_str!("../../../assets/fields.toml");

/// What a field of a TLS record or handshake message is, in plain words (assets/fields.toml),
/// by the name the wire crate's byte annotation gives it.
pub fn explain_wire_field(name: &str) -> Option<&'static str> {
    static TABLE: OnceLock<HashMap<String, HashMap<String, String>>> = OnceLock::new();
    certbench_base::assets::table(&TABLE, FIELDS)
        .get("fields")?
        .get(name)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handshake_message_has_a_step_explanation() {
        let parsed: HashMap<String, StepExplanation> = toml::from_str(STEPS).unwrap();
        for m in [
            "ClientHello",
            "ServerHello",
            "HelloRetryRequest",
            "secrets",
            "EncryptedExtensions",
            "CertificateRequest",
            "Certificate",
            "CertificateVerify",
            "Finished",
            "NewSessionTicket",
            "ServerKeyExchange",
            "ServerHelloDone",
            "ClientKeyExchange",
            "ChangeCipherSpec",
            "Alert",
            "ApplicationData",
        ] {
            assert!(parsed.contains_key(m), "{m}");
            assert!(explain_step(m).is_some());
        }
    }

    #[test]
    fn the_texts_parse_and_cover_every_field_of_a_real_certificate() {
        let parsed: HashMap<String, Explanation> = toml::from_str(EXPLAIN).unwrap();
        assert!(parsed.len() > 30);
        let dir = tempfile::tempdir().unwrap();
        let mut ws = certbench_pki::workspace::Workspace::open(dir.path()).unwrap();
        ws.gen_set(
            &certbench_pki::workspace::SetOptions::default(),
            false,
            time::OffsetDateTime::now_utc(),
        )
        .unwrap();
        let pem = std::fs::read(dir.path().join("server.crt")).unwrap();
        let der = x509_parser::pem::parse_x509_pem(&pem).unwrap().1.contents;
        for node in crate::tree::field_tree(&der, time::OffsetDateTime::now_utc()).unwrap() {
            let e = explain(&node.explain)
                .unwrap_or_else(|| panic!("no explanation for {}", node.explain));
            assert!(!e.text.is_empty());
        }
    }

    #[test]
    fn every_ocsp_field_is_explained() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/ocsp");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let der = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let message = if name.starts_with("request") {
                crate::ocsp::tree::Message::Request
            } else {
                crate::ocsp::tree::Message::Response
            };
            for node in crate::ocsp::tree::fields(&der, message) {
                let e = explain(&node.explain)
                    .unwrap_or_else(|| panic!("no explanation for {} ({name})", node.explain));
                assert!(!e.text.is_empty());
                seen += 1;
            }
        }
        assert!(seen > 50, "{seen}");
    }
}
