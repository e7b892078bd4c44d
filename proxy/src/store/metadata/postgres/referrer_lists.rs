//! [`ReferrerLists`] in the `referrer_lists` table (`seq` orders them,
//! oldest first).

use shared::digest::Digest;

use super::PostgresMetadata;
use super::columns::size_column;
use crate::store::StoreError;
use crate::store::metadata::{ReferrerLists, RepoName};
use crate::store::record::BlobRef;

impl ReferrerLists for PostgresMetadata {
    fn keep_referrers(
        &self,
        repository: &RepoName,
        subject: &Digest,
        list: Option<&BlobRef>,
        limit: usize,
    ) -> Result<(), StoreError> {
        let subject = subject.to_string();
        self.write(|db| {
            let Some(list) = list else {
                db.execute(
                    "DELETE FROM referrer_lists WHERE name = $1 AND subject = $2",
                    &[&repository.as_str(), &subject],
                )?;
                return Ok(());
            };
            let next: i64 = db.value(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM referrer_lists",
                &[],
            )?;
            db.execute(
                "INSERT INTO referrer_lists (name, subject, list_digest, list_size, list_media_type, seq)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (name, subject) DO UPDATE SET list_digest = excluded.list_digest,
                     list_size = excluded.list_size, list_media_type = excluded.list_media_type,
                     seq = excluded.seq",
                &[
                    &repository.as_str(),
                    &subject,
                    &list.digest.to_string(),
                    &size_column(list.size),
                    &list.media_type.as_str(),
                    &next,
                ],
            )?;
            let keep = i64::try_from(limit).unwrap_or(i64::MAX);
            db.execute(
                "DELETE FROM referrer_lists WHERE seq NOT IN
                     (SELECT seq FROM referrer_lists ORDER BY seq DESC LIMIT $1)",
                &[&keep],
            )?;
            Ok(())
        })
    }

    fn referrers(
        &self,
        repository: &RepoName,
        subject: &Digest,
    ) -> Result<Option<BlobRef>, StoreError> {
        self.read(|db| {
            db.row(
                "SELECT list_digest, list_size, list_media_type FROM referrer_lists
                 WHERE name = $1 AND subject = $2",
                &[&repository.as_str(), &subject.to_string()],
                |c| c.blob(0),
            )
        })
    }
}
