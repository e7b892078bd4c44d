//! [`RetentionPolicy`]: what `--retain` says, parsed.
//!
//! # Grammar
//! A policy is `key=value` pairs, separated by commas on the command line
//! (`pulledWithin=168h,mostRecentlyPulledCount=5,maxStoreBytes=50GiB`) or
//! one per line in a file (blank lines and lines starting with `#` are
//! skipped). Keys are case-sensitive, each given at most once:
//!
//! | key | value | example |
//! | --- | --- | --- |
//! | `pulledWithin` | a duration ([`crate::units::parse_duration`]) | `168h`, `7d` |
//! | `mostRecentlyPulledCount` | a whole number, at least 1 | `5` |
//! | `maxStoreBytes` | a byte size ([`crate::units::parse_byte_size`]) | `50GiB` |
//!
//! A policy needs at least one key. What the keys mean together is in
//! [`super::select`].

use std::fmt;
use std::str::FromStr;

use time::Duration;

use crate::units::{
    ByteSizeError, DurationError, format_byte_size, format_duration, parse_byte_size,
    parse_duration,
};

/// The keys a policy has, as a user types them.
const KEYS: &str = "pulledWithin, mostRecentlyPulledCount, maxStoreBytes";

/// A retention policy: which images the store keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// `pulledWithin`: keep images pulled within this long.
    pub pulled_within: Option<Duration>,
    /// `mostRecentlyPulledCount`: keep the N most recently pulled images
    /// of each repository.
    pub most_recently_pulled_count: Option<u32>,
    /// `maxStoreBytes`: evict the least recently pulled images until the
    /// images' blobs fit in this many bytes.
    pub max_store_bytes: Option<u64>,
}

/// Why a policy was rejected; every message names the part at fault and
/// what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// No key at all.
    #[error("the retention policy is empty: give at least one of {KEYS}")]
    Empty,
    /// A part without `=`.
    #[error("bad retention rule {0:?}: write key=value, such as pulledWithin=168h")]
    BadFormat(String),
    /// A key the policy does not have.
    #[error("unknown retention key {0:?} (keys: {KEYS})")]
    UnknownKey(String),
    /// A key given twice.
    #[error("retention key {0} is given twice: give it once")]
    Repeated(&'static str),
    /// `pulledWithin`'s value is not a duration.
    #[error("bad pulledWithin: {0}")]
    BadDuration(DurationError),
    /// `mostRecentlyPulledCount`'s value is not a whole number ≥ 1.
    #[error("bad mostRecentlyPulledCount {0:?}: write a whole number of images, at least 1")]
    BadCount(String),
    /// `maxStoreBytes`'s value is not a size.
    #[error("bad maxStoreBytes: {0}")]
    BadSize(ByteSizeError),
}

impl RetentionPolicy {
    /// Parses `key=value` lines (a policy file): blank lines and `#`
    /// comments are skipped.
    pub fn from_lines(text: &str) -> Result<RetentionPolicy, PolicyError> {
        RetentionPolicy::from_parts(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#')),
        )
    }

    fn from_parts<'a>(
        parts: impl Iterator<Item = &'a str>,
    ) -> Result<RetentionPolicy, PolicyError> {
        let mut policy = RetentionPolicy::default();
        let mut any = false;
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| PolicyError::BadFormat(part.to_owned()))?;
            let (key, value) = (key.trim(), value.trim());
            match key {
                "pulledWithin" => {
                    let d = parse_duration(value).map_err(PolicyError::BadDuration)?;
                    set(&mut policy.pulled_within, d, "pulledWithin")?;
                }
                "mostRecentlyPulledCount" => {
                    let n = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| PolicyError::BadCount(value.to_owned()))?;
                    set(
                        &mut policy.most_recently_pulled_count,
                        n,
                        "mostRecentlyPulledCount",
                    )?;
                }
                "maxStoreBytes" => {
                    let n = parse_byte_size(value).map_err(PolicyError::BadSize)?;
                    set(&mut policy.max_store_bytes, n, "maxStoreBytes")?;
                }
                other => return Err(PolicyError::UnknownKey(other.to_owned())),
            }
            any = true;
        }
        if !any {
            return Err(PolicyError::Empty);
        }
        Ok(policy)
    }

    /// Whether a keep rule (`pulledWithin`, `mostRecentlyPulledCount`) is
    /// given: then an image no keep rule keeps goes.
    pub fn has_keep_rules(&self) -> bool {
        self.pulled_within.is_some() || self.most_recently_pulled_count.is_some()
    }
}

fn set<T>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), PolicyError> {
    if slot.is_some() {
        return Err(PolicyError::Repeated(key));
    }
    *slot = Some(value);
    Ok(())
}

impl FromStr for RetentionPolicy {
    type Err = PolicyError;

    /// Parses the comma-separated form (`--retain`).
    fn from_str(text: &str) -> Result<RetentionPolicy, PolicyError> {
        RetentionPolicy::from_parts(text.split(',').map(str::trim).filter(|p| !p.is_empty()))
    }
}

impl fmt::Display for RetentionPolicy {
    /// The comma-separated form, which [`FromStr`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(d) = self.pulled_within {
            parts.push(format!("pulledWithin={}", format_duration(d)));
        }
        if let Some(n) = self.most_recently_pulled_count {
            parts.push(format!("mostRecentlyPulledCount={n}"));
        }
        if let Some(n) = self.max_store_bytes {
            parts.push(format!("maxStoreBytes={}", format_byte_size(n)));
        }
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn policy(within_h: Option<i64>, count: Option<u32>, bytes: Option<u64>) -> RetentionPolicy {
        RetentionPolicy {
            pulled_within: within_h.map(Duration::hours),
            most_recently_pulled_count: count,
            max_store_bytes: bytes,
        }
    }

    #[test]
    fn valid_policies() {
        #[rustfmt::skip]
        let cases: [(&str, RetentionPolicy); 6] = [
            ("pulledWithin=168h,mostRecentlyPulledCount=5,maxStoreBytes=50GiB", policy(Some(168), Some(5), Some(50 << 30))),
            ("pulledWithin=7d", policy(Some(168), None, None)),
            ("mostRecentlyPulledCount=1", policy(None, Some(1), None)),
            ("maxStoreBytes=0", policy(None, None, Some(0))),
            (" maxStoreBytes = 1GiB , pulledWithin=1h ,", policy(Some(1), None, Some(1 << 30))),
            ("mostRecentlyPulledCount=3,pulledWithin=24h", policy(Some(24), Some(3), None)),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<RetentionPolicy>(), Ok(want), "{text:?}");
            assert_eq!(
                want.to_string().parse::<RetentionPolicy>(),
                Ok(want),
                "{want}"
            );
        }
    }

    #[test]
    fn invalid_policies_say_what_is_wrong() {
        #[rustfmt::skip]
        let cases: [(&str, &str); 10] = [
            ("", "the retention policy is empty"),
            (" , ", "the retention policy is empty"),
            ("pulledWithin", "bad retention rule \"pulledWithin\": write key=value"),
            ("keepTags=5", "unknown retention key \"keepTags\" (keys: pulledWithin, mostRecentlyPulledCount, maxStoreBytes)"),
            ("pulledwithin=1h", "unknown retention key \"pulledwithin\""),
            ("pulledWithin=1h,pulledWithin=2h", "retention key pulledWithin is given twice"),
            ("pulledWithin=1week", "bad pulledWithin: \"1week\" is not a duration"),
            ("mostRecentlyPulledCount=0", "bad mostRecentlyPulledCount \"0\": write a whole number of images, at least 1"),
            ("mostRecentlyPulledCount=-2", "bad mostRecentlyPulledCount \"-2\""),
            ("maxStoreBytes=50 gigs", "bad maxStoreBytes: \"50 gigs\" is not a size"),
        ];
        for (text, want) in cases {
            let err = text.parse::<RetentionPolicy>().expect_err(text).to_string();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn files_take_one_rule_a_line() {
        let text = "# keep a week\npulledWithin=168h\n\n  mostRecentlyPulledCount=5\n";
        assert_eq!(
            RetentionPolicy::from_lines(text),
            Ok(policy(Some(168), Some(5), None))
        );
        assert_eq!(
            RetentionPolicy::from_lines("# nothing\n"),
            Err(PolicyError::Empty)
        );
        assert_eq!(
            RetentionPolicy::from_lines("pulledWithin=1h,mostRecentlyPulledCount=2"),
            Err(PolicyError::BadDuration(DurationError::Malformed(
                "1h,mostRecentlyPulledCount=2".into()
            )))
        );
    }
}
