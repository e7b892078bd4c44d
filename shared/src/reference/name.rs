//! [`Reference`]: a parsed, normalised image reference, and its canonical
//! and familiar forms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::digest::Digest;

use super::domain::{DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX, looks_like_domain};
use super::error::{ReferenceError, echo};
use super::parse::parse;
use super::tag::Tag;
use super::tag_or_digest::TagOrDigest;

/// A valid, normalised image reference: registry host, repository path, and
/// an optional tag and digest.
///
/// Parse one with [`FromStr`]; `"redis".parse()` gives
/// `docker.io/library/redis` (see the [module docs](super) for the rules).
/// [`Display`](fmt::Display) prints the canonical full form, which parses
/// back to the same value; serde goes through that string.
///
/// A reference may hold both a tag and a digest (`redis:7@sha256:…`); the
/// digest is what a pull fetches ([`Reference::manifest_reference`]).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    pub(super) domain: String,
    pub(super) path: String,
    pub(super) tag: Option<Tag>,
    pub(super) digest: Option<Digest>,
}

impl Reference {
    /// The registry host, with any port: `docker.io`, `localhost:5000`,
    /// `[::1]:5000`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path within the registry: `library/redis`,
    /// `team/app`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tag, if the reference names one.
    pub fn tag(&self) -> Option<&Tag> {
        self.tag.as_ref()
    }

    /// The digest, if the reference names one.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// Whether the repository is on Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.domain == DEFAULT_DOMAIN
    }

    /// `domain/path`, without tag or digest: `docker.io/library/redis`.
    pub fn canonical_name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The name as Docker's UI prints it: Docker Hub's `docker.io/` and
    /// `library/` dropped: `redis`, `user/repo`, `localhost:5000/x`.
    ///
    /// `library/` is dropped only when one component follows it, so
    /// `docker.io/library/foo/bar` stays `library/foo/bar`.
    ///
    /// Unlike Docker, `docker.io/` is kept when dropping it would change the
    /// meaning: `docker.io/foo.bar/baz` stays as is, since `foo.bar/baz`
    /// would name the registry `foo.bar`.
    pub fn familiar_name(&self) -> String {
        if !self.is_docker_hub() {
            return self.canonical_name();
        }
        match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(official) if !official.contains('/') => official.to_owned(),
            _ => match self.path.split_once('/') {
                Some((first, _)) if looks_like_domain(first) => self.canonical_name(),
                _ => self.path.clone(),
            },
        }
    }

    /// The familiar name with `:tag` and/or `@digest`: `redis:latest`,
    /// `user/repo@sha256:…`. It parses back to the same reference.
    pub fn familiar(&self) -> String {
        let mut out = self.familiar_name();
        self.push_suffix(&mut out);
        out
    }

    /// Adds `latest` when there is neither tag nor digest, as `docker pull`
    /// does.
    pub fn with_default_tag(&self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.with_valid_tag(Tag::latest())
        } else {
            self.clone()
        }
    }

    /// The same repository with `tag` (replacing any tag; a digest is kept),
    /// or an error naming the tag if it is not a valid one.
    pub fn with_tag(&self, tag: &str) -> Result<Reference, ReferenceError> {
        let tag = tag.parse().map_err(|reason| ReferenceError::InvalidTag {
            input: echo(&format!("{}:{tag}", self.canonical_name())),
            reason,
        })?;
        Ok(self.with_valid_tag(tag))
    }

    /// The same repository with `digest` (replacing any digest; a tag is
    /// kept).
    pub fn with_digest(&self, digest: Digest) -> Reference {
        Reference {
            digest: Some(digest),
            ..self.clone()
        }
    }

    /// The same repository with a tag or a digest, as registry URLs name
    /// manifests (a digest keeps any tag, a tag keeps any digest).
    pub fn with_tag_or_digest(&self, reference: TagOrDigest) -> Reference {
        match reference {
            TagOrDigest::Tag(tag) => self.with_valid_tag(tag),
            TagOrDigest::Digest(digest) => self.with_digest(digest),
        }
    }

    /// The repository alone, without tag or digest.
    pub fn name_only(&self) -> Reference {
        Reference {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: None,
            digest: None,
        }
    }

    fn with_valid_tag(&self, tag: Tag) -> Reference {
        Reference {
            tag: Some(tag),
            ..self.clone()
        }
    }

    /// What to ask the registry for: the digest when there is one (it wins
    /// over a tag, as in `docker pull name:tag@digest`), else the tag, else
    /// `latest`.
    pub fn manifest_reference(&self) -> TagOrDigest {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => TagOrDigest::Digest(digest.clone()),
            (None, Some(tag)) => TagOrDigest::Tag(tag.clone()),
            (None, None) => TagOrDigest::Tag(Tag::latest()),
        }
    }

    fn push_suffix(&self, out: &mut String) {
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag.as_str());
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(&digest.to_string());
        }
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl fmt::Display for Reference {
    /// The canonical full form: `docker.io/library/redis:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = self.canonical_name();
        self.push_suffix(&mut out);
        f.write_str(&out)
    }
}

impl fmt::Debug for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reference({self})")
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Reference {
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

    const HEX: &str = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    fn r(s: &str) -> Reference {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn digest() -> Digest {
        format!("sha256:{HEX}")
            .parse()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn canonical_and_familiar_forms() {
        // (input, Display, familiar); `{D}` stands for a sha256 digest.
        #[rustfmt::skip]
        let cases = [
            ("redis", "docker.io/library/redis", "redis"),
            ("redis:latest", "docker.io/library/redis:latest", "redis:latest"),
            ("docker.io/library/redis:latest", "docker.io/library/redis:latest", "redis:latest"),
            ("redis@{D}", "docker.io/library/redis@{D}", "redis@{D}"),
            ("redis:7@{D}", "docker.io/library/redis:7@{D}", "redis:7@{D}"),
            ("dmcgowan/myapp", "docker.io/dmcgowan/myapp", "dmcgowan/myapp"),
            ("user/repo:v1", "docker.io/user/repo:v1", "user/repo:v1"),
            ("library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar"),
            ("docker.io/library/foo.bar", "docker.io/library/foo.bar", "foo.bar"),
            // Dropping docker.io/ here would name the registry foo.bar.
            ("docker.io/foo.bar/baz", "docker.io/foo.bar/baz", "docker.io/foo.bar/baz"),
            ("docker.io/localhost/x:1", "docker.io/localhost/x:1", "docker.io/localhost/x:1"),
            ("localhost:5000/x", "localhost:5000/x", "localhost:5000/x"),
            ("localhost/library/x", "localhost/library/x", "localhost/library/x"),
            ("[::1]:5000/foo:tag", "[::1]:5000/foo:tag", "[::1]:5000/foo:tag"),
            ("gcr.io/library/busybox", "gcr.io/library/busybox", "gcr.io/library/busybox"),
        ];
        let sha = format!("sha256:{HEX}");
        for (input, display, familiar) in cases {
            let [input, display, familiar] =
                [input, display, familiar].map(|s| s.replace("{D}", &sha));
            let parsed = r(&input);
            let mut suffix = parsed.tag().map(|t| format!(":{t}")).unwrap_or_default();
            suffix.push_str(&parsed.digest().map(|d| format!("@{d}")).unwrap_or_default());
            assert_eq!(parsed.to_string(), display, "{input}");
            assert_eq!(
                format!("{}{suffix}", parsed.canonical_name()),
                display,
                "{input}"
            );
            assert_eq!(parsed.familiar(), familiar, "{input}");
            assert_eq!(
                format!("{}{suffix}", parsed.familiar_name()),
                familiar,
                "{input}"
            );
            assert_eq!(r(&display), parsed, "{input}: display parses back");
            assert_eq!(r(&familiar), parsed, "{input}: familiar parses back");
        }
    }

    /// distribution/reference's TestParseDockerRef, with `with_default_tag`.
    #[test]
    fn default_tag_like_docker_pull() {
        let sha = format!("sha256:{HEX}");
        #[rustfmt::skip]
        let cases = [
            ("busybox", "docker.io/library/busybox:latest".to_owned()),
            ("busybox:latest", "docker.io/library/busybox:latest".into()),
            ("busybox:1.36", "docker.io/library/busybox:1.36".into()),
            (&format!("busybox@{sha}"), format!("docker.io/library/busybox@{sha}")),
            ("library/busybox", "docker.io/library/busybox:latest".into()),
            ("docker.io/busybox", "docker.io/library/busybox:latest".into()),
            ("docker.io/library/busybox", "docker.io/library/busybox:latest".into()),
            ("docker.io/busybox:latest", "docker.io/library/busybox:latest".into()),
            ("library/busybox:latest", "docker.io/library/busybox:latest".into()),
            ("gcr.io/library/busybox", "gcr.io/library/busybox:latest".into()),
            (&format!("gcr.io/library/busybox:latest@{sha}"), format!("gcr.io/library/busybox:latest@{sha}")),
        ];
        for (input, expected) in cases {
            assert_eq!(r(input).with_default_tag().to_string(), expected, "{input}");
        }
    }

    #[test]
    fn with_tag_and_digest() {
        let d = digest();
        let tag = |r: Reference, t: &str| r.with_tag(t).unwrap_or_else(|e| panic!("{t}: {e}"));
        #[rustfmt::skip]
        let cases = [
            (tag(r("test.com/foo"), "tag"), "test.com/foo:tag".to_owned()),
            (tag(r("foo"), "tag2"), "docker.io/library/foo:tag2".into()),
            (tag(r("test.com:8000/foo"), "TAG5"), "test.com:8000/foo:TAG5".into()),
            (tag(r("foo:old"), "new"), "docker.io/library/foo:new".into()),
            (tag(r("test.com:8000/foo").with_digest(d.clone()), "TAG5"), format!("test.com:8000/foo:TAG5@{d}")),
            (r("test.com/foo").with_digest(d.clone()), format!("test.com/foo@{d}")),
            (r("foo:tag").with_digest(d.clone()), format!("docker.io/library/foo:tag@{d}")),
            (r("foo:tag").with_digest(d.clone()).name_only(), "docker.io/library/foo".into()),
            (r("foo").with_tag_or_digest(TagOrDigest::Digest(d.clone())), format!("docker.io/library/foo@{d}")),
            (r("foo:v1").with_tag_or_digest(TagOrDigest::Tag(Tag::latest())), "docker.io/library/foo:latest".into()),
        ];
        for (reference, expected) in cases {
            assert_eq!(reference.to_string(), expected);
        }
    }

    #[test]
    fn with_tag_rejects_bad_tags() {
        let cases = [
            (
                "-foo",
                "invalid reference \"docker.io/library/foo:-foo\": invalid tag \"-foo\": a tag must start",
            ),
            (
                "",
                "invalid reference \"docker.io/library/foo:\": invalid tag \"\"",
            ),
            ("a:b", "invalid tag \"a:b\": ':' at position 2"),
        ];
        for (input, message) in cases {
            let err = r("foo")
                .with_tag(input)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.starts_with(message) || err.contains(message),
                "{input}: {err}"
            );
        }
    }

    #[test]
    fn manifest_reference_prefers_the_digest() {
        let d = digest();
        let cases = [
            ("redis", "latest".to_owned()),
            ("redis:7", "7".into()),
            (&format!("redis@{d}"), d.to_string()),
            (&format!("redis:7@{d}"), d.to_string()),
        ];
        for (input, expected) in cases {
            assert_eq!(
                r(input).manifest_reference().to_string(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn accessors() {
        let d = digest();
        let parsed = r(&format!("localhost:5000/team/app:v1@{d}"));
        assert_eq!(parsed.domain(), "localhost:5000");
        assert_eq!(parsed.path(), "team/app");
        assert_eq!(parsed.tag().map(Tag::as_str), Some("v1"));
        assert_eq!(parsed.digest(), Some(&d));
        assert!(!parsed.is_docker_hub());
        assert!(r("redis").is_docker_hub());
        assert_eq!(
            format!("{:?}", r("redis")),
            "Reference(docker.io/library/redis)"
        );
    }

    #[test]
    fn serde_goes_through_the_string_form() {
        let parsed = r("redis:7");
        let json = serde_json::to_string(&parsed).unwrap_or_default();
        assert_eq!(json, "\"docker.io/library/redis:7\"");
        assert_eq!(serde_json::from_str::<Reference>(&json).ok(), Some(parsed));
        assert_eq!(
            serde_json::from_str::<Reference>("\"redis\"").ok(),
            Some(r("docker.io/library/redis"))
        );
        for input in ["\"Foo Bar\"", "\"\"", "3", "null", "[\"redis\"]"] {
            assert!(serde_json::from_str::<Reference>(input).is_err(), "{input}");
        }
        let err = serde_json::from_str::<Reference>("\"docker/Docker\"")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("must be lowercase"), "{err}");
    }

    #[test]
    fn equal_spellings_are_equal_values() {
        let cases = [
            ("redis", "docker.io/library/redis"),
            ("redis", "index.docker.io/redis"),
            ("redis", "library/redis"),
            ("user/repo:v1", "index.docker.io/user/repo:v1"),
        ];
        for (a, b) in cases {
            assert_eq!(r(a), r(b), "{a} = {b}");
        }
        assert_ne!(r("redis"), r("redis:latest"));
    }
}
