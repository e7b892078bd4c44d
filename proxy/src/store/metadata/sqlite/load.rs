//! Reading image records and list rows: the reads of
//! [`ImageRecords`](crate::store::metadata::ImageRecords).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use shared::media_type::MediaType;
use shared::reference::Reference;

use super::columns::{digest_at, image_id_at, json_at, platform_at, time_opt_at};
use crate::store::StoreError;
use crate::store::metadata::ImageTotals;
use crate::store::record::{BlobRef, ImageId, ImageRecord, ImageRow, LayerRecord};

/// Every image, with its tags, digests and pins as JSON arrays: one query
/// with indexed subqueries, so thousands of images list quickly.
const ROW_SELECT: &str = "
SELECT i.id, i.manifest_digest, i.created, i.size, i.os, i.architecture, i.variant, i.labels,
    (SELECT json_group_array(x) FROM
        (SELECT name || ':' || tag AS x FROM tags WHERE image_id = i.id ORDER BY name, tag)),
    (SELECT json_group_array(x) FROM
        (SELECT name || '@' || digest AS x FROM repo_digests WHERE image_id = i.id ORDER BY name, digest)),
    (SELECT json_group_array(by) FROM
        (SELECT by FROM pins WHERE image_id = i.id ORDER BY by)),
    i.last_pulled,
    (SELECT CASE WHEN COUNT(*) = COUNT(u.digest) THEN COALESCE(SUM(u.size), 0) END
        FROM layers l LEFT JOIN unpacked_layers u ON u.digest = l.digest
        WHERE l.manifest_digest = i.manifest_digest)
FROM images i";

/// Every row, newest first.
pub(super) fn rows(db: &Connection) -> Result<Vec<ImageRow>, StoreError> {
    let mut stmt = db.prepare(&format!("{ROW_SELECT} ORDER BY i.created_ns DESC, i.id"))?;
    let rows = stmt.query_map([], row_from)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The row of image `id`.
pub(super) fn row(db: &Connection, id: &ImageId) -> Result<Option<ImageRow>, StoreError> {
    Ok(db
        .query_row(
            &format!("{ROW_SELECT} WHERE i.id = ?1"),
            [id.to_string()],
            row_from,
        )
        .optional()?)
}

fn row_from(row: &Row<'_>) -> rusqlite::Result<ImageRow> {
    let repo_tags: Vec<Reference> = json_at(row, 8)?;
    Ok(ImageRow {
        id: image_id_at(row, 0)?,
        manifest_digest: digest_at(row, 1)?,
        dangling: repo_tags.is_empty(),
        repo_tags,
        repo_digests: json_at(row, 9)?,
        created: time_opt_at(row, 2)?,
        size: row.get(3)?,
        platform: platform_at(row, 4)?,
        labels: json_at(row, 7)?,
        pins: json_at(row, 10)?,
        last_pulled: time_opt_at(row, 11)?,
        unpacked_size: row.get(12)?,
    })
}

pub(super) fn image_exists(db: &Connection, id: &ImageId) -> Result<bool, StoreError> {
    Ok(db.query_row(
        "SELECT EXISTS (SELECT 1 FROM images WHERE id = ?1)",
        [id.to_string()],
        |row| row.get(0),
    )?)
}

/// IDs starting with `prefix`, sorted, at most `limit`.
pub(super) fn ids_starting_with(
    db: &Connection,
    prefix: &str,
    limit: usize,
) -> Result<Vec<ImageId>, StoreError> {
    // Every ID starting with the prefix sorts in [prefix, prefix + the
    // last code point): a range scan of the primary key.
    let high = format!("{prefix}\u{10FFFF}");
    let mut stmt = db.prepare(
        "SELECT id FROM images WHERE id >= ?1 AND id < ?2 AND substr(id, 1, length(?1)) = ?1
         ORDER BY id LIMIT ?3",
    )?;
    let ids = stmt
        .query_map(
            params![prefix, high, i64::try_from(limit).unwrap_or(i64::MAX)],
            |row| image_id_at(row, 0),
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// Counts and sizes of every image.
pub(super) fn totals(db: &Connection) -> Result<ImageTotals, StoreError> {
    Ok(db.query_row(
        "SELECT (SELECT COUNT(*) FROM images),
                (SELECT COALESCE(SUM(size), 0) FROM images),
                (SELECT COALESCE(SUM(size), 0) FROM (
                    SELECT digest, MAX(size) AS size FROM (
                        SELECT l.digest, l.size FROM layers l
                            JOIN images i ON l.manifest_digest = i.manifest_digest
                        UNION ALL SELECT id, config_size FROM images)
                    GROUP BY digest))",
        [],
        |row| {
            Ok(ImageTotals {
                images: row.get(0)?,
                total_bytes: row.get(1)?,
                unique_bytes: row.get(2)?,
            })
        },
    )?)
}

/// The record of image `id`, if recorded.
pub(super) fn load_record(
    db: &Connection,
    id: &ImageId,
) -> Result<Option<ImageRecord>, StoreError> {
    let image = db
        .query_row(
            "SELECT i.config_size, i.manifest_digest, m.size, m.media_type, i.created, i.size,
                    i.os, i.architecture, i.variant, i.labels
             FROM images i JOIN manifests m ON m.digest = i.manifest_digest
             WHERE i.id = ?1",
            [id.to_string()],
            |row| {
                Ok((
                    row.get::<_, u64>(0)?,
                    BlobRef {
                        digest: digest_at(row, 1)?,
                        size: row.get(2)?,
                        media_type: MediaType::parse(&row.get::<_, String>(3)?),
                    },
                    time_opt_at(row, 4)?,
                    row.get::<_, u64>(5)?,
                    platform_at(row, 6)?,
                    json_at::<BTreeMap<String, String>>(row, 9)?,
                ))
            },
        )
        .optional()?;
    let Some((config_size, manifest, created, size, platform, labels)) = image else {
        return Ok(None);
    };
    let mut stmt = db.prepare(
        "SELECT l.digest, l.size, l.media_type, l.diff_id, u.size FROM layers l
         LEFT JOIN unpacked_layers u ON u.digest = l.digest
         WHERE l.manifest_digest = ?1 ORDER BY l.position",
    )?;
    let layers = stmt
        .query_map([manifest.digest.to_string()], |row| {
            let diff_id: Option<String> = row.get(3)?;
            Ok(LayerRecord {
                digest: digest_at(row, 0)?,
                size: row.get(1)?,
                media_type: MediaType::parse(&row.get::<_, String>(2)?),
                diff_id: diff_id.and_then(|d| d.parse().ok()),
                unpacked_size: row.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let index = db
        .query_row(
            "SELECT digest, size, media_type FROM indexes WHERE manifest_digest = ?1
             ORDER BY digest LIMIT 1",
            [manifest.digest.to_string()],
            |row| {
                Ok(BlobRef {
                    digest: digest_at(row, 0)?,
                    size: row.get(1)?,
                    media_type: MediaType::parse(&row.get::<_, String>(2)?),
                })
            },
        )
        .optional()?;
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
