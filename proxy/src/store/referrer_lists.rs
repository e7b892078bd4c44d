//! The referrers lists `/v2` keeps ([`ReferrerLists`](super::ReferrerLists)):
//! the list is a small blob, its name per repository and manifest is in
//! the metadata, so a restarted `strata serve` still answers for a
//! manifest while the upstream is down.

use shared::digest::Digest;
use shared::media_type::MediaType;
use shared::reference::Reference;

use super::metadata::RepoName;
use super::record::BlobRef;
use super::{Store, StoreError};

/// Most referrers lists kept; the oldest are forgotten first.
pub const REFERRER_LISTS_LIMIT: usize = 10_000;

impl Store {
    /// Keeps `list` (an image index's bytes) as the referrers of `subject`
    /// in `repository`; an empty list forgets the one kept.
    pub fn keep_referrers(
        &self,
        repository: &Reference,
        subject: &Digest,
        list: &[u8],
        empty: bool,
    ) -> Result<(), StoreError> {
        let name = RepoName::of(repository);
        if empty {
            return self
                .metadata()
                .keep_referrers(&name, subject, None, REFERRER_LISTS_LIMIT);
        }
        let blob = BlobRef {
            digest: Digest::sha256_of(list),
            size: list.len() as u64,
            media_type: MediaType::OciIndex,
        };
        self.put_small(&blob.digest, list)?;
        self.metadata()
            .keep_referrers(&name, subject, Some(&blob), REFERRER_LISTS_LIMIT)
    }

    /// The bytes of the referrers list kept for `subject` in `repository`.
    pub fn kept_referrers(
        &self,
        repository: &Reference,
        subject: &Digest,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match self
            .metadata()
            .referrers(&RepoName::of(repository), subject)?
        {
            Some(list) => self.read_small(&list.digest),
            None => Ok(None),
        }
    }
}
