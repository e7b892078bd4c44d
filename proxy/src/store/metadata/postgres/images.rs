//! [`ImageRecords`] for [`PostgresMetadata`]: each method one transaction,
//! over the tables of `images`, `manifests`, `layers`, `indexes`, `tags`
//! and `repo_digests` (the queries are in `record.rs`, `load.rs` and
//! `removal.rs`).

use shared::digest::Digest;
use shared::reference::Tag;
use time::{Duration, OffsetDateTime};

use super::columns::format_time;
use super::{PostgresMetadata, load, pulls, removal};
use crate::store::StoreError;
use crate::store::metadata::recording;
use crate::store::metadata::{
    ImageRecords, ImageState, ImageTotals, RecordOutcome, Removal, RepoName,
};
use crate::store::record::{ImageId, ImageRecord, ImageRow};

impl ImageRecords for PostgresMetadata {
    fn record(
        &self,
        image: &ImageRecord,
        tag: Option<(&RepoName, &Tag)>,
        repo_digest: Option<(&RepoName, &Digest)>,
        at: OffsetDateTime,
    ) -> Result<RecordOutcome, StoreError> {
        let now = format_time(at);
        self.write(|db| {
            let outcome = recording::record(db, image, tag, repo_digest, &now)?;
            pulls::set_last_pulled(db, &image.id.to_string(), at)?;
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
        self.write(|db| recording::tag(db, id, name, tag, &now))
    }

    fn image(&self, id: &ImageId) -> Result<Option<ImageRecord>, StoreError> {
        self.read(|db| load::load_record(db, id))
    }

    fn exists(&self, id: &ImageId) -> Result<bool, StoreError> {
        self.read(|db| load::image_exists(db, id))
    }

    fn rows(&self) -> Result<Vec<ImageRow>, StoreError> {
        self.read(load::rows)
    }

    fn row(&self, id: &ImageId) -> Result<Option<ImageRow>, StoreError> {
        self.read(|db| load::row(db, id))
    }

    fn ids_starting_with(&self, prefix: &str, limit: usize) -> Result<Vec<ImageId>, StoreError> {
        self.read(|db| load::ids_starting_with(db, prefix, limit))
    }

    fn totals(&self) -> Result<ImageTotals, StoreError> {
        self.read(load::totals)
    }

    fn remove(
        &self,
        id: &ImageId,
        decide: &mut (dyn FnMut(&ImageState) -> Result<Removal, StoreError> + Send),
    ) -> Result<Option<Vec<Digest>>, StoreError> {
        self.write(|db| removal::remove(db, id, decide))
    }
}
