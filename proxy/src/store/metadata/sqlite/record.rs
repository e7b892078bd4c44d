//! Recording an image with its tag and repo digest, and tagging one: the
//! writes of [`ImageRecords`](crate::store::metadata::ImageRecords).

use rusqlite::{Connection, OptionalExtension, params};
use shared::digest::Digest;
use shared::reference::Tag;

use super::columns::{format_time, image_id_at, time_nanos};
use super::load::image_exists;
use crate::store::StoreError;
use crate::store::metadata::{RecordOutcome, RepoName};
use crate::store::record::{ImageId, ImageRecord};

/// [`ImageRecords::record`](crate::store::metadata::ImageRecords::record),
/// inside the write transaction `db`; `now` is the time, formatted.
pub(super) fn record(
    db: &Connection,
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
        Some((name, tag)) => db
            .query_row(
                "SELECT digest FROM tags WHERE name = ?1 AND tag = ?2",
                params![name.as_str(), tag.as_str()],
                |row| row.get(0),
            )
            .optional()?,
        None => None,
    };
    if let Some((name, tag)) = tag {
        let (unchanged, previous) = set_tag(db, name, tag, &record.id, target, now)?;
        outcome.up_to_date &= unchanged;
        outcome.previous = previous;
    }
    if let Some((name, digest)) = repo_digest {
        let old: Option<String> = db
            .query_row(
                "SELECT image_id FROM repo_digests WHERE name = ?1 AND digest = ?2",
                params![name.as_str(), digest.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        outcome.up_to_date &= old.as_deref() == Some(&record.id.to_string());
        db.execute(
            "INSERT INTO repo_digests (name, digest, image_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (name, digest) DO UPDATE SET image_id = excluded.image_id",
            params![name.as_str(), digest.to_string(), record.id.to_string()],
        )?;
    }
    if let Some(previous) = &outcome.previous {
        outcome.previous_dangling = tag_count(db, previous)? == 0;
        // An image whose only tag moved is dangling and lists as
        // `<none> <none>` (DOCKER-SEMANTICS): the digest reference the
        // tag had named goes with the tag. Digest references the
        // image got otherwise (pulled by digest) stay.
        if outcome.previous_dangling
            && let (Some((name, _)), Some(target)) = (tag, &previous_target)
        {
            db.execute(
                "DELETE FROM repo_digests WHERE name = ?1 AND image_id = ?2 AND digest = ?3",
                params![name.as_str(), previous.to_string(), target],
            )?;
        }
    }
    Ok(outcome)
}

/// [`ImageRecords::tag`](crate::store::metadata::ImageRecords::tag),
/// inside the write transaction `db`; `None` when there is no such image.
/// `corrupt` makes the error for a value that does not parse.
pub(super) fn tag(
    db: &Connection,
    id: &ImageId,
    name: &RepoName,
    tag: &Tag,
    now: &str,
    corrupt: &dyn Fn(String) -> StoreError,
) -> Result<Option<RecordOutcome>, StoreError> {
    let manifest: Option<String> = db
        .query_row(
            "SELECT manifest_digest FROM images WHERE id = ?1",
            [id.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    let Some(manifest) = manifest else {
        return Ok(None);
    };
    let manifest: Digest = manifest
        .parse()
        .map_err(|e| corrupt(format!("image {id} has an invalid manifest digest: {e}")))?;
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

fn insert_image(db: &Connection, record: &ImageRecord, now: &str) -> Result<(), StoreError> {
    let labels = serde_json::to_string(&record.labels).unwrap_or_else(|_| "{}".to_owned());
    db.execute(
        "INSERT INTO images (id, config_size, manifest_digest, created, created_ns, size,
             os, architecture, variant, labels, recorded)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            record.id.to_string(),
            record.config_size,
            record.manifest.digest.to_string(),
            record.created.map(format_time),
            record.created.map(time_nanos),
            record.size,
            record.platform.os,
            record.platform.architecture,
            record.platform.variant,
            labels,
            now,
        ],
    )?;
    Ok(())
}

fn insert_manifest(db: &Connection, record: &ImageRecord) -> Result<(), StoreError> {
    let manifest = &record.manifest;
    let added = db.execute(
        "INSERT OR IGNORE INTO manifests (digest, image_id, size, media_type) VALUES (?1, ?2, ?3, ?4)",
        params![
            manifest.digest.to_string(),
            record.id.to_string(),
            manifest.size,
            manifest.media_type.as_str()
        ],
    )?;
    if added == 1 {
        let mut stmt = db.prepare(
            "INSERT INTO layers (manifest_digest, position, digest, size, media_type, diff_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (position, layer) in record.layers.iter().enumerate() {
            stmt.execute(params![
                manifest.digest.to_string(),
                position as i64,
                layer.digest.to_string(),
                layer.size,
                layer.media_type.as_str(),
                layer.diff_id.as_ref().map(Digest::to_string),
            ])?;
        }
    }
    if let Some(index) = &record.index {
        db.execute(
            "INSERT OR IGNORE INTO indexes (digest, manifest_digest, size, media_type) VALUES (?1, ?2, ?3, ?4)",
            params![
                index.digest.to_string(),
                manifest.digest.to_string(),
                index.size,
                index.media_type.as_str()
            ],
        )?;
    }
    Ok(())
}

/// Points `name:tag` at `id`; returns whether it already did (with the
/// same digest), and the image it named before if that was another one.
fn set_tag(
    db: &Connection,
    name: &RepoName,
    tag: &Tag,
    id: &ImageId,
    digest: &Digest,
    now: &str,
) -> Result<(bool, Option<ImageId>), StoreError> {
    let old: Option<(ImageId, String)> = db
        .query_row(
            "SELECT image_id, digest FROM tags WHERE name = ?1 AND tag = ?2",
            params![name.as_str(), tag.as_str()],
            |row| Ok((image_id_at(row, 0)?, row.get(1)?)),
        )
        .optional()?;
    db.execute(
        "INSERT INTO tags (name, tag, image_id, digest, updated) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name, tag) DO UPDATE SET
             image_id = excluded.image_id, digest = excluded.digest, updated = excluded.updated",
        params![
            name.as_str(),
            tag.as_str(),
            id.to_string(),
            digest.to_string(),
            now
        ],
    )?;
    Ok(match old {
        Some((old_id, old_digest)) if &old_id == id => (old_digest == digest.to_string(), None),
        Some((old_id, _)) => (false, Some(old_id)),
        None => (false, None),
    })
}

fn tag_count(db: &Connection, id: &ImageId) -> Result<u64, StoreError> {
    Ok(db.query_row(
        "SELECT COUNT(*) FROM tags WHERE image_id = ?1",
        [id.to_string()],
        |row| row.get(0),
    )?)
}
