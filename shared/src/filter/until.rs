//! [`Until`]: the value of a prune `until=` filter, as Docker's
//! `timetypes.GetTimestamp` reads it.
//!
//! # Grammar (first that fits wins)
//!
//! | form | example | means |
//! | --- | --- | --- |
//! | duration ([`parse_duration`]) | `24h`, `1h30m`, `7d` | that long before now |
//! | RFC 3339 with a zone | `2024-01-02T03:04:05Z`, `…+02:00` | that instant |
//! | date and time, no zone | `2024-01-02T03:04:05`, `2024-01-02T03:04` | that time in UTC |
//! | date | `2024-01-02` | its midnight, UTC |
//! | unix seconds | `1700000000`, `1700000000.5` | that instant |
//!
//! Docker reads a date or time without a zone in the daemon's local time
//! zone; strata has no local zone in its pure code and reads it as UTC
//! (write the zone to be exact). "Now" is the caller's: the parsed value
//! keeps a duration as a duration until [`Until::instant`] is given now.

use std::fmt;
use std::str::FromStr;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime};

use crate::units::{format_duration, parse_duration};

use super::error::FilterError;

/// A parsed `until=` value: a point in time, or a duration before now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// That long before now.
    Ago(Duration),
    /// That instant.
    At(OffsetDateTime),
}

impl Until {
    /// The instant this names when it is `now`.
    pub fn instant(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Until::Ago(d) => now - d,
            Until::At(t) => t,
        }
    }
}

impl FromStr for Until {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(d) = parse_duration(s) {
            return Ok(Until::Ago(d));
        }
        if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
            return Ok(Until::At(t));
        }
        let seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        let minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
        for layout in [seconds, minutes] {
            if let Ok(t) = PrimitiveDateTime::parse(s, layout) {
                return Ok(Until::At(t.assume_utc()));
            }
        }
        if let Ok(d) = Date::parse(s, format_description!("[year]-[month]-[day]")) {
            return Ok(Until::At(d.midnight().assume_utc()));
        }
        unix_seconds(s).map(Until::At).ok_or_else(|| FilterError::InvalidValue {
            key: "until",
            value: s.to_owned(),
            expected: "expected a duration (24h, 1h30m), an RFC 3339 time (2024-01-02T03:04:05Z), a date (2024-01-02) or unix seconds",
        })
    }
}

/// `SECONDS[.FRACTION]` since the epoch.
fn unix_seconds(s: &str) -> Option<OffsetDateTime> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let nanos: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().ok()?
    };
    let t = OffsetDateTime::from_unix_timestamp(seconds).ok()?;
    Some(t + Duration::nanoseconds(nanos))
}

impl fmt::Display for Until {
    /// A form [`Until::from_str`] reads back: the duration, or RFC 3339.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Until::Ago(d) => f.write_str(&format_duration(*d)),
            Until::At(t) => match t.format(&Rfc3339) {
                Ok(text) => f.write_str(&text),
                Err(_) => Err(fmt::Error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;

    use super::*;

    #[test]
    fn every_form_docker_takes() {
        let now = datetime!(2024-06-01 12:00 UTC);
        #[rustfmt::skip]
        let cases = [
            ("24h", datetime!(2024-05-31 12:00 UTC)),
            ("1h30m", datetime!(2024-06-01 10:30 UTC)),
            ("7d", datetime!(2024-05-25 12:00 UTC)),
            ("0", now),
            ("2024-01-02T03:04:05Z", datetime!(2024-01-02 03:04:05 UTC)),
            ("2024-01-02T03:04:05+02:00", datetime!(2024-01-02 01:04:05 UTC)),
            ("2024-01-02T03:04:05.5Z", datetime!(2024-01-02 03:04:05.5 UTC)),
            ("2024-01-02T03:04:05", datetime!(2024-01-02 03:04:05 UTC)),
            ("2024-01-02T03:04", datetime!(2024-01-02 03:04 UTC)),
            ("2024-01-02", datetime!(2024-01-02 0:00 UTC)),
            ("1700000000", datetime!(2023-11-14 22:13:20 UTC)),
            ("1700000000.25", datetime!(2023-11-14 22:13:20.25 UTC)),
        ];
        for (input, want) in cases {
            let until: Until = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(until.instant(now), want, "{input}");
            let again: Until = until.to_string().parse().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(again.instant(now), want, "{input} round trip");
        }
    }

    #[test]
    fn bad_values_say_what_works() {
        for input in [
            "",
            "yesterday",
            "24x",
            "-1h",
            "2024-13-01",
            "1.2.3",
            "17e8",
            "1.1234567890",
        ] {
            let err = input.parse::<Until>().err().map(|e| e.to_string());
            let err = err.unwrap_or_else(|| panic!("{input:?} parsed"));
            assert!(
                err.starts_with(&format!(
                    "invalid filter 'until={input}': expected a duration"
                )),
                "{err}"
            );
        }
    }
}
