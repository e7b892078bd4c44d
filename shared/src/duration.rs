//! Durations as people write them on command lines: Go's form, as Docker,
//! distribution and zot take them (`5m`, `168h`, `1h30m`, `90s`, `0`).

use std::time::Duration;

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {input:?}: {why} (write a number and a unit, such as 90s, 5m, 168h or 1h30m; units: ms, s, m, h, d)"
)]
pub struct DurationError {
    /// The rejected input.
    pub input: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// Reads `5m`, `168h`, `1h30m`, `1.5h`, `250ms`, `2d` or `0`.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let fail = |why| DurationError {
        input: input.chars().take(64).collect(),
        why,
    };
    let s = input.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(fail("it is empty"));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| fail("a number has no unit"))?;
        if number_len == 0 {
            return Err(fail("a unit has no number before it"));
        }
        let number: f64 = rest[..number_len]
            .parse()
            .map_err(|_| fail("a number is not a number"))?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => return Err(fail("the unit is not one of ms, s, m, h, d")),
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    if !total.is_finite() || total > 100.0 * 365.0 * 86_400.0 {
        return Err(fail("it is longer than a century"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn go_style_durations() {
        #[rustfmt::skip]
        let cases = [
            ("0", 0), ("90s", 90_000), ("5m", 300_000), ("168h", 604_800_000),
            ("1h30m", 5_400_000), ("1.5h", 5_400_000), ("250ms", 250), ("2d", 172_800_000),
        ];
        for (input, millis) in cases {
            assert_eq!(
                parse_duration(input),
                Ok(Duration::from_millis(millis)),
                "{input}"
            );
        }
        for (input, why) in [
            ("", "it is empty"),
            ("5", "a number has no unit"),
            ("m", "a unit has no number before it"),
            ("5y", "the unit is not one of ms, s, m, h, d"),
            ("1..2s", "a number is not a number"),
            ("99999999d", "it is longer than a century"),
        ] {
            let e = parse_duration(input).expect_err(input);
            assert_eq!(e.why, why, "{input}");
            assert!(e.to_string().contains("such as 90s, 5m"), "{e}");
        }
    }
}
