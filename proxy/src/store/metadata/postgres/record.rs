//! Recording an image with its tag and repo digest, and tagging one: the
//! writes of [`ImageRecords`](crate::store::metadata::ImageRecords), as in
//! SQLite (`sqlite/record.rs`).

use shared::digest::Digest;
use shared::reference::Tag;

use super::columns::{format_time, size_column, time_nanos};
use super::db::Db;
use super::load::image_exists;
use crate::store::StoreError;
use crate::store::metadata::{RecordOutcome, RepoName};
use crate::store::record::{ImageId, ImageRecord};

/// [`ImageRecords::record`](crate::store::metadata::ImageRecords::record),
/// inside the write transaction `db`; `now` is the time, formatted.
pub(super) fn record(
    db: &mut Db<'_, '_>,
    record: &ImageRecord,
    tag: Option<(&RepoName, &Tag)>,
    repo_digest: Option<(&RepoName, &Digest)>,
    now: &str,
) -> Result<RecordOutcome, StoreError> {
    let existed = image_exists(db, &record.id)?;
    if !existed {
        insert_image(db, record, now)?;
    }
    insert_manifest(db, record)?;
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
        Some((name, tag)) => db.row(
            "SELECT digest FROM tags WHERE name = $1 AND tag = $2",
            &[&name.as_str(), &tag.as_str()],
            |c| c.get(0),
        )?,
        None => None,
    };
    if let Some((name, tag)) = tag {
        let (unchanged, previous) = set_tag(db, name, tag, &record.id, target, now)?;
        outcome.up_to_date &= unchanged;
        outcome.previous = previous;
    }
    let id = record.id.to_string();
    if let Some((name, digest)) = repo_digest {
        let digest = digest.to_string();
        let old: Option<String> = db.row(
            "SELECT image_id FROM repo_digests WHERE name = $1 AND digest = $2",
            &[&name.as_str(), &digest],
            |c| c.get(0),
        )?;
        outcome.up_to_date &= old.as_deref() == Some(&id);
        db.execute(
            "INSERT INTO repo_digests (name, digest, image_id) VALUES ($1, $2, $3)
             ON CONFLICT (name, digest) DO UPDATE SET image_id = excluded.image_id",
            &[&name.as_str(), &digest, &id],
        )?;
    }
    if let Some(previous) = &outcome.previous {
        outcome.previous_dangling = tag_count(db, previous)? == 0;
        // An image whose only tag moved is dangling (`<none>:<none>`):
        // the digest reference the tag had named goes with the tag.
        if outcome.previous_dangling
            && let (Some((name, _)), Some(target)) = (tag, &previous_target)
        {
            db.execute(
                "DELETE FROM repo_digests WHERE name = $1 AND image_id = $2 AND digest = $3",
                &[&name.as_str(), &previous.to_string(), target],
            )?;
        }
    }
    Ok(outcome)
}

/// [`ImageRecords::tag`](crate::store::metadata::ImageRecords::tag),
/// inside the write transaction `db`; `None` when there is no such image.
pub(super) fn tag(
    db: &mut Db<'_, '_>,
    id: &ImageId,
    name: &RepoName,
    tag: &Tag,
    now: &str,
) -> Result<Option<RecordOutcome>, StoreError> {
    let manifest: Option<Digest> = db.row(
        "SELECT manifest_digest FROM images WHERE id = $1",
        &[&id.to_string()],
        |c| c.digest(0),
    )?;
    let Some(manifest) = manifest else {
        return Ok(None);
    };
    let (unchanged, previous) = set_tag(db, name, tag, id, &manifest, now)?;
    let previous_dangling = match &previous {
        Some(p) => tag_count(db, p)? == 0,
        None => false,
    };
    Ok(Some(RecordOutcome {
        up_to_date: unchanged,
        previous,
        previous_dangling,
    }))
}

fn insert_image(db: &mut Db<'_, '_>, record: &ImageRecord, now: &str) -> Result<(), StoreError> {
    let labels = serde_json::to_string(&record.labels).unwrap_or_else(|_| "{}".to_owned());
    db.execute(
        "INSERT INTO images (id, config_size, manifest_digest, created, created_ns, size,
             os, architecture, variant, labels, recorded)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &[
            &record.id.to_string(),
            &size_column(record.config_size),
            &record.manifest.digest.to_string(),
            &record.created.map(format_time),
            &record.created.map(time_nanos),
            &size_column(record.size),
            &record.platform.os,
            &record.platform.architecture,
            &record.platform.variant,
            &labels,
            &now,
        ],
    )?;
    Ok(())
}

fn insert_manifest(db: &mut Db<'_, '_>, record: &ImageRecord) -> Result<(), StoreError> {
    let manifest = &record.manifest;
    let manifest_digest = manifest.digest.to_string();
    let added = db.execute(
        "INSERT INTO manifests (digest, image_id, size, media_type) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[
            &manifest_digest,
            &record.id.to_string(),
            &size_column(manifest.size),
            &manifest.media_type.as_str(),
        ],
    )?;
    if added == 1 {
        for (position, layer) in record.layers.iter().enumerate() {
            db.execute(
                "INSERT INTO layers (manifest_digest, pos, digest, size, media_type, diff_id)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &manifest_digest,
                    &i64::try_from(position).unwrap_or(i64::MAX),
                    &layer.digest.to_string(),
                    &size_column(layer.size),
                    &layer.media_type.as_str(),
                    &layer.diff_id.as_ref().map(Digest::to_string),
                ],
            )?;
        }
    }
    if let Some(index) = &record.index {
        db.execute(
            "INSERT INTO indexes (digest, manifest_digest, size, media_type) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[
                &index.digest.to_string(),
                &manifest_digest,
                &size_column(index.size),
                &index.media_type.as_str(),
            ],
        )?;
    }
    Ok(())
}

/// Points `name:tag` at `id`; returns whether it already did (with the
/// same digest), and the image it named before if that was another one.
fn set_tag(
    db: &mut Db<'_, '_>,
    name: &RepoName,
    tag: &Tag,
    id: &ImageId,
    digest: &Digest,
    now: &str,
) -> Result<(bool, Option<ImageId>), StoreError> {
    let old: Option<(ImageId, String)> = db.row(
        "SELECT image_id, digest FROM tags WHERE name = $1 AND tag = $2",
        &[&name.as_str(), &tag.as_str()],
        |c| Ok((c.image_id(0)?, c.get(1)?)),
    )?;
    let digest = digest.to_string();
    db.execute(
        "INSERT INTO tags (name, tag, image_id, digest, updated) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name, tag) DO UPDATE SET
             image_id = excluded.image_id, digest = excluded.digest, updated = excluded.updated",
        &[
            &name.as_str(),
            &tag.as_str(),
            &id.to_string(),
            &digest,
            &now,
        ],
    )?;
    Ok(match old {
        Some((old_id, old_digest)) if &old_id == id => (old_digest == digest, None),
        Some((old_id, _)) => (false, Some(old_id)),
        None => (false, None),
    })
}

fn tag_count(db: &mut Db<'_, '_>, id: &ImageId) -> Result<i64, StoreError> {
    db.value(
        "SELECT COUNT(*) FROM tags WHERE image_id = $1",
        &[&id.to_string()],
    )
}
