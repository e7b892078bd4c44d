//! [`WaitingImages`] in the `waiting` table (`seq` orders them, oldest
//! first).

use rusqlite::{Row, params};
use shared::digest::Digest;
use shared::media_type::MediaType;

use super::SqliteMetadata;
use super::columns::{digest_at, format_time, time_at};
use crate::store::StoreError;
use crate::store::metadata::{RepoName, WaitingImage, WaitingImages};
use crate::store::record::BlobRef;

impl WaitingImages for SqliteMetadata {
    fn wait(&self, image: &WaitingImage, limit: usize) -> Result<(), StoreError> {
        self.write(|tx| {
            let next: i64 = tx
                .query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM waiting", [], |r| r.get(0))?;
            let index = image.index.as_ref();
            tx.execute(
                "INSERT OR REPLACE INTO waiting (name, manifest_digest, manifest_size, manifest_media_type, tag, index_digest, index_size, index_media_type, since, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    image.repository.as_str(),
                    image.manifest.digest.to_string(),
                    size_column(image.manifest.size),
                    image.manifest.media_type.as_str(),
                    image.tag.as_ref().map(|t| t.to_string()),
                    index.map(|i| i.digest.to_string()),
                    index.map(|i| size_column(i.size)),
                    index.map(|i| i.media_type.as_str().to_owned()),
                    format_time(image.since),
                    next,
                ],
            )?;
            let keep = i64::try_from(limit).unwrap_or(i64::MAX);
            tx.execute(
                "DELETE FROM waiting WHERE seq NOT IN (SELECT seq FROM waiting ORDER BY seq DESC LIMIT ?1)",
                [keep],
            )?;
            Ok(())
        })
    }

    fn waiting(&self) -> Result<Vec<WaitingImage>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT name, manifest_digest, manifest_size, manifest_media_type, tag, index_digest, index_size, index_media_type, since FROM waiting ORDER BY seq",
            )?;
            let rows = stmt
                .query_map([], waiting_at)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn done_waiting(&self, repository: &RepoName, manifest: &Digest) -> Result<bool, StoreError> {
        self.write(|tx| {
            let gone = tx.execute(
                "DELETE FROM waiting WHERE name = ?1 AND manifest_digest = ?2",
                params![repository.as_str(), manifest.to_string()],
            )?;
            Ok(gone > 0)
        })
    }
}

fn size_column(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

fn waiting_at(row: &Row<'_>) -> rusqlite::Result<WaitingImage> {
    let blob = |digest: Digest, size: i64, media_type: String| BlobRef {
        digest,
        size: u64::try_from(size).unwrap_or(0),
        media_type: MediaType::parse(&media_type),
    };
    let manifest = blob(digest_at(row, 1)?, row.get(2)?, row.get(3)?);
    let tag: Option<String> = row.get(4)?;
    let tag = match tag {
        Some(t) => Some(t.parse().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
        })?),
        None => None,
    };
    let index = match row.get::<_, Option<String>>(5)? {
        Some(_) => Some(blob(digest_at(row, 5)?, row.get(6)?, row.get(7)?)),
        None => None,
    };
    Ok(WaitingImage {
        repository: RepoName::from_canonical(row.get(0)?),
        manifest,
        tag,
        index,
        since: time_at(row, 8)?,
    })
}
