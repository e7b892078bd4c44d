//! Views of stored images in the `shared` API types, written once for the
//! CLI and the dashboard API.

use shared::api::{ImageInspect, ImageSummary};
use shared::filter::{ImageFilters, ImagePredicate, ImageSubject, ResolvedAnchors};
use time::OffsetDateTime;

use crate::store::{ImageRow, Store, StoreError};

/// The summary of one listed image. An image whose config gives no
/// creation time sorts as the oldest (1970).
pub fn summary(row: ImageRow) -> ImageSummary {
    ImageSummary {
        subject: ImageSubject {
            id: row.id.digest().clone(),
            repo_tags: row.repo_tags,
            repo_digests: row.repo_digests,
            labels: row.labels,
            created: row.created.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        },
        size: row.unpacked_size,
        blob_size: row.size,
        last_pulled: row.last_pulled,
    }
}

/// Every image in the store, summarised.
pub fn summaries(store: &Store) -> Result<Vec<ImageSummary>, StoreError> {
    Ok(store.list()?.into_iter().map(summary).collect())
}

/// Parses `filters` (plus `reference=REPOSITORY` when given) and resolves the
/// images `before=`/`since=` name against the store.
pub fn predicate(
    store: &Store,
    filters: &[String],
    repository: Option<&str>,
) -> Result<ImagePredicate, String> {
    let mut all = filters.to_vec();
    if let Some(repo) = repository {
        all.push(format!("reference={repo}"));
    }
    let filters = ImageFilters::parse(&all).map_err(|e| e.to_string())?;
    let mut anchors = ResolvedAnchors::new();
    for name in filters.anchors() {
        if let Ok(found) = store.resolve(name) {
            anchors.insert(name, found.created.unwrap_or(OffsetDateTime::UNIX_EPOCH));
        }
    }
    filters.resolve(&anchors).map_err(|e| e.to_string())
}

/// `inspect` of the image `name` resolves to.
pub fn inspect(store: &Store, name: &str) -> Result<ImageInspect, StoreError> {
    let record = store.with_unpacked(store.resolve(name)?)?;
    let config = store.image_config(&record)?;
    let row = store.row(&record.id)?;
    Ok(ImageInspect::new(
        record.id.digest(),
        &config,
        &row.repo_tags,
        &row.repo_digests,
        record.unpacked_size(),
    ))
}

/// The store's image summaries, and the unfiltered table rows built from
/// them, read again only when the store changed (see [`Store::generation`]);
/// shared by every request of a server.
#[derive(Debug, Clone, Default)]
pub struct SummaryCache {
    cached: std::sync::Arc<std::sync::Mutex<Option<Cached>>>,
}

#[derive(Debug)]
struct Cached {
    generation: (i64, u64),
    summaries: std::sync::Arc<Vec<ImageSummary>>,
    /// Unfiltered rows, without and with digests, built on first use.
    rows: [Option<std::sync::Arc<Vec<shared::api::ImageRow>>>; 2],
}

impl SummaryCache {
    fn current(
        &self,
        store: &Store,
    ) -> Result<std::sync::MutexGuard<'_, Option<Cached>>, StoreError> {
        let generation = store.generation()?;
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cached.as_ref().is_none_or(|c| c.generation != generation) {
            *cached = Some(Cached {
                generation,
                summaries: std::sync::Arc::new(summaries(store)?),
                rows: [None, None],
            });
        }
        Ok(cached)
    }

    /// The current summaries: from the cache when the store's generation is unchanged.
    pub fn get(&self, store: &Store) -> Result<std::sync::Arc<Vec<ImageSummary>>, StoreError> {
        let cached = self.current(store)?;
        cached
            .as_ref()
            .map(|c| c.summaries.clone())
            .ok_or_else(unreachable_cache)
    }

    /// Every row of the images table, unfiltered (newest first).
    pub fn rows(
        &self,
        store: &Store,
        with_digests: bool,
    ) -> Result<std::sync::Arc<Vec<shared::api::ImageRow>>, StoreError> {
        let mut cached = self.current(store)?;
        let c = cached.as_mut().ok_or_else(unreachable_cache)?;
        let slot = &mut c.rows[usize::from(with_digests)];
        if slot.is_none() {
            *slot = Some(std::sync::Arc::new(shared::api::image_rows(
                &c.summaries,
                None,
                with_digests,
            )));
        }
        slot.clone().ok_or_else(unreachable_cache)
    }
}

/// The cache was filled just above; this cannot happen.
fn unreachable_cache() -> StoreError {
    StoreError::Io {
        action: "caching",
        path: std::path::PathBuf::from("meta.db"),
        source: std::io::Error::other("the image cache was empty right after filling it"),
    }
}
