//! [`ResolvedTags`]: which tag a `HEAD` just resolved to which digest, so
//! the `GET` by digest that follows records the image with its tag.
//!
//! containerd (and so Kubernetes) resolves `redis:latest` with
//! `HEAD /v2/<name>/manifests/latest`, then fetches the manifest by the
//! digest the answer named. Without this memory, an image pulled that way
//! would be recorded by digest only, as a `<none>` tag. A `HEAD` alone
//! records nothing: only a manifest fetched afterwards is recorded, under
//! the tag the latest `HEAD` in the same repository resolved to it.
//!
//! In memory, bounded ([`RESOLVED_LIMIT`]); the oldest are forgotten first.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use shared::digest::Digest;
use shared::reference::{Reference, Tag};

/// Most tag resolutions remembered.
pub const RESOLVED_LIMIT: usize = 1024;

/// Recent `HEAD` resolutions: `(repository, digest, tag)`.
#[derive(Debug, Default)]
pub struct ResolvedTags {
    recent: Mutex<VecDeque<(String, Digest, Tag)>>,
}

impl ResolvedTags {
    /// Notes that `repository`'s tag resolved to `digest`.
    pub fn note(&self, repository: &Reference, tag: &Tag, digest: &Digest) {
        let name = repository.canonical_name();
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        recent.retain(|(n, d, _)| !(*n == name && d == digest));
        while recent.len() >= RESOLVED_LIMIT {
            recent.pop_front();
        }
        recent.push_back((name, digest.clone(), tag.clone()));
    }

    /// The tag the latest `HEAD` in `repository` resolved to `digest`.
    pub fn tag_for(&self, repository: &Reference, digest: &Digest) -> Option<Tag> {
        let name = repository.canonical_name();
        self.recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .rev()
            .find(|(n, d, _)| *n == name && d == digest)
            .map(|(_, _, tag)| tag.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_resolution_per_repository_and_digest_wins_and_memory_is_bounded() {
        let resolved = ResolvedTags::default();
        let redis: Reference = "docker.io/library/redis:latest".parse().expect("ref");
        let other: Reference = "docker.io/library/other".parse().expect("ref");
        let digest = Digest::sha256_of(b"m");
        let (latest, seven): (Tag, Tag) =
            ("latest".parse().expect("tag"), "7".parse().expect("tag"));
        assert_eq!(resolved.tag_for(&redis, &digest), None);
        resolved.note(&redis, &latest, &digest);
        resolved.note(&redis, &seven, &digest);
        assert_eq!(resolved.tag_for(&redis, &digest), Some(seven));
        assert_eq!(
            resolved.tag_for(&other, &digest),
            None,
            "another repository"
        );
        for n in 0..RESOLVED_LIMIT {
            resolved.note(&other, &latest, &Digest::sha256_of(&n.to_le_bytes()));
        }
        assert_eq!(
            resolved.tag_for(&redis, &digest),
            None,
            "forgotten, oldest first"
        );
        assert!(resolved.recent.lock().expect("lock").len() <= RESOLVED_LIMIT);
    }
}
