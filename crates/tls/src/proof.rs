//! Who proved what to whom, from a run's events: each side's certificate (subject, issuer, the
//! anchor its chain ends at, the name it was checked for), its chain's verdict and its signature's,
//! or why a client proved nothing; what was agreed; how long each phase took. Typed here; the
//! words are made from assets/events.toml by [`sentences`].

use crate::event::{Event, EventKind, Verdict, say};
use certbench_wire::Side;
use certbench_wire::messages::Message;
use certbench_wire::names::HandshakeType;

/// What one side proved to the other.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Proof {
    pub subject: String,
    pub issuer: String,
    /// Where the chain as sent leads: the issuer of the last certificate sent (its own subject
    /// when that one is self-signed, a root sent along). The verifier may have built another
    /// path to its anchors; this is what the peer's own certificates say.
    pub anchor: String,
    /// Intermediates sent with the certificate (a root sent along is not one).
    pub intermediates: usize,
    /// The name the client checked the server's certificate for.
    pub name: Option<String>,
    /// The chain verified (`false`: refused).
    pub chain_ok: bool,
    /// The signature with the certificate's key (TLS 1.3 and the client's in 1.2:
    /// CertificateVerify; the server's in 1.2: ServerKeyExchange), its scheme and verdict.
    pub signature: Option<SignatureProof>,
}

/// A signature with a certificate's key: its scheme, and whether it verified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureProof {
    pub scheme: String,
    pub ok: bool,
}

/// What the client proved, or why it proved nothing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClientProof {
    Proved(Proof),
    /// The server sent no CertificateRequest.
    NotAsked,
    /// Asked, the client sent an empty Certificate.
    Declined,
    /// The run ended before it came to that.
    NotReached,
    /// Neither side is certbench (the relay): the client's Certificate crossed the wire, with a
    /// CertificateVerify or not, and no verdict of certbench's was made on it.
    Sent {
        subject: String,
        issuer: String,
        intermediates: usize,
        signed: bool,
    },
    /// What the client sent stayed encrypted: no key log secret came for it.
    Unread,
}

/// One phase of the handshake and how long it took, in microseconds (step mode's pauses left
/// out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The first ClientHello to the second, after a HelloRetryRequest: one more round trip.
    Retry,
    /// ClientHello to ServerHello: versions, suite and key shares agreed.
    Hello,
    /// ServerHello to the server's Finished: its certificate and signature.
    ServerAuth,
    /// The server's Finished to the client's: the client checks the server, signs, answers.
    ClientAuth,
    /// The same, from a client that signed nothing (no certificate).
    ClientAnswer,
    /// ClientHello to the last Finished.
    Handshake,
    /// The client's first application data to the server's.
    Request,
}

impl Phase {
    pub fn code(self) -> &'static str {
        match self {
            Phase::Retry => "phase_retry",
            Phase::Hello => "phase_hello",
            Phase::ServerAuth => "phase_server_auth",
            Phase::ClientAuth => "phase_client_auth",
            Phase::ClientAnswer => "phase_client_auth_unsigned",
            Phase::Handshake => "phase_handshake",
            Phase::Request => "phase_request",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proofs {
    /// What the server proved, once the client judged it.
    pub server: Option<Proof>,
    pub client: ClientProof,
    pub phases: Vec<(Phase, u64)>,
}

impl serde::Serialize for Proofs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("server", &self.server)?;
        m.serialize_entry("client", &self.client)?;
        // Each phase by its name (without the words' prefix), in microseconds.
        let phases: std::collections::BTreeMap<&str, u64> = self
            .phases
            .iter()
            .map(|(p, us)| (p.code().trim_start_matches("phase_"), *us))
            .collect();
        m.serialize_entry("phases_us", &phases)?;
        m.end()
    }
}

/// Who proved what, read from a run's events.
pub fn proofs(events: &[Event]) -> Proofs {
    let proof = |peer: Side| -> Option<Proof> {
        let (certificate, intermediates, name, ok) = events.iter().find_map(|e| match &e.kind {
            EventKind::Verdict(Verdict::Chain {
                peer: p,
                certificate,
                intermediates,
                server_name,
                result,
            }) if *p == peer => Some((certificate, intermediates, server_name, result.is_ok())),
            _ => None,
        })?;
        // A certificate certbench cannot read is named by its fingerprint.
        let names = |der: &[u8]| match certbench_x509::report::brief(der) {
            Ok(b) => (b.subject, b.issuer),
            Err(_) => {
                let f = format!("SHA-256 {}", certbench_x509::sha256_fingerprint(der));
                (f.clone(), f)
            }
        };
        let (subject, issuer) = names(certificate);
        let (anchor, roots) = match intermediates.last() {
            Some(top) => match names(top) {
                (s, i) if s == i => (s, 1),
                (_, i) => (i, 0),
            },
            None => (issuer.clone(), 0),
        };
        let signature = events.iter().find_map(|e| match &e.kind {
            EventKind::Verdict(Verdict::Signature {
                peer: p,
                scheme,
                result,
                ..
            }) if *p == peer => Some(SignatureProof {
                scheme: certbench_wire::names::signature_scheme(*scheme),
                ok: result.is_ok(),
            }),
            _ => None,
        });
        Some(Proof {
            subject,
            issuer,
            anchor,
            intermediates: intermediates.len() - roots,
            name: name.clone(),
            chain_ok: ok,
            signature,
        })
    };
    let sent = |side: Side, typ: HandshakeType| {
        events
            .iter()
            .find(|e| e.side == side && e.handshake_type() == Some(typ))
    };
    let client = match proof(Side::Client) {
        Some(p) => ClientProof::Proved(p),
        None => match sent(Side::Client, HandshakeType::Certificate).and_then(Event::message) {
            Some(Message::Certificate(c)) if c.certificates.is_empty() => ClientProof::Declined,
            Some(Message::Certificate(c)) => {
                let leaf = c
                    .certificates
                    .first()
                    .map(|d| certbench_x509::report::brief(d));
                let (subject, issuer) = match leaf {
                    Some(Ok(b)) => (b.subject, b.issuer),
                    _ => {
                        let f = c
                            .certificates
                            .first()
                            .map(|d| format!("SHA-256 {}", certbench_x509::sha256_fingerprint(d)))
                            .unwrap_or_default();
                        (f.clone(), f)
                    }
                };
                ClientProof::Sent {
                    subject,
                    issuer,
                    intermediates: c.certificates.len().saturating_sub(1),
                    signed: sent(Side::Client, HandshakeType::CertificateVerify).is_some(),
                }
            }
            _ if sent(Side::Client, HandshakeType::Finished).is_some()
                && sent(Side::Server, HandshakeType::CertificateRequest).is_none() =>
            {
                ClientProof::NotAsked
            }
            // Its flight crossed but could not be read.
            _ if events.iter().any(|e| {
                e.side == Side::Client
                    && matches!(
                        e.wire().map(|w| &w.what),
                        Some(crate::event::WireWhat::Unreadable {
                            reason: certbench_wire::observe::Unreadable::NotDecrypted { .. }
                        })
                    )
            }) =>
            {
                ClientProof::Unread
            }
            _ => ClientProof::NotReached,
        },
    };
    let at = |side: Side, typ: HandshakeType| sent(side, typ).map(|e| e.t_us);
    let first_data = |side: Side| {
        events
            .iter()
            .find(|e| e.side == side && e.is_application_data())
            .map(|e| e.t_us)
    };
    // After a HelloRetryRequest the hello that counts is the second one, answered by the real
    // ServerHello.
    let real_server_hello = events.iter().find(|e| {
        e.side == Side::Server
            && matches!(e.message(), Some(Message::ServerHello(sh)) if !sh.hello_retry_request)
    });
    let server_hello = real_server_hello.map(|e| e.t_us);
    let hellos: Vec<u64> = events
        .iter()
        .filter(|e| {
            e.side == Side::Client && e.handshake_type() == Some(HandshakeType::ClientHello)
        })
        .map(|e| e.t_us)
        .collect();
    let first_hello = hellos.first().copied();
    let hello = hellos.last().copied();
    let server_finished = at(Side::Server, HandshakeType::Finished);
    let client_finished = at(Side::Client, HandshakeType::Finished);
    let last_finished = server_finished.max(client_finished);
    let span = |a: Option<u64>, b: Option<u64>| b?.checked_sub(a?);
    // TLS 1.2 has the client's Finished first: its phases are the hello and the whole.
    let tls13_order = server_finished < client_finished;
    let mut phases = Vec::new();
    if hellos.len() > 1 {
        phases.push((Phase::Retry, span(first_hello, hello)));
    }
    phases.push((Phase::Hello, span(hello, server_hello)));
    if tls13_order {
        phases.push((Phase::ServerAuth, span(server_hello, server_finished)));
        let signed = matches!(&client, ClientProof::Proved(p) if p.signature.is_some());
        phases.push((
            if signed {
                Phase::ClientAuth
            } else {
                Phase::ClientAnswer
            },
            span(server_finished, client_finished),
        ));
    }
    phases.push((Phase::Handshake, span(first_hello, last_finished)));
    phases.push((
        Phase::Request,
        span(first_data(Side::Client), first_data(Side::Server)),
    ));
    Proofs {
        server: proof(Side::Server),
        client,
        phases: phases
            .into_iter()
            .filter_map(|(p, t)| Some((p, t?)))
            .collect(),
    }
}

/// The proofs in words, one sentence each (assets/events.toml).
pub fn sentences(p: &Proofs) -> Vec<String> {
    let words = |key: &str, side: Side, proof: &Proof| {
        let mut values = vec![
            ("side", side.name().to_string()),
            ("subject", proof.subject.clone()),
            ("issuer", proof.issuer.clone()),
            ("anchor", proof.anchor.clone()),
        ];
        if proof.intermediates > 0 {
            values.push(("intermediates", proof.intermediates.to_string()));
        }
        if let Some(n) = &proof.name {
            values.push(("name", n.clone()));
        }
        if let Some(sig) = &proof.signature {
            values.push(("scheme", sig.scheme.clone()));
        }
        say(key, &values)
    };
    let proved = |side: Side, proof: &Proof| {
        let key = match (proof.chain_ok, proof.signature.as_ref().map(|s| s.ok)) {
            (true, Some(true)) => "proof_proved",
            (true, None) => "proof_chain_only",
            (false, _) => "proof_chain_refused",
            (true, Some(false)) => "proof_signature_refused",
        };
        words(key, side, proof)
    };
    let mut out = Vec::new();
    match &p.server {
        Some(s) => out.push(proved(Side::Server, s)),
        None => out.push(say("proof_server_not_reached", &[])),
    }
    out.push(match &p.client {
        ClientProof::Proved(c) => proved(Side::Client, c),
        ClientProof::NotAsked => say("proof_client_not_asked", &[]),
        ClientProof::Declined => say("proof_client_declined", &[]),
        ClientProof::NotReached => say("proof_client_not_reached", &[]),
        ClientProof::Unread => say("proof_client_unread", &[]),
        ClientProof::Sent {
            subject,
            issuer,
            intermediates,
            signed,
        } => {
            let mut values = vec![("subject", subject.clone()), ("issuer", issuer.clone())];
            if *intermediates > 0 {
                values.push(("intermediates", intermediates.to_string()));
            }
            say(
                if *signed {
                    "proof_client_sent_signed"
                } else {
                    "proof_client_sent"
                },
                &values,
            )
        }
    });
    out
}

/// A phase's words, with its time.
pub fn phase_words(phase: Phase, us: u64) -> String {
    say(
        phase.code(),
        &[("ms", format!("{:.2}", us as f64 / 1000.0))],
    )
}
