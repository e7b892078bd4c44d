//! Recording, tagging, loading and listing images.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use shared::digest::Digest;
use shared::media_type::MediaType;
use shared::platform::Platform;
use shared::reference::{Reference, Tag};
use time::OffsetDateTime;

use super::content::Provider;
use super::meta::{digest_at, format_time, image_id_at, parse_time, time_nanos};
use super::record::{BlobRef, ImageId, ImageRecord, ImageRow, LayerRecord};
use super::resolve::resolve_in;
use super::{Store, StoreError};

/// What [`Store::record_image`] or [`Store::tag`] changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordOutcome {
    /// Nothing changed: the image was known and the tag and repo digest
    /// already named it (`Status: Image is up to date for …`).
    pub up_to_date: bool,
    /// The image the tag named before, when the tag moved to another
    /// image.
    pub previous: Option<ImageId>,
    /// `previous` has no tag left: it is now dangling (`<none>:<none>`).
    /// It is not deleted.
    pub previous_dangling: bool,
}

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
        let now = format_time(OffsetDateTime::now_utc());
        self.write(|tx| {
            let existed = image_exists(tx, &record.id)?;
            if !existed {
                insert_image(tx, record, &now)?;
            }
            insert_manifest(tx, record)?;
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
                Some((name, tag)) => tx
                    .query_row(
                        "SELECT digest FROM tags WHERE name = ?1 AND tag = ?2",
                        params![name.canonical_name(), tag.as_str()],
                        |row| row.get(0),
                    )
                    .optional()?,
                None => None,
            };
            if let Some((name, tag)) = tag {
                let (unchanged, previous) = set_tag(
                    tx,
                    &name.canonical_name(),
                    tag.as_str(),
                    &record.id,
                    target,
                    &now,
                )?;
                outcome.up_to_date &= unchanged;
                outcome.previous = previous;
            }
            if let Some((name, digest)) = repo_digest {
                let old: Option<String> = tx
                    .query_row(
                        "SELECT image_id FROM repo_digests WHERE name = ?1 AND digest = ?2",
                        params![name.canonical_name(), digest.to_string()],
                        |row| row.get(0),
                    )
                    .optional()?;
                outcome.up_to_date &= old.as_deref() == Some(&record.id.to_string());
                tx.execute(
                    "INSERT INTO repo_digests (name, digest, image_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name, digest) DO UPDATE SET image_id = excluded.image_id",
                    params![
                        name.canonical_name(),
                        digest.to_string(),
                        record.id.to_string()
                    ],
                )?;
            }
            if let Some(previous) = &outcome.previous {
                outcome.previous_dangling = tag_count(tx, previous)? == 0;
                // An image whose only tag moved is dangling and lists as
                // `<none> <none>` (DOCKER-SEMANTICS): the digest reference the
                // tag had named goes with the tag. Digest references the
                // image got otherwise (pulled by digest) stay.
                if outcome.previous_dangling
                    && let (Some((name, _)), Some(target)) = (tag, &previous_target)
                {
                    tx.execute(
                        "DELETE FROM repo_digests WHERE name = ?1 AND image_id = ?2 AND digest = ?3",
                        params![name.canonical_name(), previous.to_string(), target],
                    )?;
                }
            }
            Ok(outcome)
        })
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
        let now = format_time(OffsetDateTime::now_utc());
        self.write(|tx| {
            let id = resolve_in(tx, source)?.id;
            let manifest: String = tx.query_row(
                "SELECT manifest_digest FROM images WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )?;
            let manifest: Digest = manifest.parse().map_err(|e| StoreError::Corrupt {
                path: self.layout().db_path(),
                problem: format!("image {id} has an invalid manifest digest: {e}"),
            })?;
            let (unchanged, previous) = set_tag(
                tx,
                &target.canonical_name(),
                tag.as_str(),
                &id,
                &manifest,
                &now,
            )?;
            let previous_dangling = match &previous {
                Some(p) => tag_count(tx, p)? == 0,
                None => false,
            };
            Ok(RecordOutcome {
                up_to_date: unchanged,
                previous,
                previous_dangling,
            })
        })
    }

    /// The full record of an image.
    pub fn get(&self, id: &ImageId) -> Result<ImageRecord, StoreError> {
        self.read(|tx| {
            load_record(tx, id)?.ok_or_else(|| StoreError::NoSuchImage {
                reference: id.to_string(),
            })
        })
    }

    /// Every image, newest first, with its tags, digests and pins. One
    /// query (indexed subqueries), so thousands of images list quickly.
    pub fn list(&self) -> Result<Vec<ImageRow>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(&format!("{ROW_SELECT} ORDER BY i.created_ns DESC, i.id"))?;
            let rows = stmt.query_map([], row_from)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One image as [`Store::list`] shows it.
    pub fn row(&self, id: &ImageId) -> Result<ImageRow, StoreError> {
        self.read(|tx| {
            tx.query_row(
                &format!("{ROW_SELECT} WHERE i.id = ?1"),
                [id.to_string()],
                row_from,
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchImage {
                reference: id.to_string(),
            })
        })
    }
}

const ROW_SELECT: &str = "
SELECT i.id, i.manifest_digest, i.created, i.size, i.os, i.architecture, i.variant, i.labels,
    (SELECT json_group_array(x) FROM
        (SELECT name || ':' || tag AS x FROM tags WHERE image_id = i.id ORDER BY name, tag)),
    (SELECT json_group_array(x) FROM
        (SELECT name || '@' || digest AS x FROM repo_digests WHERE image_id = i.id ORDER BY name, digest)),
    (SELECT json_group_array(by) FROM
        (SELECT by FROM pins WHERE image_id = i.id ORDER BY by))
FROM images i";

fn row_from(row: &Row<'_>) -> rusqlite::Result<ImageRow> {
    let repo_tags: Vec<Reference> = json_at(row, 8)?;
    Ok(ImageRow {
        id: image_id_at(row, 0)?,
        manifest_digest: digest_at(row, 1)?,
        dangling: repo_tags.is_empty(),
        repo_tags,
        repo_digests: json_at(row, 9)?,
        created: created_at(row, 2)?,
        size: row.get(3)?,
        platform: platform_at(row, 4)?,
        labels: json_at(row, 7)?,
        pins: json_at(row, 10)?,
    })
}

fn json_at<T: serde::de::DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn created_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| parse_time(idx, &t)).transpose()
}

/// OS, architecture, variant in columns `idx..idx + 3`.
fn platform_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Platform> {
    let os: String = row.get(idx)?;
    let architecture: String = row.get(idx + 1)?;
    let variant: Option<String> = row.get(idx + 2)?;
    let platform = Platform::new(&os, &architecture);
    Ok(match variant {
        Some(v) => platform.with_variant(&v),
        None => platform,
    })
}

pub(crate) fn image_exists(db: &Connection, id: &ImageId) -> Result<bool, StoreError> {
    Ok(db.query_row(
        "SELECT EXISTS (SELECT 1 FROM images WHERE id = ?1)",
        [id.to_string()],
        |row| row.get(0),
    )?)
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
    name: &str,
    tag: &str,
    id: &ImageId,
    digest: &Digest,
    now: &str,
) -> Result<(bool, Option<ImageId>), StoreError> {
    let old: Option<(ImageId, String)> = db
        .query_row(
            "SELECT image_id, digest FROM tags WHERE name = ?1 AND tag = ?2",
            params![name, tag],
            |row| Ok((image_id_at(row, 0)?, row.get(1)?)),
        )
        .optional()?;
    db.execute(
        "INSERT INTO tags (name, tag, image_id, digest, updated) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (name, tag) DO UPDATE SET
             image_id = excluded.image_id, digest = excluded.digest, updated = excluded.updated",
        params![name, tag, id.to_string(), digest.to_string(), now],
    )?;
    Ok(match old {
        Some((old_id, old_digest)) if &old_id == id => (old_digest == digest.to_string(), None),
        Some((old_id, _)) => (false, Some(old_id)),
        None => (false, None),
    })
}

pub(crate) fn tag_count(db: &Connection, id: &ImageId) -> Result<u64, StoreError> {
    Ok(db.query_row(
        "SELECT COUNT(*) FROM tags WHERE image_id = ?1",
        [id.to_string()],
        |row| row.get(0),
    )?)
}

/// The record of image `id`, if recorded.
pub(crate) fn load_record(
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
                    created_at(row, 4)?,
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
        "SELECT digest, size, media_type, diff_id FROM layers
         WHERE manifest_digest = ?1 ORDER BY position",
    )?;
    let layers = stmt
        .query_map([manifest.digest.to_string()], |row| {
            let diff_id: Option<String> = row.get(3)?;
            Ok(LayerRecord {
                digest: digest_at(row, 0)?,
                size: row.get(1)?,
                media_type: MediaType::parse(&row.get::<_, String>(2)?),
                diff_id: diff_id.and_then(|d| d.parse().ok()),
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
