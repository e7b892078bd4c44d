//! [`ReferrerLists`] in the `referrer_lists` table (`seq` orders them,
//! oldest first).

use shared::digest::Digest;

use super::PostgresMetadata;
use super::columns::size_column;
use super::db::Bounded;
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
            let next = db.next_seq(Bounded::ReferrerLists)?;
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
            db.keep_newest(Bounded::ReferrerLists, limit)
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
