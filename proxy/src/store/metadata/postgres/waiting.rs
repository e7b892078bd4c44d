//! [`WaitingImages`] in the `waiting` table (`seq` orders them, oldest
//! first).

use shared::digest::Digest;

use super::PostgresMetadata;
use super::columns::{Columns, format_time, size_column};
use super::db::Bounded;
use crate::store::StoreError;
use crate::store::metadata::{RepoName, WaitingImage, WaitingImages};

impl WaitingImages for PostgresMetadata {
    fn wait(&self, image: &WaitingImage, limit: usize) -> Result<(), StoreError> {
        self.write(|db| {
            let next = db.next_seq(Bounded::Waiting)?;
            let index = image.index.as_ref();
            db.execute(
                "INSERT INTO waiting (name, manifest_digest, manifest_size, manifest_media_type,
                     tag, index_digest, index_size, index_media_type, since, seq)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (name, manifest_digest) DO UPDATE SET
                     manifest_size = excluded.manifest_size,
                     manifest_media_type = excluded.manifest_media_type,
                     tag = excluded.tag, index_digest = excluded.index_digest,
                     index_size = excluded.index_size,
                     index_media_type = excluded.index_media_type,
                     since = excluded.since, seq = excluded.seq",
                &[
                    &image.repository.as_str(),
                    &image.manifest.digest.to_string(),
                    &size_column(image.manifest.size),
                    &image.manifest.media_type.as_str(),
                    &image.tag.as_ref().map(ToString::to_string),
                    &index.map(|i| i.digest.to_string()),
                    &index.map(|i| size_column(i.size)),
                    &index.map(|i| i.media_type.as_str().to_owned()),
                    &format_time(image.since),
                    &next,
                ],
            )?;
            db.keep_newest(Bounded::Waiting, limit)
        })
    }

    fn waiting(&self) -> Result<Vec<WaitingImage>, StoreError> {
        self.read(|db| {
            db.rows(
                "SELECT name, manifest_digest, manifest_size, manifest_media_type, tag,
                     index_digest, index_size, index_media_type, since
                 FROM waiting ORDER BY seq",
                &[],
                waiting_at,
            )
        })
    }

    fn done_waiting(&self, repository: &RepoName, manifest: &Digest) -> Result<bool, StoreError> {
        self.write(|db| {
            let gone = db.execute(
                "DELETE FROM waiting WHERE name = $1 AND manifest_digest = $2",
                &[&repository.as_str(), &manifest.to_string()],
            )?;
            Ok(gone > 0)
        })
    }
}

fn waiting_at(c: &Columns<'_>) -> Result<WaitingImage, StoreError> {
    let index = match c.get::<Option<String>>(5)? {
        Some(_) => Some(c.blob(5)?),
        None => None,
    };
    Ok(WaitingImage {
        repository: RepoName::from_canonical(c.get(0)?),
        manifest: c.blob(1)?,
        tag: c.parsed_opt(4)?,
        index,
        since: c.time(8)?,
    })
}
