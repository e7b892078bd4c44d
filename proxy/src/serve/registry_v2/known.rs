//! [`KnownDigests`]: which digests this process saw an upstream serve or
//! confirm in which repository (the first rule of [`super::access`]).

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use shared::digest::Digest;
use shared::reference::Reference;

/// Most `(repository, digest)` pairs remembered; when full, the memory
/// starts afresh (forgotten pairs are asked about again).
const KNOWN_LIMIT: usize = 16_384;

/// `(repository, digest)` pairs this process saw the upstream serve or
/// confirm.
#[derive(Debug, Default)]
pub struct KnownDigests {
    pairs: Mutex<HashSet<(String, Digest)>>,
}

impl KnownDigests {
    /// Remembers that `repository` upstream holds `digest`.
    pub fn insert(&self, repository: &Reference, digest: &Digest) {
        let mut pairs = self.pairs.lock().unwrap_or_else(PoisonError::into_inner);
        if pairs.len() >= KNOWN_LIMIT {
            pairs.clear();
        }
        pairs.insert((repository.canonical_name(), digest.clone()));
    }

    /// Whether `repository` upstream was seen holding `digest`.
    pub fn contains(&self, repository: &Reference, digest: &Digest) -> bool {
        self.pairs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(repository.canonical_name(), digest.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_are_per_repository_and_bounded() {
        let known = KnownDigests::default();
        let a: Reference = "registry.example/team/a".parse().expect("ref");
        let b: Reference = "registry.example/team/b:v1".parse().expect("ref");
        let digest = Digest::sha256_of(b"x");
        known.insert(&a, &digest);
        assert!(known.contains(&a, &digest));
        assert!(
            known.contains(&a.with_digest(Digest::sha256_of(b"y")), &digest),
            "a tag or digest on the name does not matter"
        );
        assert!(!known.contains(&b, &digest), "another repository");
        for n in 0..KNOWN_LIMIT {
            known.insert(&b, &Digest::sha256_of(&n.to_le_bytes()));
        }
        assert!(known.pairs.lock().expect("lock").len() <= KNOWN_LIMIT);
    }
}
