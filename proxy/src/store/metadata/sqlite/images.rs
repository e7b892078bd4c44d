//! [`ImageRecords`] for [`SqliteMetadata`]: each method one transaction,
//! over the tables of `images`, `manifests`, `layers`, `indexes`, `tags`
//! and `repo_digests` (the queries are in `record.rs`, `load.rs` and
//! `removal.rs`).

use shared::digest::Digest;
use shared::reference::Tag;
use time::{Duration, OffsetDateTime};

use super::columns::format_time;
use super::{SqliteMetadata, load, pulls, removal};
use crate::store::StoreError;
use crate::store::metadata::recording;
use crate::store::metadata::{
    ImageRecords, ImageState, ImageTotals, RecordOutcome, Removal, RepoName,
};
use crate::store::record::{ImageId, ImageRecord, ImageRow};

impl ImageRecords for SqliteMetadata {
    fn record(
        &self,
        image: &ImageRecord,
        tag: Option<(&RepoName, &Tag)>,
        repo_digest: Option<(&RepoName, &Digest)>,
        at: OffsetDateTime,
    ) -> Result<RecordOutcome, StoreError> {
        let now = format_time(at);
        self.write(|tx| {
            let outcome = recording::record(&mut &**tx, image, tag, repo_digest, &now)?;
            pulls::set_last_pulled(tx, &image.id.to_string(), at)?;
            Ok(outcome)
        })
    }

    fn pulled(
        &self,
        id: &ImageId,
        at: OffsetDateTime,
        granularity: Duration,
    ) -> Result<bool, StoreError> {
        pulls::pulled(self, id, at, granularity)
    }

    fn tag(
        &self,
        id: &ImageId,
        name: &RepoName,
        tag: &Tag,
        at: OffsetDateTime,
    ) -> Result<Option<RecordOutcome>, StoreError> {
        let now = format_time(at);
        self.write(|tx| recording::tag(&mut &**tx, id, name, tag, &now))
    }

    fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>, StoreError> {
        self.read(|tx| load::load_record(tx, id))
    }

    fn exists(&self, id: &ImageId) -> Result<bool, StoreError> {
        self.read(|tx| load::image_exists(tx, id))
    }

    fn rows(&self) -> Result<Vec<ImageRow>, StoreError> {
        self.read(|tx| load::rows(tx))
    }

    fn row(&self, id: &ImageId) -> Result<Option<ImageRow>, StoreError> {
        self.read(|tx| load::row(tx, id))
    }

    fn ids_starting_with(&self, prefix: &str, limit: usize) -> Result<Vec<ImageId>, StoreError> {
        self.read(|tx| load::ids_starting_with(tx, prefix, limit))
    }

    fn totals(&self) -> Result<ImageTotals, StoreError> {
        self.read(|tx| load::totals(tx))
    }

    fn remove(
        &self,
        id: &ImageId,
        decide: &mut (dyn FnMut(&ImageState) -> Result<Removal, StoreError> + Send),
    ) -> Result<Option<Vec<Digest>>, StoreError> {
        self.write(|tx| removal::remove(tx, id, decide))
    }
}
