//! Recording, tagging, loading and listing images: the store's checks in
//! front of [`ImageRecords`](super::metadata::ImageRecords).

use shared::digest::Digest;
use shared::reference::{Reference, Tag};
use time::OffsetDateTime;

use super::content::Provider;
use super::metadata::{RecordOutcome, RepoName};
use super::record::{ImageId, ImageRecord, ImageRow};
use super::resolve::resolve_in;
use super::{Store, StoreError};

/// How far apart two pulls of an image must be for the second to move its
/// last pull time: serving an image through `/v2` writes at most once a
/// minute per image.
pub const PULL_TIME_GRANULARITY: time::Duration = time::Duration::minutes(1);

impl Store {
    /// Records an image whose blobs (config, manifest, layers, index) are
    /// all stored, and optionally names it: `tag` is `(repository, tag)`,
    /// `repo_digest` is `(repository, digest the user or the tag resolved
    /// to)`. The repository's tag or digest, if any, is ignored: only its
    /// canonical name is used.
    ///
    /// A tag that named another image moves; that image stays, dangling if
    /// nothing else tags it (see [`RecordOutcome`]). One transaction.
    pub fn record_image(
        &self,
        record: &ImageRecord,
        tag: Option<(&Reference, &Tag)>,
        repo_digest: Option<(&Reference, &Digest)>,
    ) -> Result<RecordOutcome, StoreError> {
        for (role, digest, size) in record.blobs() {
            match self.content().info(digest)? {
                None => {
                    return Err(StoreError::MissingBlob {
                        image: record.id.clone(),
                        role,
                        digest: digest.clone(),
                    });
                }
                Some(actual) if actual != size => {
                    return Err(StoreError::SizeMismatch {
                        digest: digest.clone(),
                        expected: size,
                        actual,
                    });
                }
                Some(_) => {}
            }
        }
        let tag = tag.map(|(name, tag)| (RepoName::of(name), tag));
        let repo_digest = repo_digest.map(|(name, digest)| (RepoName::of(name), digest));
        self.metadata().record(
            record,
            tag.as_ref().map(|(name, tag)| (name, *tag)),
            repo_digest.as_ref().map(|(name, digest)| (name, *digest)),
            OffsetDateTime::now_utc(),
        )
    }

    /// Records a pulled image as `docker pull` does: `reference`'s tag
    /// (default `latest`) unless it was pulled by digest, and always
    /// `name@top_digest` (the digest the reference resolved to: index or
    /// manifest).
    pub fn record_pull(
        &self,
        record: &ImageRecord,
        reference: &Reference,
        top_digest: &Digest,
    ) -> Result<RecordOutcome, StoreError> {
        let tag = match (reference.digest(), reference.tag()) {
            (Some(_), _) => None,
            (None, Some(tag)) => Some(tag.clone()),
            (None, None) => Some(Tag::latest()),
        };
        self.record_image(
            record,
            tag.as_ref().map(|t| (reference, t)),
            Some((reference, top_digest)),
        )
    }

    /// Notes that image `id` was pulled again (served through `/v2`, say)
    /// just now: its last pull time moves, unless it moved less than
    /// [`PULL_TIME_GRANULARITY`] ago, in which case nothing is written.
    /// `false` when nothing changed (or no such image is recorded).
    pub fn note_pulled(&self, id: &ImageId) -> Result<bool, StoreError> {
        self.metadata()
            .pulled(id, OffsetDateTime::now_utc(), PULL_TIME_GRANULARITY)
    }

    /// `docker tag SOURCE TARGET`: names the image `source` resolves to
    /// (any form [`Store::resolve`] takes) as `target` (`name[:tag]`,
    /// default tag `latest`; a digest is refused).
    pub fn tag(&self, source: &str, target: &Reference) -> Result<RecordOutcome, StoreError> {
        if target.digest().is_some() {
            return Err(StoreError::TagWithDigest {
                target: target.familiar(),
            });
        }
        let tag = target.tag().cloned().unwrap_or_else(Tag::latest);
        let id = resolve_in(self.metadata(), source)?.id;
        self.metadata()
            .tag(&id, &RepoName::of(target), &tag, OffsetDateTime::now_utc())?
            // Removed since it was resolved.
            .ok_or_else(|| StoreError::NoSuchImage {
                reference: source.to_owned(),
            })
    }

    /// The full record of an image.
    pub fn get(&self, id: &ImageId) -> Result<ImageRecord, StoreError> {
        self.metadata().image(id)?.ok_or_else(|| no_such_image(id))
    }

    /// Every image, newest first, with its tags, digests and pins.
    pub fn list(&self) -> Result<Vec<ImageRow>, StoreError> {
        self.metadata().rows()
    }

    /// One image as [`Store::list`] shows it.
    pub fn row(&self, id: &ImageId) -> Result<ImageRow, StoreError> {
        self.metadata().row(id)?.ok_or_else(|| no_such_image(id))
    }
}

fn no_such_image(id: &ImageId) -> StoreError {
    StoreError::NoSuchImage {
        reference: id.to_string(),
    }
}
