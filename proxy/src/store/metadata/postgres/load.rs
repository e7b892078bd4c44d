//! Reading image records and list rows: the reads of
//! [`ImageRecords`](crate::store::metadata::ImageRecords), as in SQLite
//! (`sqlite/load.rs`).

use std::collections::BTreeMap;

use shared::reference::Reference;

use super::columns::Columns;
use super::db::Db;
use crate::store::StoreError;
use crate::store::metadata::ImageTotals;
use crate::store::record::{ImageId, ImageRecord, ImageRow, LayerRecord};

/// Every image, with its tags, digests and pins as arrays: one query with
/// indexed subqueries.
const ROW_SELECT: &str = "
SELECT i.id, i.manifest_digest, i.created, i.size, i.os, i.architecture, i.variant, i.labels,
    ARRAY(SELECT name || ':' || tag FROM tags WHERE image_id = i.id ORDER BY name, tag),
    ARRAY(SELECT name || '@' || digest FROM repo_digests WHERE image_id = i.id
        ORDER BY name, digest),
    ARRAY(SELECT pinned_by FROM pins WHERE image_id = i.id ORDER BY pinned_by),
    i.last_pulled,
    (SELECT CASE WHEN COUNT(*) = COUNT(u.digest) THEN COALESCE(SUM(u.size), 0)::BIGINT END
        FROM layers l LEFT JOIN unpacked_layers u ON u.digest = l.digest
        WHERE l.manifest_digest = i.manifest_digest)
FROM images i";

/// Every row, newest first (an unknown creation time last, as SQLite
/// sorts it).
pub(super) fn rows(db: &mut Db<'_, '_>) -> Result<Vec<ImageRow>, StoreError> {
    db.rows(
        &format!("{ROW_SELECT} ORDER BY i.created_ns DESC NULLS LAST, i.id"),
        &[],
        row_from,
    )
}

/// The row of image `id`.
pub(super) fn row(db: &mut Db<'_, '_>, id: &ImageId) -> Result<Option<ImageRow>, StoreError> {
    db.row(
        &format!("{ROW_SELECT} WHERE i.id = $1"),
        &[&id.to_string()],
        row_from,
    )
}

fn row_from(c: &Columns<'_>) -> Result<ImageRow, StoreError> {
    let repo_tags: Vec<Reference> = c.parsed_list(8)?;
    Ok(ImageRow {
        id: c.image_id(0)?,
        manifest_digest: c.digest(1)?,
        dangling: repo_tags.is_empty(),
        repo_tags,
        repo_digests: c.parsed_list(9)?,
        created: c.time_opt(2)?,
        size: c.size(3)?,
        platform: c.platform(4)?,
        labels: c.json(7)?,
        pins: c.get(10)?,
        last_pulled: c.time_opt(11)?,
        unpacked_size: c.size_opt(12)?,
    })
}

pub(super) fn image_exists(db: &mut Db<'_, '_>, id: &ImageId) -> Result<bool, StoreError> {
    db.value(
        "SELECT EXISTS (SELECT 1 FROM images WHERE id = $1)",
        &[&id.to_string()],
    )
}

/// IDs starting with `prefix`, sorted, at most `limit`.
pub(super) fn ids_starting_with(
    db: &mut Db<'_, '_>,
    prefix: &str,
    limit: usize,
) -> Result<Vec<ImageId>, StoreError> {
    // Every ID starting with the prefix sorts in [prefix, prefix + the
    // last code point) by bytes: a range scan of the primary key.
    let high = format!("{prefix}\u{10FFFF}");
    db.rows(
        "SELECT id FROM images WHERE id >= $1 AND id < $2 AND starts_with(id, $1)
         ORDER BY id LIMIT $3",
        &[&prefix, &high, &i64::try_from(limit).unwrap_or(i64::MAX)],
        |c| c.image_id(0),
    )
}

/// Counts and sizes of every image.
pub(super) fn totals(db: &mut Db<'_, '_>) -> Result<ImageTotals, StoreError> {
    let totals = db.row(
        "SELECT (SELECT COUNT(*) FROM images),
                (SELECT COALESCE(SUM(size), 0)::BIGINT FROM images),
                (SELECT COALESCE(SUM(size), 0)::BIGINT FROM (
                    SELECT digest, MAX(size) AS size FROM (
                        SELECT l.digest, l.size FROM layers l
                            JOIN images i ON l.manifest_digest = i.manifest_digest
                        UNION ALL SELECT id, config_size FROM images) AS used
                    GROUP BY digest) AS distinct_blobs)",
        &[],
        |c| {
            Ok(ImageTotals {
                images: c.size(0)?,
                total_bytes: c.size(1)?,
                unique_bytes: c.size(2)?,
            })
        },
    )?;
    Ok(totals.unwrap_or_default())
}

/// The record of image `id`, if recorded.
pub(super) fn load_record(
    db: &mut Db<'_, '_>,
    id: &ImageId,
) -> Result<Option<ImageRecord>, StoreError> {
    let image = db.row(
        "SELECT i.config_size, i.manifest_digest, m.size, m.media_type, i.created, i.size,
                i.os, i.architecture, i.variant, i.labels
         FROM images i JOIN manifests m ON m.digest = i.manifest_digest
         WHERE i.id = $1",
        &[&id.to_string()],
        |c| {
            Ok((
                c.size(0)?,
                c.blob(1)?,
                c.time_opt(4)?,
                c.size(5)?,
                c.platform(6)?,
                c.json::<BTreeMap<String, String>>(9)?,
            ))
        },
    )?;
    let Some((config_size, manifest, created, size, platform, labels)) = image else {
        return Ok(None);
    };
    let manifest_digest = manifest.digest.to_string();
    let layers = db.rows(
        "SELECT l.digest, l.size, l.media_type, l.diff_id, u.size FROM layers l
         LEFT JOIN unpacked_layers u ON u.digest = l.digest
         WHERE l.manifest_digest = $1 ORDER BY l.pos",
        &[&manifest_digest],
        |c| {
            Ok(LayerRecord {
                unpacked_size: c.size_opt(4)?,
                ..c.layer(0)?
            })
        },
    )?;
    let index = db.row(
        "SELECT digest, size, media_type FROM indexes WHERE manifest_digest = $1
         ORDER BY digest LIMIT 1",
        &[&manifest_digest],
        |c| c.blob(0),
    )?;
    Ok(Some(ImageRecord {
        id: id.clone(),
        config_size,
        manifest,
        index,
        layers,
        created,
        size,
        platform,
        labels,
    }))
}
