//! A small DER reader: tag, length, and where each value sits in the input. Used for what
//! x509-parser does not keep (the order of EKU OIDs) and for byte ranges of fields.

/// One TLV: where it starts, where its contents start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv {
    pub tag: u8,
    pub start: usize,
    pub content_start: usize,
    pub end: usize,
}

impl Tlv {
    pub fn content<'a>(&self, input: &'a [u8]) -> &'a [u8] {
        &input[self.content_start..self.end]
    }
    pub fn is_constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }
}

/// The TLV at `pos`, or `None` when the bytes do not hold one (never panics, never allocates).
pub fn read_tlv(input: &[u8], pos: usize) -> Option<Tlv> {
    let tag = *input.get(pos)?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers do not occur in X.509
    }
    let first = *input.get(pos + 1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(pos + 2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let content_start = pos + header;
    let end = content_start.checked_add(len)?;
    if end > input.len() {
        return None;
    }
    Some(Tlv {
        tag,
        start: pos,
        content_start,
        end,
    })
}

/// The TLVs inside a constructed value's contents.
pub fn children(input: &[u8], parent: &Tlv) -> Vec<Tlv> {
    let mut out = Vec::new();
    let mut pos = parent.content_start;
    while pos < parent.end {
        match read_tlv(input, pos) {
            Some(t) if t.end <= parent.end => {
                pos = t.end;
                out.push(t);
            }
            _ => break,
        }
    }
    out
}

/// A certificate's notBefore and notAfter TLVs, found by position: tbsCertificate's fields are
/// an optional `[0]` version, serial, signature, issuer, then validity.
pub fn validity_times(der: &[u8]) -> Option<[Tlv; 2]> {
    let top = read_tlv(der, 0)?;
    let tbs = *children(der, &top).first()?;
    let mut fields = children(der, &tbs).into_iter().peekable();
    fields.next_if(|t| t.tag == 0xa0);
    let validity = fields.nth(3)?;
    match children(der, &validity).as_slice() {
        [nb, na] => Some([*nb, *na]),
        _ => None,
    }
}

/// What is wrong with a validity time that openssl still reads (and prints as "Bad time
/// value") but x509-parser refuses with the whole certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeProblem {
    /// All digits, with no 'Z' (nor any other zone) after the seconds. RFC 5280 4.1.2.5
    /// requires the 'Z'; rustls refuses the certificate.
    NoZone,
    /// A UTCTime written with a four-digit year (14 digits, as a GeneralizedTime is written):
    /// UTCTime has two (RFC 5280 4.1.2.5.1).
    UtcTimeFourDigitYear,
}

/// What is wrong with a time, if it is one of the [`TimeProblem`]s.
pub fn time_problem(der: &[u8], t: &Tlv) -> Option<TimeProblem> {
    let c = t.content(der);
    let digits = |n: usize| c.len() >= n && c[..n].iter().all(u8::is_ascii_digit);
    match (t.tag, c.len()) {
        (0x17, 12) if digits(12) => Some(TimeProblem::NoZone),
        (0x18, 14) if digits(14) => Some(TimeProblem::NoZone),
        (0x17, 14) if digits(14) => Some(TimeProblem::UtcTimeFourDigitYear),
        (0x17, 15) if digits(14) && c[14] == b'Z' => Some(TimeProblem::UtcTimeFourDigitYear),
        _ => None,
    }
}

/// A time read as it means: the 'Z' added, a four-digit-year UTCTime made a GeneralizedTime.
fn readable_time(der: &[u8], t: &Tlv) -> Option<Vec<u8>> {
    let mut c = t.content(der).to_vec();
    let tag = match time_problem(der, t)? {
        TimeProblem::NoZone => t.tag,
        TimeProblem::UtcTimeFourDigitYear => 0x18,
    };
    if c.last() != Some(&b'Z') {
        c.push(b'Z');
    }
    Some(encode(tag, &c))
}

/// The bytes x509-parser can read for this certificate: `der` itself, or, when a validity time
/// is malformed in a way openssl reads (see [`time_problem`]), a copy with the time written as
/// it means and the lengths around
/// it re-encoded. Only values are read from the copy: byte ranges, fingerprints and signatures
/// use the certificate's own bytes.
pub fn readable_certificate(der: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    let Some(times) = validity_times(der) else {
        return Cow::Borrowed(der);
    };
    if !times.iter().any(|t| time_problem(der, t).is_some()) {
        return Cow::Borrowed(der);
    }
    // Rebuild from the inside out: each time, then validity, tbsCertificate, Certificate.
    let rebuild = |parent: &Tlv, inner: &dyn Fn(&Tlv) -> Option<Vec<u8>>| -> Vec<u8> {
        let mut content = Vec::with_capacity(parent.end - parent.content_start + 2);
        for child in children(der, parent) {
            match inner(&child) {
                Some(bytes) => content.extend(bytes),
                None => content.extend(&der[child.start..child.end]),
            }
        }
        encode(parent.tag, &content)
    };
    let time = |t: &Tlv| -> Option<Vec<u8>> { readable_time(der, t) };
    let validity_start = times[0].start;
    let Some(top) = read_tlv(der, 0) else {
        return Cow::Borrowed(der);
    };
    let validity = |t: &Tlv| -> Option<Vec<u8>> {
        (t.content_start == validity_start).then(|| rebuild(t, &time))
    };
    let tbs = |t: &Tlv| -> Option<Vec<u8>> {
        (t.start == top.content_start).then(|| rebuild(t, &validity))
    };
    let mut out = rebuild(&top, &tbs);
    // Whatever follows the certificate stays, so a check for trailing bytes still sees it.
    out.extend(&der[top.end..]);
    Cow::Owned(out)
}

/// A definite-length DER TLV.
pub fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = header(tag, content.len());
    out.extend(content);
    out
}

/// A DER header: the tag, then the length (short form below 128, else long form).
pub fn header(tag: u8, len: usize) -> Vec<u8> {
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = (len as u64)
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out
}

/// An OBJECT IDENTIFIER's contents as dotted text.
pub fn oid_string(content: &[u8]) -> Option<String> {
    if content.is_empty() || content.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    // Written straight into one string: this runs for every name attribute and extension of
    // every certificate of a big bundle.
    let mut out = String::with_capacity(content.len() * 3);
    let push = |arc: u64, out: &mut String| {
        if !out.is_empty() {
            out.push('.');
        }
        let mut digits = [0u8; 20];
        let mut n = arc;
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend(digits[i..].iter().map(|&d| char::from(d)));
    };
    let mut acc: u64 = 0;
    let mut first = true;
    for &b in content {
        acc = acc.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if first {
                let top = (acc / 40).min(2);
                push(top, &mut out);
                push(acc - top * 40, &mut out);
                first = false;
            } else {
                push(acc, &mut out);
            }
            acc = 0;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_values_and_oids() {
        // SEQUENCE { OID 2.5.29.37, INTEGER 5 }
        let der = [0x30, 0x08, 0x06, 0x03, 0x55, 0x1d, 0x25, 0x02, 0x01, 0x05];
        let top = read_tlv(&der, 0).unwrap();
        let kids = children(&der, &top);
        assert_eq!(kids.len(), 2);
        assert_eq!(
            oid_string(kids[0].content(&der)).as_deref(),
            Some("2.5.29.37")
        );
        assert_eq!(kids[1].content(&der), [5]);
    }

    #[test]
    fn never_reads_past_the_end() {
        assert_eq!(read_tlv(&[0x30, 0x05, 0x01], 0), None);
        assert_eq!(read_tlv(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], 0), None);
        assert_eq!(read_tlv(&[0x30], 0), None);
        assert_eq!(read_tlv(&[], 0), None);
        assert_eq!(oid_string(&[0x80]), None);
    }
}
