//! Recording an image with its tag and repo digest, and tagging one: what
//! [`ImageRecords::record`](super::ImageRecords::record) and
//! [`ImageRecords::tag`](super::ImageRecords::tag) decide, written once.
//! Each backend supplies the reads and writes ([`RecordSteps`]), inside
//! its write transaction.

use shared::digest::Digest;
use shared::reference::Tag;

use super::{RecordOutcome, RepoName};
use crate::store::StoreError;
use crate::store::record::{ImageId, ImageRecord};

/// The reads and writes recording needs, inside one write transaction.
pub(super) trait RecordSteps {
    /// Whether image `id` is recorded.
    fn image_exists(&mut self, id: &ImageId) -> Result<bool, StoreError>;
    /// The first manifest of image `id`, if recorded.
    fn image_manifest(&mut self, id: &ImageId) -> Result<Option<Digest>, StoreError>;
    /// Inserts the image row of `record` (new to the store).
    fn insert_image(&mut self, record: &ImageRecord, now: &str) -> Result<(), StoreError>;
    /// Inserts `record`'s manifest with its layers, and its index, unless
    /// already recorded.
    fn insert_manifest(&mut self, record: &ImageRecord) -> Result<(), StoreError>;
    /// The image `name:tag` names, and the digest it resolved to.
    fn tag_row(
        &mut self,
        name: &RepoName,
        tag: &Tag,
    ) -> Result<Option<(ImageId, String)>, StoreError>;
    /// Points `name:tag` at `id` (resolving to `digest`), replacing what
    /// it named.
    fn set_tag_row(
        &mut self,
        name: &RepoName,
        tag: &Tag,
        id: &ImageId,
        digest: &str,
        now: &str,
    ) -> Result<(), StoreError>;
    /// The image `name@digest` names.
    fn repo_digest_owner(
        &mut self,
        name: &RepoName,
        digest: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Points `name@digest` at `id`.
    fn set_repo_digest(
        &mut self,
        name: &RepoName,
        digest: &str,
        id: &str,
    ) -> Result<(), StoreError>;
    /// Removes `name@digest` if it names `id`.
    fn delete_repo_digest(
        &mut self,
        name: &RepoName,
        id: &ImageId,
        digest: &str,
    ) -> Result<(), StoreError>;
    /// How many tags name image `id`.
    fn tag_count(&mut self, id: &ImageId) -> Result<u64, StoreError>;
}

/// [`ImageRecords::record`](super::ImageRecords::record) (its last pull
/// time aside); `now` is the time, formatted.
pub(super) fn record(
    db: &mut impl RecordSteps,
    record: &ImageRecord,
    tag: Option<(&RepoName, &Tag)>,
    repo_digest: Option<(&RepoName, &Digest)>,
    now: &str,
) -> Result<RecordOutcome, StoreError> {
    let existed = db.image_exists(&record.id)?;
    if !existed {
        db.insert_image(record, now)?;
    }
    db.insert_manifest(record)?;
    let target = record
        .index
        .as_ref()
        .map_or(&record.manifest.digest, |i| &i.digest);
    let mut outcome = RecordOutcome {
        up_to_date: existed,
        previous: None,
        previous_dangling: false,
    };
    // What the tag named before it moves: its digest reference goes
    // with it, should the image it leaves keep no tag.
    let previous_target: Option<String> = match tag {
        Some((name, tag)) => db.tag_row(name, tag)?.map(|(_, digest)| digest),
        None => None,
    };
    if let Some((name, tag)) = tag {
        let (unchanged, previous) = set_tag(db, name, tag, &record.id, target, now)?;
        outcome.up_to_date &= unchanged;
        outcome.previous = previous;
    }
    if let Some((name, digest)) = repo_digest {
        let id = record.id.to_string();
        let digest = digest.to_string();
        let old = db.repo_digest_owner(name, &digest)?;
        outcome.up_to_date &= old.as_deref() == Some(&id);
        db.set_repo_digest(name, &digest, &id)?;
    }
    if let Some(previous) = &outcome.previous {
        outcome.previous_dangling = db.tag_count(previous)? == 0;
        // An image whose only tag moved is dangling and lists as
        // `<none> <none>` (DOCKER-SEMANTICS): the digest reference the
        // tag had named goes with the tag. Digest references the
        // image got otherwise (pulled by digest) stay.
        if outcome.previous_dangling
            && let (Some((name, _)), Some(target)) = (tag, &previous_target)
        {
            db.delete_repo_digest(name, previous, target)?;
        }
    }
    Ok(outcome)
}

/// [`ImageRecords::tag`](super::ImageRecords::tag); `None` when there is
/// no such image.
pub(super) fn tag(
    db: &mut impl RecordSteps,
    id: &ImageId,
    name: &RepoName,
    tag: &Tag,
    now: &str,
) -> Result<Option<RecordOutcome>, StoreError> {
    let Some(manifest) = db.image_manifest(id)? else {
        return Ok(None);
    };
    let (unchanged, previous) = set_tag(db, name, tag, id, &manifest, now)?;
    let previous_dangling = match &previous {
        Some(p) => db.tag_count(p)? == 0,
        None => false,
    };
    Ok(Some(RecordOutcome {
        up_to_date: unchanged,
        previous,
        previous_dangling,
    }))
}

/// Points `name:tag` at `id`; returns whether it already did (with the
/// same digest), and the image it named before if that was another one.
fn set_tag(
    db: &mut impl RecordSteps,
    name: &RepoName,
    tag: &Tag,
    id: &ImageId,
    digest: &Digest,
    now: &str,
) -> Result<(bool, Option<ImageId>), StoreError> {
    let old = db.tag_row(name, tag)?;
    let digest = digest.to_string();
    db.set_tag_row(name, tag, id, &digest, now)?;
    Ok(match old {
        Some((old_id, old_digest)) if &old_id == id => (old_digest == digest, None),
        Some((old_id, _)) => (false, Some(old_id)),
        None => (false, None),
    })
}
