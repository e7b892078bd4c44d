//! The names the metadata keys images by: [`RepoName`], a repository's
//! canonical name, and [`Named`], one of its tags or repo digests.

use std::fmt;

use shared::digest::Digest;
use shared::reference::{Reference, Tag};

/// A repository's canonical name, `docker.io/library/redis`: what tags and
/// repo digests belong to. Made from a [`Reference`] (its tag and digest
/// left out).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoName(String);

impl RepoName {
    /// The repository `reference` names (its tag and digest ignored).
    pub fn of(reference: &Reference) -> RepoName {
        RepoName(reference.canonical_name())
    }

    /// The canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A canonical name a backend stored (it came from [`RepoName::of`]).
    pub(crate) fn from_canonical(name: String) -> RepoName {
        RepoName(name)
    }
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reference the metadata holds: a tag or a repo digest of a
/// repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Named {
    /// `name:tag`.
    Tag {
        /// The repository.
        name: RepoName,
        /// The tag.
        tag: Tag,
    },
    /// `name@digest`.
    Digest {
        /// The repository.
        name: RepoName,
        /// The digest.
        digest: Digest,
    },
}

impl Named {
    /// The repository.
    pub fn name(&self) -> &RepoName {
        match self {
            Named::Tag { name, .. } | Named::Digest { name, .. } => name,
        }
    }

    /// Whether this is a repo digest.
    pub fn is_digest(&self) -> bool {
        matches!(self, Named::Digest { .. })
    }

    /// Docker's familiar form: `redis:latest`, `redis@sha256:…`.
    pub fn familiar(&self) -> String {
        let full = self.to_string();
        full.parse::<Reference>()
            .map(|r| r.familiar())
            .unwrap_or(full)
    }
}

impl fmt::Display for Named {
    /// The canonical form: `docker.io/library/redis:latest`,
    /// `docker.io/library/redis@sha256:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Named::Tag { name, tag } => write!(f, "{name}:{}", tag.as_str()),
            Named::Digest { name, digest } => write!(f, "{name}@{digest}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> RepoName {
        RepoName::of(&s.parse().expect("reference"))
    }

    #[test]
    fn repository_names_leave_out_tag_and_digest() {
        let d = format!("sha256:{}", "c".repeat(64));
        let cases = [
            ("redis", "docker.io/library/redis"),
            ("redis:7", "docker.io/library/redis"),
            (&*format!("localhost:5000/a/b@{d}"), "localhost:5000/a/b"),
        ];
        for (input, want) in cases {
            assert_eq!(name(input).as_str(), want, "{input}");
        }
    }

    #[test]
    fn familiar_forms() {
        let d: Digest = format!("sha256:{}", "c".repeat(64))
            .parse()
            .expect("digest");
        let cases = [
            (
                Named::Tag {
                    name: name("redis"),
                    tag: Tag::latest(),
                },
                "redis:latest".to_owned(),
            ),
            (
                Named::Digest {
                    name: name("docker.io/library/redis"),
                    digest: d.clone(),
                },
                format!("redis@{d}"),
            ),
            (
                Named::Tag {
                    name: name("localhost:5000/a/b"),
                    tag: "v1".parse().expect("tag"),
                },
                "localhost:5000/a/b:v1".to_owned(),
            ),
        ];
        for (named, want) in cases {
            assert_eq!(named.familiar(), want);
        }
    }
}
