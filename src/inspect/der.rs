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
