//! What the store knows about one repository's content: whether an image
//! named in the repository holds a blob, and which image or digest a tag
//! or digest of the repository names.
//!
//! A blob belongs to a repository when an image that one of the
//! repository's tags or repo digests names uses it, as config, manifest,
//! layer or index. `strata serve`'s `/v2` serves a stored blob under a
//! repository's name only then (or once the upstream confirmed it), so
//! content is never handed out under a name that does not hold it.

use shared::digest::Digest;
use shared::reference::{Reference, Tag, TagOrDigest};

use super::metadata::RepoName;
use super::record::ImageId;
use super::{Store, StoreError};

impl Store {
    /// Whether an image named in `repository`'s repository (its tag or
    /// digest is ignored) uses the blob `digest`.
    pub fn repository_has(
        &self,
        repository: &Reference,
        digest: &Digest,
    ) -> Result<bool, StoreError> {
        self.metadata()
            .repository_has(&RepoName::of(repository), digest)
    }

    /// The image that `repository`'s tag, or its repo digest, names.
    pub fn image_named(
        &self,
        repository: &Reference,
        name: &TagOrDigest,
    ) -> Result<Option<ImageId>, StoreError> {
        self.metadata().named(&RepoName::of(repository), name)
    }

    /// The digest `name:tag` (default `latest`) resolved to when it was
    /// last pulled or tagged: an index or a manifest. `None` if the store
    /// has no such tag.
    pub fn tag_target(&self, reference: &Reference) -> Result<Option<Digest>, StoreError> {
        let tag = reference.tag().cloned().unwrap_or_else(Tag::latest);
        self.metadata().tag_target(&RepoName::of(reference), &tag)
    }
}
