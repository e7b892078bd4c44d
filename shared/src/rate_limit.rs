//! Docker Hub's pull rate-limit headers, as a registry sends them on a
//! manifest response:
//!
//! ```text
//! ratelimit-limit: 100;w=21600
//! ratelimit-remaining: 76;w=21600
//! ```
//!
//! Grammar of one value: `<count>[;w=<window seconds>][;<other params>]`,
//! optionally followed by `, <more policies>` (the IETF draft's list form);
//! only the first policy is read. Header names are case-insensitive
//! (HTTP); spaces around `;`, `,` and `=` are allowed. A value that does not
//! start with a whole number is not a rate limit.

use std::fmt;
use std::str::FromStr;

/// The response header naming how many requests are left in the window.
pub const REMAINING_HEADER: &str = "ratelimit-remaining";

/// The response header naming how many requests a window allows.
pub const LIMIT_HEADER: &str = "ratelimit-limit";

/// One `ratelimit-*` header value: a count and, if given, its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitValue {
    count: u64,
    window_secs: Option<u64>,
}

impl RateLimitValue {
    /// The count: requests allowed (`limit`) or left (`remaining`).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The window the count is for, in seconds (`w=`), if given.
    pub fn window_secs(&self) -> Option<u64> {
        self.window_secs
    }
}

/// Why a header value is not a rate limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RateLimitError {
    /// The value does not start with a whole number of requests.
    #[error("rate-limit value {0:?} does not start with a whole number of requests")]
    NoCount(String),
    /// `w=` is there but not a whole number of seconds.
    #[error("rate-limit value {0:?} has a window (w=) that is not a whole number of seconds")]
    BadWindow(String),
}

impl FromStr for RateLimitValue {
    type Err = RateLimitError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let first = value.split(',').next().unwrap_or("");
        let mut parts = first.split(';').map(str::trim);
        let count = parts
            .next()
            .and_then(|c| c.parse::<u64>().ok())
            .ok_or_else(|| RateLimitError::NoCount(value.to_owned()))?;
        let mut window_secs = None;
        for param in parts {
            let Some((key, v)) = param.split_once('=') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("w") {
                let secs = v
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| RateLimitError::BadWindow(value.to_owned()))?;
                window_secs = Some(secs);
            }
        }
        Ok(RateLimitValue { count, window_secs })
    }
}

impl fmt::Display for RateLimitValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.window_secs {
            Some(w) => write!(f, "{};w={w}", self.count),
            None => write!(f, "{}", self.count),
        }
    }
}

/// What one response said about its registry's rate limit: `remaining`
/// is required, `limit` optional, the window from either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitReading {
    /// Requests left in the window.
    pub remaining: u64,
    /// Requests the window allows, if the registry said.
    pub limit: Option<u64>,
    /// The window, in seconds, if the registry said.
    pub window_secs: Option<u64>,
}

impl RateLimitReading {
    /// The reading of a response's `ratelimit-remaining` and
    /// `ratelimit-limit` values; `None` without a readable `remaining`.
    pub fn from_values(remaining: Option<&str>, limit: Option<&str>) -> Option<RateLimitReading> {
        let remaining: RateLimitValue = remaining?.parse().ok()?;
        let limit: Option<RateLimitValue> = limit.and_then(|l| l.parse().ok());
        Some(RateLimitReading {
            remaining: remaining.count,
            limit: limit.map(|l| l.count),
            window_secs: remaining
                .window_secs
                .or_else(|| limit.and_then(|l| l.window_secs)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A count and a window.
    type Pair = (u64, Option<u64>);

    #[test]
    fn values() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<Pair>)] = &[
            ("100;w=21600", Some((100, Some(21600)))),
            ("76;w=21600", Some((76, Some(21600)))),
            ("0;w=21600", Some((0, Some(21600)))),
            ("76", Some((76, None))),
            (" 76 ; w = 60 ", Some((76, Some(60)))),
            ("76;W=60", Some((76, Some(60)))),
            ("100, 100;w=21600", Some((100, None))),
            ("100;w=21600, 5000;w=86400", Some((100, Some(21600)))),
            ("76;w=21600;comment=\"x\"", Some((76, Some(21600)))),
            ("76;policy", Some((76, None))),
            ("", None),
            ("-1;w=60", None),
            ("many", None),
            (";w=60", None),
            ("76;w=soon", None),
            ("18446744073709551616", None),
        ];
        for (value, want) in cases {
            let got = value
                .parse::<RateLimitValue>()
                .ok()
                .map(|v| (v.count(), v.window_secs()));
            assert_eq!(got, *want, "{value:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for value in ["100;w=21600", "7"] {
            let parsed: RateLimitValue = value.parse().expect("valid");
            assert_eq!(parsed.to_string(), value);
        }
    }

    #[test]
    fn readings() {
        #[rustfmt::skip]
        let cases: &[(Option<&str>, Option<&str>, Option<RateLimitReading>)] = &[
            (Some("76;w=21600"), Some("100;w=21600"), Some(RateLimitReading { remaining: 76, limit: Some(100), window_secs: Some(21600) })),
            (Some("76"), Some("100;w=60"), Some(RateLimitReading { remaining: 76, limit: Some(100), window_secs: Some(60) })),
            (Some("76;w=21600"), None, Some(RateLimitReading { remaining: 76, limit: None, window_secs: Some(21600) })),
            (Some("76"), Some("lots"), Some(RateLimitReading { remaining: 76, limit: None, window_secs: None })),
            (None, Some("100;w=21600"), None),
            (Some("none left"), Some("100"), None),
        ];
        for (remaining, limit, want) in cases {
            assert_eq!(
                RateLimitReading::from_values(*remaining, *limit),
                *want,
                "{remaining:?} {limit:?}"
            );
        }
    }
}
