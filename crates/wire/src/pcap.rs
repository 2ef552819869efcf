//! A run as a pcapng capture: the bytes certbench saw cross the loopback connection, each read or
//! write one TCP segment (IPv4 headers made for them, with a TCP handshake before and the close
//! after), and the run's key log inside as a Decryption Secrets Block, so Wireshark or tshark
//! opens it decrypted with no capture privileges and no key log of its own. The blocks are
//! written by pcap-parser.

use pcap_parser::pcapng::{
    DecryptionSecretsBlock, EnhancedPacketBlock, InterfaceDescriptionBlock, SecretsType,
    SectionHeaderBlock,
};
use pcap_parser::{Linktype, ToVec};

/// Bytes one side wrote, as the other read them: one segment on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Microseconds since the run started.
    pub t_us: u64,
    pub from_client: bool,
    /// Shared with the records the observer cut from them.
    pub bytes: bytes::Bytes,
}

/// What a run saw on the wire, for a capture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wire {
    pub segments: Vec<Segment>,
    pub client_port: u16,
    pub server_port: u16,
    /// When the run started (microseconds since the Unix epoch), for the packets' times.
    pub start_unix_us: u64,
}

/// At most this many bytes of a run are kept for its capture (a run is a handshake and one
/// request): past it nothing more is kept, so the capture is the connection's first bytes, whole
/// and in order.
pub const MAX_WIRE_BYTES: usize = 4 << 20;

/// Why a capture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("the run kept no bytes to capture")]
    Empty,
    #[error("the pcapng writer failed: {0}")]
    Write(String),
}

const TCP_FIN: u8 = 0x01;
const TCP_SYN: u8 = 0x02;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;

/// The pcapng file of `wire`, with `keylog` (SSLKEYLOGFILE lines) in a Decryption Secrets Block
/// before the packets (and before the interface, as one run's capture has always been laid out).
pub fn pcapng(wire: &Wire, keylog: &[String]) -> Result<Vec<u8>, PcapError> {
    if wire.segments.is_empty() {
        return Err(PcapError::Empty);
    }
    let mut out = section_header()?;
    out.extend(secrets(keylog)?);
    out.extend(interface()?);
    out.extend(packets(wire)?);
    Ok(out)
}

/// The start of a pcapng file that connections are appended to as they end (the relay's,
/// serve's): its section header and its one interface.
pub fn header() -> Result<Vec<u8>, PcapError> {
    let mut out = section_header()?;
    out.extend(interface()?);
    Ok(out)
}

/// One connection's blocks, to follow [`header`]: its secrets in a Decryption Secrets Block
/// (what decrypts it, before its packets), then its packets, a TCP handshake and close around
/// the bytes that crossed. Nothing for a connection that kept no bytes.
pub fn connection(wire: &Wire, keylog: &[String]) -> Result<Vec<u8>, PcapError> {
    if wire.segments.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = secrets(keylog)?;
    out.extend(packets(wire)?);
    Ok(out)
}

fn section_header() -> Result<Vec<u8>, PcapError> {
    let mut shb = SectionHeaderBlock {
        block_type: 0,
        block_len1: 0,
        bom: 0,
        major_version: 1,
        minor_version: 0,
        section_len: -1,
        options: vec![],
        block_len2: 0,
    };
    block(&mut shb)
}

/// Raw IP: each packet starts with its IPv4 header. Microsecond times (the default).
fn interface() -> Result<Vec<u8>, PcapError> {
    let mut idb = InterfaceDescriptionBlock {
        block_type: 0,
        block_len1: 0,
        linktype: Linktype::RAW,
        reserved: 0,
        snaplen: 0,
        options: vec![],
        block_len2: 0,
        if_tsresol: 6,
        if_tsoffset: 0,
    };
    block(&mut idb)
}

/// The key log's lines in a Decryption Secrets Block; nothing when there are none.
fn secrets(keylog: &[String]) -> Result<Vec<u8>, PcapError> {
    let secrets: String = keylog.iter().map(|l| format!("{l}\n")).collect();
    if secrets.is_empty() {
        return Ok(Vec::new());
    }
    let mut dsb = DecryptionSecretsBlock {
        block_type: 0,
        block_len1: 0,
        secrets_type: SecretsType::TlsKeyLog,
        secrets_len: secrets.len() as u32,
        data: secrets.as_bytes(),
        options: vec![],
        block_len2: 0,
    };
    block(&mut dsb)
}

/// The connection's packets: a TCP handshake, the bytes as they crossed, a close.
fn packets(wire: &Wire) -> Result<Vec<u8>, PcapError> {
    let mut out = Vec::new();
    let mut tcp = Tcp::new(wire.client_port, wire.server_port);
    let first_t = wire.segments.first().map_or(0, |s| s.t_us);
    let mut packets: Vec<(u64, Vec<u8>)> = Vec::new();
    // The TCP handshake, just before the first bytes.
    let t0 = first_t.saturating_sub(3);
    packets.push((t0, tcp.packet(true, TCP_SYN, &[])));
    packets.push((t0 + 1, tcp.packet(false, TCP_SYN | TCP_ACK, &[])));
    packets.push((t0 + 2, tcp.packet(true, TCP_ACK, &[])));
    let mut last_t = first_t;
    for s in &wire.segments {
        // A segment holds at most 64 KB with its headers; a longer read is split.
        for chunk in s.bytes.chunks(65_000) {
            packets.push((s.t_us, tcp.packet(s.from_client, TCP_PSH | TCP_ACK, chunk)));
        }
        last_t = s.t_us;
    }
    packets.push((last_t + 1, tcp.packet(true, TCP_FIN | TCP_ACK, &[])));
    packets.push((last_t + 2, tcp.packet(false, TCP_FIN | TCP_ACK, &[])));
    packets.push((last_t + 3, tcp.packet(true, TCP_ACK, &[])));
    for (t_us, packet) in &packets {
        let t = wire.start_unix_us + t_us;
        let mut epb = EnhancedPacketBlock {
            block_type: 0,
            block_len1: 0,
            if_id: 0,
            ts_high: (t >> 32) as u32,
            ts_low: t as u32,
            caplen: packet.len() as u32,
            origlen: packet.len() as u32,
            data: packet,
            options: vec![],
            block_len2: 0,
        };
        out.extend(block(&mut epb)?);
    }
    Ok(out)
}

/// One block, serialized (its lengths filled in by pcap-parser).
fn block(b: &mut impl ToVec) -> Result<Vec<u8>, PcapError> {
    b.to_vec().map_err(|e| PcapError::Write(format!("{e:?}")))
}

/// The two ends of the connection on 127.0.0.1, and where each one's sequence numbers are.
struct Tcp {
    client_port: u16,
    server_port: u16,
    /// Next sequence number each way (client, server).
    next: [u32; 2],
    id: u16,
}

impl Tcp {
    fn new(client_port: u16, server_port: u16) -> Tcp {
        Tcp {
            client_port,
            server_port,
            next: [0x1000_0000, 0x2000_0000],
            id: 1,
        }
    }

    /// One IPv4 packet with a TCP segment from the client (or the server), its checksums
    /// computed, and the sequence numbers moved on.
    fn packet(&mut self, from_client: bool, flags: u8, payload: &[u8]) -> Vec<u8> {
        let (me, peer) = if from_client { (0, 1) } else { (1, 0) };
        let (src_port, dst_port) = if from_client {
            (self.client_port, self.server_port)
        } else {
            (self.server_port, self.client_port)
        };
        let seq = self.next[me];
        let ack = if flags & TCP_ACK != 0 {
            self.next[peer]
        } else {
            0
        };
        // SYN and FIN count as one byte of the sequence.
        let consumed = payload.len() as u32 + u32::from(flags & (TCP_SYN | TCP_FIN) != 0);
        self.next[me] = seq.wrapping_add(consumed);

        let mut tcp = Vec::with_capacity(20 + payload.len());
        tcp.extend(src_port.to_be_bytes());
        tcp.extend(dst_port.to_be_bytes());
        tcp.extend(seq.to_be_bytes());
        tcp.extend(ack.to_be_bytes());
        tcp.push(5 << 4); // header length: 5 words
        tcp.push(flags);
        tcp.extend(65_535u16.to_be_bytes()); // window
        tcp.extend([0, 0]); // checksum, below
        tcp.extend([0, 0]); // urgent pointer
        tcp.extend(payload);
        let localhost = [127, 0, 0, 1];
        let mut pseudo = Vec::with_capacity(12 + tcp.len());
        pseudo.extend(localhost);
        pseudo.extend(localhost);
        pseudo.extend([0, 6]);
        pseudo.extend((tcp.len() as u16).to_be_bytes());
        pseudo.extend(&tcp);
        let sum = checksum(&pseudo);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());

        let total = (20 + tcp.len()) as u16;
        let mut ip = Vec::with_capacity(total as usize);
        ip.push(0x45); // IPv4, 5 words
        ip.push(0);
        ip.extend(total.to_be_bytes());
        ip.extend(self.id.to_be_bytes());
        self.id = self.id.wrapping_add(1);
        ip.extend([0x40, 0]); // don't fragment
        ip.push(64); // TTL
        ip.push(6); // TCP
        ip.extend([0, 0]); // checksum, below
        ip.extend(localhost);
        ip.extend(localhost);
        let sum = checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        ip.extend(tcp);
        ip
    }
}

/// The Internet checksum (RFC 1071).
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for pair in bytes.chunks(2) {
        let word = match pair {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1071's example: the words 0001 f203 f4f5 f6f7 sum to ddf2, whose complement is 220d.
    #[test]
    fn the_checksum_is_rfc_1071s() {
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }
}
