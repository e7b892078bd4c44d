//! Tags: `[\w][\w.-]{0,127}`, where `\w` is ASCII `[A-Za-z0-9_]`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The tag `docker pull` adds when a reference has neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";

/// Longest tag, in characters.
pub const TAG_MAX_LEN: usize = 128;

/// A valid tag, such as `latest`, `7.2-alpine` or `v1.0_RC`.
///
/// Tags may hold uppercase letters, unlike repository names.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

/// Why a string is not a valid tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// Nothing follows the `:`.
    #[error("invalid tag \"\": the tag after ':' is empty (drop the ':' to mean \"latest\")")]
    Empty,
    /// Longer than 128 characters.
    #[error("invalid tag: a tag must not be more than 128 characters (it has {length})")]
    TooLong {
        /// The tag's length in characters.
        length: usize,
    },
    /// The first character is not a letter, digit or `_`.
    #[error(
        "invalid tag \"{tag}\": a tag must start with a letter, digit or '_', not {character:?}"
    )]
    InvalidStart {
        /// The rejected tag.
        tag: String,
        /// Its first character.
        character: char,
    },
    /// A character other than letters, digits, `_`, `.` and `-`.
    #[error(
        "invalid tag \"{tag}\": {character:?} at position {position} is not allowed (tags hold letters, digits, '_', '.' and '-')"
    )]
    InvalidCharacter {
        /// The rejected tag.
        tag: String,
        /// The offending character.
        character: char,
        /// Its character position in the tag (1-based).
        position: usize,
    },
}

impl Tag {
    /// The default tag, `latest`.
    pub fn latest() -> Tag {
        Tag(DEFAULT_TAG.to_owned())
    }

    /// The tag as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl FromStr for Tag {
    type Err = TagError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut chars = s.chars();
        let Some(first) = chars.next() else {
            return Err(TagError::Empty);
        };
        let length = s.chars().count();
        if length > TAG_MAX_LEN {
            return Err(TagError::TooLong { length });
        }
        if !is_word(first) {
            return Err(TagError::InvalidStart {
                tag: s.to_owned(),
                character: first,
            });
        }
        if let Some((index, character)) = chars
            .enumerate()
            .find(|&(_, c)| !(is_word(c) || c == '.' || c == '-'))
        {
            return Err(TagError::InvalidCharacter {
                tag: s.to_owned(),
                character,
                position: index + 2,
            });
        }
        Ok(Tag(s.to_owned()))
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({})", self.0)
    }
}

impl AsRef<str> for Tag {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Tag {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Tag {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn valid_tags() {
        let max = "a".repeat(128);
        let cases = [
            "latest",
            "7",
            "_",
            "Uppercase",
            "7.2-alpine",
            "v1.0_RC",
            "xn--n3h.com",
            "tag-puts-this-over-max",
            "a..b--c__d",
            "0.-",
            max.as_str(),
        ];
        for input in cases {
            let tag: Tag = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(tag.as_str(), input);
            assert_eq!(tag.to_string(), input);
        }
    }

    #[test]
    fn invalid_tags() {
        use TagError::*;
        let too_long = "a".repeat(129);
        #[rustfmt::skip]
        let cases = [
            ("", Empty),
            (too_long.as_str(), TooLong { length: 129 }),
            ("-foo", InvalidStart { tag: "-foo".into(), character: '-' }),
            (".foo", InvalidStart { tag: ".foo".into(), character: '.' }),
            ("foo:bar", InvalidCharacter { tag: "foo:bar".into(), character: ':', position: 4 }),
            ("a/b", InvalidCharacter { tag: "a/b".into(), character: '/', position: 2 }),
            ("caf\u{e9}", InvalidCharacter { tag: "caf\u{e9}".into(), character: '\u{e9}', position: 4 }),
            ("\u{e9}", InvalidStart { tag: "\u{e9}".into(), character: '\u{e9}' }),
            ("a b", InvalidCharacter { tag: "a b".into(), character: ' ', position: 2 }),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Tag>(), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn serde_goes_through_the_string_form() {
        let tag = Tag::latest();
        assert_eq!(
            serde_json::to_string(&tag).ok().as_deref(),
            Some("\"latest\"")
        );
        assert_eq!(
            serde_json::from_str::<Tag>("\"v1\"").ok(),
            "v1".parse().ok()
        );
        for input in ["\"-x\"", "\"\"", "1", "null"] {
            assert!(serde_json::from_str::<Tag>(input).is_err(), "{input}");
        }
    }

    #[test]
    fn compares_with_str() {
        assert!(Tag::latest() == "latest");
        assert_eq!(format!("{:?}", Tag::latest()), "Tag(latest)");
    }
}
