//! [`FreshTags`]: tags the upstream confirmed within `--tag-ttl`, served
//! from the store without asking it again.
//!
//! A tag is re-checked upstream with a `HEAD`, which Docker Hub does not
//! count against its pull rate limit. Within the tag's time to live
//! (default 5 minutes) strata does not even ask: a node pool pulling the
//! same tag a hundred times a minute costs the upstream one `HEAD` per
//! five minutes. The price is the TTL's staleness: a tag moved upstream is
//! seen up to that much later. `--tag-ttl 0` asks every time.
//!
//! In memory, bounded ([`FRESH_LIMIT`]); forgotten tags are asked about.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use shared::digest::Digest;
use shared::reference::{Reference, Tag};

/// The default `--tag-ttl`.
pub const TAG_TTL: Duration = Duration::from_secs(300);

/// Most tags remembered; when full, the memory starts afresh.
pub const FRESH_LIMIT: usize = 16_384;

/// When each tag was last confirmed upstream, and the digest it named.
#[derive(Debug)]
pub struct FreshTags {
    ttl: Duration,
    checked: Mutex<HashMap<(String, Tag), (Digest, Instant)>>,
}

impl Default for FreshTags {
    fn default() -> Self {
        FreshTags::new(TAG_TTL)
    }
}

impl FreshTags {
    /// Tags stay fresh for `ttl` after the upstream confirmed them.
    pub fn new(ttl: Duration) -> Self {
        FreshTags {
            ttl,
            checked: Mutex::default(),
        }
    }

    /// Notes that the upstream just said `repository`'s tag names `digest`.
    pub fn confirmed(&self, repository: &Reference, tag: &Tag, digest: &Digest) {
        if self.ttl.is_zero() {
            return;
        }
        let mut checked = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
        if checked.len() >= FRESH_LIMIT {
            checked.clear();
        }
        checked.insert(
            (repository.canonical_name(), tag.clone()),
            (digest.clone(), Instant::now()),
        );
    }

    /// The digest `repository`'s tag named when the upstream confirmed it
    /// within the TTL.
    pub fn fresh(&self, repository: &Reference, tag: &Tag) -> Option<Digest> {
        let checked = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
        checked
            .get(&(repository.canonical_name(), tag.clone()))
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(digest, _)| digest.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmed_tag_is_fresh_for_its_ttl_only() {
        let redis: Reference = "docker.io/library/redis:latest".parse().expect("ref");
        let latest: Tag = "latest".parse().expect("tag");
        let digest = Digest::sha256_of(b"m");
        let fresh = FreshTags::new(Duration::from_secs(3600));
        assert_eq!(fresh.fresh(&redis, &latest), None);
        fresh.confirmed(&redis, &latest, &digest);
        assert_eq!(fresh.fresh(&redis, &latest), Some(digest.clone()));
        assert_eq!(fresh.fresh(&redis, &"7".parse().expect("tag")), None);
        let never = FreshTags::new(Duration::ZERO);
        never.confirmed(&redis, &latest, &digest);
        assert_eq!(
            never.fresh(&redis, &latest),
            None,
            "--tag-ttl 0 asks every time"
        );
    }
}
