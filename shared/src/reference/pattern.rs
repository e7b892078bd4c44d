//! [`ReferencePattern`]: `--filter reference=PATTERN`, matched the way
//! Docker's `FamiliarMatch` does.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Reference;
use super::glob::{Glob, PatternError};

/// A glob over familiar references, such as `redis`, `*:latest`,
/// `lovelearnlinux/*` or `foo/**/ba[rz]`.
///
/// The syntax is Go's `path.Match` (see the `glob` rules in the
/// [module docs](super)): `*` never crosses `/`, so `**` acts as `*`
/// within one component. A reference matches when the pattern matches its
/// familiar form with tag (`redis:latest`), or its familiar name alone
/// (`redis`). A reference that has both a tag and a digest is also tried as
/// `name:tag`, so `*:latest` matches `redis:latest@sha256:…`.
///
/// Equality, hashing and the string form use the pattern as written.
#[derive(Clone)]
pub struct ReferencePattern {
    source: String,
    glob: Glob,
}

impl ReferencePattern {
    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `reference` matches, as Docker's `FamiliarMatch`.
    pub fn matches(&self, reference: &Reference) -> bool {
        if self.glob.matches(&reference.familiar()) {
            return true;
        }
        let name = reference.familiar_name();
        if let (Some(tag), Some(_)) = (reference.tag(), reference.digest())
            && self.glob.matches(&format!("{name}:{tag}"))
        {
            return true;
        }
        self.glob.matches(&name)
    }
}

impl FromStr for ReferencePattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ReferencePattern {
            source: s.to_owned(),
            glob: Glob::compile(s)?,
        })
    }
}

impl PartialEq for ReferencePattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for ReferencePattern {}

impl Hash for ReferencePattern {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

impl fmt::Display for ReferencePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl fmt::Debug for ReferencePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReferencePattern({})", self.source)
    }
}

impl Serialize for ReferencePattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for ReferencePattern {
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

    fn pattern(s: &str) -> ReferencePattern {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// distribution/reference's TestMatch, then Docker's documented
    /// examples and the familiar-form edge cases.
    #[test]
    fn familiar_match() {
        let at = format!("@{SHA}");
        #[rustfmt::skip]
        let cases: Vec<(String, &str, bool)> = vec![
            ("foo".into(), "foo/**/ba[rz]", false),
            ("foo/any/bat".into(), "foo/**/ba[rz]", false),
            ("foo/a/bar".into(), "foo/**/ba[rz]", true),
            ("foo/b/baz".into(), "foo/**/ba[rz]", true),
            ("foo/c/baz:tag".into(), "foo/**/ba[rz]", true),
            ("foo/c/baz:tag".into(), "foo/*/baz:tag", true),
            ("foo/c/baz:tag".into(), "foo/c/baz:tag", true),
            ("example.com/foo/c/baz:tag".into(), "*/foo/c/baz", true),
            ("example.com/foo/c/baz:tag".into(), "example.com/foo/c/baz", true),
            // `**` is `*` within one component.
            ("foo/a/b/bar".into(), "foo/**/ba[rz]", false),
            ("redis:latest".into(), "*:latest", true),
            ("redis:7".into(), "*:latest", false),
            ("user/repo:latest".into(), "*:latest", false),
            ("user/repo:latest".into(), "*/*:latest", true),
            ("lovelearnlinux/webserver:v1".into(), "lovelearnlinux/*", true),
            ("lovelearnlinux/webserver".into(), "lovelearnlinux/*", true),
            ("lovelearnlinux/a/b".into(), "lovelearnlinux/*", false),
            ("other/webserver".into(), "lovelearnlinux/*", false),
            // The familiar form, never the canonical one.
            ("redis".into(), "redis", true),
            ("redis:7".into(), "redis", true),
            ("redis:7".into(), "redis:7", true),
            ("redis:7".into(), "redis:8", false),
            ("redis".into(), "library/redis", false),
            ("redis".into(), "docker.io/library/redis", false),
            ("redis".into(), "red*", true),
            ("redis".into(), "r?dis", true),
            ("redis".into(), "[^x]edis", true),
            ("redis".into(), "", false),
            ("localhost:5000/x:v1".into(), "localhost:5000/*", true),
            ("localhost:5000/x:v1".into(), "localhost:5000/x:v?", true),
            ("localhost:5000/x:v1".into(), "localhost*/x", true),
            ("localhost:5000/x:v1".into(), "*/x:v2", false),
            // With a digest: the full familiar string, then name:tag, then
            // the name.
            (format!("redis{at}"), "redis", true),
            (format!("redis{at}"), "redis@sha256:*", true),
            (format!("redis:7{at}"), "*:7", true),
            (format!("redis:7{at}"), "redis:7@*", true),
            (format!("redis:7{at}"), "*:8", false),
        ];
        for (reference, glob, expected) in cases {
            let parsed: Reference = reference
                .parse()
                .unwrap_or_else(|e| panic!("{reference}: {e}"));
            assert_eq!(
                pattern(glob).matches(&parsed),
                expected,
                "{glob} ~ {reference}"
            );
        }
    }

    #[test]
    fn malformed_patterns_are_errors() {
        #[rustfmt::skip]
        let cases = [
            ("[-x]", "invalid reference pattern \"[-x]\": syntax error in pattern: '-' at position 2"),
            ("foo[", "'[' at position 4 is never closed"),
            ("foo\\", "escapes nothing"),
            ("[]", "is empty"),
        ];
        for (input, message) in cases {
            let err = input
                .parse::<ReferencePattern>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(message), "{input}: {err}");
        }
    }

    #[test]
    fn string_form_and_serde() {
        let p = pattern("foo/**/ba[rz]");
        assert_eq!(p.as_str(), "foo/**/ba[rz]");
        assert_eq!(p.to_string(), "foo/**/ba[rz]");
        assert_eq!(format!("{p:?}"), "ReferencePattern(foo/**/ba[rz])");
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert_eq!(json, "\"foo/**/ba[rz]\"");
        assert_eq!(
            serde_json::from_str::<ReferencePattern>(&json).ok(),
            Some(p)
        );
        assert!(serde_json::from_str::<ReferencePattern>("\"[\"").is_err());
    }
}
