//! Durations, as Go's `time.ParseDuration` writes them (what zot's and
//! distribution's configurations take), plus days: one or more whole
//! numbers each with a unit, `ms`, `s`, `m`, `h` or `d` (24 hours):
//! `2s`, `10m`, `168h`, `1h30m`, `7d`, and `0` alone, as Go takes it. No
//! sign, no fractions, no spaces.

use time::Duration;

/// Why a duration was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not numbers with units.
    #[error(
        "{0:?} is not a duration: write whole numbers with units ms, s, m, h or d, such as 10m, 168h or 1h30m"
    )]
    Malformed(String),
    /// Longer than strata can count.
    #[error("{0:?} is a longer duration than strata can count")]
    TooLong(String),
}

/// Parses a duration as the module doc says.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let bad = || DurationError::Malformed(text.to_owned());
    let too_long = || DurationError::TooLong(text.to_owned());
    if text.is_empty() {
        return Err(bad());
    }
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text;
    let mut total_ms: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if digits == 0 {
            return Err(bad());
        }
        let number: i64 = rest[..digits].parse().map_err(|_| too_long())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let ms_per: i64 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total_ms = number
            .checked_mul(ms_per)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(too_long)?;
    }
    Ok(Duration::milliseconds(total_ms))
}

/// A duration in the largest unit that divides it exactly (`168h`, `90m`,
/// `2s`, `1500ms`); [`parse_duration`] reads it back. Days print as hours,
/// as Go prints them.
pub fn format_duration(duration: Duration) -> String {
    let ms = duration.whole_milliseconds();
    for (per, unit) in [(3_600_000, "h"), (60_000, "m"), (1000, "s")] {
        if ms != 0 && ms % per == 0 {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn durations() {
        #[rustfmt::skip]
        let cases: [(&str, Option<i64>); 17] = [
            ("2s", Some(2_000)),
            ("10m", Some(600_000)),
            ("168h", Some(168 * 3_600_000)),
            ("7d", Some(7 * 86_400_000)),
            ("1h30m", Some(5_400_000)),
            ("1500ms", Some(1_500)),
            ("0s", Some(0)),
            ("0", Some(0)),
            ("", None),
            ("10", None),
            ("h", None),
            ("1.5h", None),
            ("-1h", None),
            ("1 h", None),
            ("1w", None),
            ("10M", None),
            ("99999999999999999999h", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_duration(text).ok().map(|d| d.whole_milliseconds()),
                want.map(i128::from),
                "{text:?}"
            );
        }
    }

    #[test]
    fn formats_round_trip() {
        #[rustfmt::skip]
        let cases: [(&str, &str); 5] = [
            ("7d", "168h"),
            ("90m", "90m"),
            ("1h30m", "90m"),
            ("2s", "2s"),
            ("1500ms", "1500ms"),
        ];
        for (text, shown) in cases {
            let parsed = parse_duration(text).expect("valid");
            assert_eq!(format_duration(parsed), shown);
            assert_eq!(parse_duration(shown), Ok(parsed));
        }
    }
}
