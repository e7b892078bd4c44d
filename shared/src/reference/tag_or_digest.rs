//! [`TagOrDigest`]: how registry URLs name a manifest
//! (`/v2/<name>/manifests/<tag or digest>`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;

use super::error::{ReferenceError, echo};
use super::tag::Tag;

/// A tag or a digest. A digest always holds `:` and a tag never does, so
/// the string form tells them apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagOrDigest {
    /// A tag, such as `latest`.
    Tag(Tag),
    /// A digest, such as `sha256:…`.
    Digest(Digest),
}

impl TagOrDigest {
    /// The tag, if this is one.
    pub fn tag(&self) -> Option<&Tag> {
        match self {
            TagOrDigest::Tag(tag) => Some(tag),
            TagOrDigest::Digest(_) => None,
        }
    }

    /// The digest, if this is one.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            TagOrDigest::Tag(_) => None,
            TagOrDigest::Digest(digest) => Some(digest),
        }
    }
}

impl FromStr for TagOrDigest {
    type Err = ReferenceError;

    /// Parses `sha256:…` as a digest and anything without `:` as a tag.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.contains(':') {
            s.parse()
                .map(TagOrDigest::Digest)
                .map_err(|reason| ReferenceError::InvalidDigest {
                    input: echo(s),
                    reason,
                })
        } else {
            s.parse()
                .map(TagOrDigest::Tag)
                .map_err(|reason| ReferenceError::InvalidTag {
                    input: echo(s),
                    reason,
                })
        }
    }
}

impl From<Tag> for TagOrDigest {
    fn from(tag: Tag) -> Self {
        TagOrDigest::Tag(tag)
    }
}

impl From<Digest> for TagOrDigest {
    fn from(digest: Digest) -> Self {
        TagOrDigest::Digest(digest)
    }
}

impl fmt::Display for TagOrDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagOrDigest::Tag(tag) => tag.fmt(f),
            TagOrDigest::Digest(digest) => digest.fmt(f),
        }
    }
}

impl Serialize for TagOrDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TagOrDigest {
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

    const SHA: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    #[test]
    fn parses_tags_and_digests() {
        let cases = [
            ("latest", Some("latest"), None),
            ("7.2-alpine", Some("7.2-alpine"), None),
            (SHA, None, Some(SHA)),
        ];
        for (input, tag, digest) in cases {
            let parsed: TagOrDigest = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(parsed.tag().map(Tag::as_str), tag, "{input}");
            assert_eq!(
                parsed.digest().map(ToString::to_string).as_deref(),
                digest,
                "{input}"
            );
            assert_eq!(parsed.to_string(), input);
        }
    }

    #[test]
    fn rejects_bad_tags_and_digests() {
        let cases = [
            ("", "invalid tag \"\""),
            ("-x", "invalid tag \"-x\""),
            ("sha256:abc", "invalid sha256 digest"),
            ("md5:abc", "unsupported digest algorithm"),
        ];
        for (input, message) in cases {
            let err = input
                .parse::<TagOrDigest>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(message), "{input}: {err}");
        }
    }

    #[test]
    fn serde_goes_through_the_string_form() {
        let parsed: Result<TagOrDigest, _> = serde_json::from_str(&format!("\"{SHA}\""));
        assert_eq!(
            parsed.ok().and_then(|p| serde_json::to_string(&p).ok()),
            Some(format!("\"{SHA}\""))
        );
        assert!(serde_json::from_str::<TagOrDigest>("\"a b\"").is_err());
    }
}
