//! Times a person types (`now`, an offset such as `-400d`, `+2d` or `-1h`, or RFC 3339), with
//! checked arithmetic and the range each use allows: a certificate's validity (what X.509 can
//! encode) or a verification time (what webpki can take).

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::text::display_safe;

/// The earliest time an X.509 certificate can carry (UTCTime's first year, RFC 5280 4.1.2.5).
pub const X509_EARLIEST: OffsetDateTime = datetime!(1950-01-01 0:00 UTC);
/// The latest (GeneralizedTime's last second; RFC 5280 uses it for "no expiry").
pub const X509_LATEST: OffsetDateTime = datetime!(9999-12-31 23:59:59 UTC);
/// The earliest time webpki verifies at (it counts seconds from 1970).
pub const VERIFY_EARLIEST: OffsetDateTime = datetime!(1970-01-01 0:00 UTC);

/// What is wrong with a typed time. Its `Display` is a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeInputError {
    #[error(
        "\"{}\" is not a time (use now, an offset such as -30d, +2d or -1h, or RFC 3339 such as 2026-01-31T00:00:00Z)",
        display_safe(.input, 64)
    )]
    Unrecognized { input: String },
    #[error(
        "\"{}\" is out of range: {} must lie between {} and {}",
        display_safe(.input, 64), .what, crate::text::rfc3339(*.earliest), crate::text::rfc3339(*.latest)
    )]
    OutOfRange {
        input: String,
        /// What the time is for, in words ("a certificate's validity").
        what: &'static str,
        earliest: OffsetDateTime,
        latest: OffsetDateTime,
    },
}

/// What a typed time is for, which sets the range it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUse {
    /// A certificate's validity: what X.509 can encode.
    Validity,
    /// A time to verify a chain at: what webpki can take.
    Verification,
}

impl TimeUse {
    pub fn earliest(self) -> OffsetDateTime {
        match self {
            TimeUse::Validity => X509_EARLIEST,
            TimeUse::Verification => VERIFY_EARLIEST,
        }
    }

    pub fn latest(self) -> OffsetDateTime {
        X509_LATEST
    }

    fn what(self) -> &'static str {
        match self {
            TimeUse::Validity => "a certificate's validity",
            TimeUse::Verification => "a verification time",
        }
    }
}

/// `s` as a time for `use_`: empty or `now`, an offset from `now` in days or hours (`-400d`,
/// `+2d`, `-1h`), or RFC 3339, within the range of that use. Any text is safe to pass; nothing
/// overflows.
pub fn parse_time(
    s: &str,
    now: OffsetDateTime,
    use_: TimeUse,
) -> Result<OffsetDateTime, TimeInputError> {
    let t = s.trim();
    let out_of_range = || TimeInputError::OutOfRange {
        input: t.into(),
        what: use_.what(),
        earliest: use_.earliest(),
        latest: use_.latest(),
    };
    let parsed = if t.is_empty() || t.eq_ignore_ascii_case("now") {
        now
    } else if let Some(body) = t.strip_prefix(['-', '+']) {
        let negative = t.starts_with('-');
        let unrecognized = || TimeInputError::Unrecognized { input: t.into() };
        let (digits, unit_seconds) = if let Some(d) = body.strip_suffix(['d', 'D']) {
            (d, 86_400)
        } else if let Some(h) = body.strip_suffix(['h', 'H']) {
            (h, 3_600)
        } else {
            return Err(unrecognized());
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unrecognized());
        }
        let seconds = digits
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(unit_seconds))
            .ok_or_else(out_of_range)?;
        let offset = Duration::seconds(if negative { -seconds } else { seconds });
        now.checked_add(offset).ok_or_else(out_of_range)?
    } else {
        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map_err(|_| TimeInputError::Unrecognized { input: t.into() })?
    };
    if parsed < use_.earliest() || parsed > use_.latest() {
        return Err(out_of_range());
    }
    Ok(parsed)
}

/// When a certificate starts to be valid (see [`parse_time`]).
pub fn parse_not_before(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime, TimeInputError> {
    parse_time(s, now, TimeUse::Validity)
}

/// A time to verify a chain at (see [`parse_time`]).
pub fn parse_verify_time(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime, TimeInputError> {
    parse_time(s, now, TimeUse::Verification)
}

/// The end of a validity of `days` from `not_before`, if X.509 can encode it.
pub fn validity_end(not_before: OffsetDateTime, days: u32) -> Option<OffsetDateTime> {
    not_before
        .checked_add(Duration::seconds(i64::from(days) * 86_400))
        .filter(|end| *end <= X509_LATEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        datetime!(2026-11-22 12:00 UTC)
    }

    #[test]
    fn offsets_and_rfc3339() {
        assert_eq!(parse_not_before("", now()), Ok(now()));
        assert_eq!(parse_not_before(" NOW ", now()), Ok(now()));
        assert_eq!(
            parse_not_before("-400d", now()),
            Ok(now() - Duration::days(400))
        );
        assert_eq!(
            parse_not_before("+2h", now()),
            Ok(now() + Duration::hours(2))
        );
        assert_eq!(
            parse_not_before("2020-01-01T00:00:00Z", now()),
            Ok(datetime!(2020-01-01 0:00 UTC))
        );
        assert!(parse_not_before("yesterday", now()).is_err());
    }

    /// The inputs users found that ended the program (issue 8), each now a sentence.
    #[test]
    fn what_crashed_before_is_an_error_now() {
        for input in ["-5é", "+1日", "-é", "+", "-d", "+-3d", "+3dd", "+ 3d"] {
            assert!(
                matches!(
                    parse_verify_time(input, now()),
                    Err(TimeInputError::Unrecognized { .. })
                ),
                "{input}"
            );
        }
        for input in [
            "+106751991167301d",
            "+99999999999999999d",
            "-99999999999999999999999d",
        ] {
            let e = parse_verify_time(input, now()).unwrap_err();
            assert!(matches!(e, TimeInputError::OutOfRange { .. }), "{input}");
        }
        let e = parse_not_before("-1000000d", now()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"-1000000d\" is out of range: a certificate's validity must lie between \
             1950-01-01T00:00:00Z and 9999-12-31T23:59:59Z"
        );
        assert!(parse_not_before("9999-12-31T23:59:59Z", now()).is_ok());
        assert_eq!(
            validity_end(datetime!(9999-12-31 23:59:59 UTC), 1),
            None,
            "a day after the last second X.509 can encode"
        );
        assert!(parse_verify_time("1969-12-31T23:59:59Z", now()).is_err());
    }

    #[test]
    fn hostile_text_in_an_error_is_escaped() {
        let e = parse_not_before("\u{1b}[31m-3x", now())
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }
}
