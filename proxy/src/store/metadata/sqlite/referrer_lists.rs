//! [`ReferrerLists`] in the `referrer_lists` table (`seq` orders them,
//! oldest first).

use rusqlite::params;
use shared::digest::Digest;
use shared::media_type::MediaType;

use super::SqliteMetadata;
use super::columns::digest_at;
use crate::store::StoreError;
use crate::store::metadata::{ReferrerLists, RepoName};
use crate::store::record::BlobRef;

impl ReferrerLists for SqliteMetadata {
    fn keep_referrers(
        &self,
        repository: &RepoName,
        subject: &Digest,
        list: Option<&BlobRef>,
        limit: usize,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let Some(list) = list else {
                tx.execute(
                    "DELETE FROM referrer_lists WHERE name = ?1 AND subject = ?2",
                    params![repository.as_str(), subject.to_string()],
                )?;
                return Ok(());
            };
            let next: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM referrer_lists",
                [],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT OR REPLACE INTO referrer_lists (name, subject, list_digest, list_size, list_media_type, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    repository.as_str(),
                    subject.to_string(),
                    list.digest.to_string(),
                    i64::try_from(list.size).unwrap_or(i64::MAX),
                    list.media_type.as_str(),
                    next,
                ],
            )?;
            let keep = i64::try_from(limit).unwrap_or(i64::MAX);
            tx.execute(
                "DELETE FROM referrer_lists WHERE seq NOT IN (SELECT seq FROM referrer_lists ORDER BY seq DESC LIMIT ?1)",
                [keep],
            )?;
            Ok(())
        })
    }

    fn referrers(
        &self,
        repository: &RepoName,
        subject: &Digest,
    ) -> Result<Option<BlobRef>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT list_digest, list_size, list_media_type FROM referrer_lists WHERE name = ?1 AND subject = ?2",
            )?;
            let mut rows = stmt.query(params![repository.as_str(), subject.to_string()])?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let size: i64 = row.get(1)?;
            let media_type: String = row.get(2)?;
            Ok(Some(BlobRef {
                digest: digest_at(row, 0)?,
                size: u64::try_from(size).unwrap_or(0),
                media_type: MediaType::parse(&media_type),
            }))
        })
    }
}
