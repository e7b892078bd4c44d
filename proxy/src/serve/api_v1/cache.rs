//! `GET /api/v1/cache`: the pull-through cache at a glance, for the
//! dashboard's `/cache` page: this process's hit and miss counts and
//! bytes (the counters `/metrics` exports), each upstream's latest rate
//! limit, and the store's largest and least recently used images.
//!
//! "Least recently used" is by last pull time ([`RecencyBasis::LastPulled`]).
//! `retention_next` previews the images `strata serve --retain` would
//! evict next, when a policy is configured.

use axum::Json;
use axum::extract::State;
use shared::api::{CacheInfo, CachedImage, RecencyBasis, largest, least_recently_used};

use super::blocking;
use crate::serve::AppState;
use crate::serve::error::ApiError;
use crate::serve::metrics::proxy::Kind;

/// Images in each list.
pub const LIST_LENGTH: usize = 10;

/// `GET /api/v1/cache`.
pub async fn cache(State(state): State<AppState>) -> Result<Json<CacheInfo>, ApiError> {
    let summaries = state.summaries().clone();
    let images = blocking(&state, move |store| Ok(summaries.get(store)?)).await?;
    let metrics = state.metrics();
    let proxy = metrics.proxy();
    Ok(Json(CacheInfo {
        since: metrics.since(),
        blobs: proxy.counts(Kind::Blob),
        manifests: proxy.counts(Kind::Manifest),
        bytes_from_cache: proxy.hit_bytes(),
        bytes_from_upstream: proxy.pulled_bytes(),
        rate_limits: state.client().rate_limits(),
        images: u64::try_from(images.len()).unwrap_or(u64::MAX),
        largest: largest(&images, LIST_LENGTH),
        least_recently_used: least_recently_used(&images, LIST_LENGTH),
        least_recently_used_by: RecencyBasis::LastPulled,
        retention_next: retention_next(&state).await?,
    }))
}

/// The images the retention policy would evict now (a dry run), if one is
/// configured.
async fn retention_next(state: &AppState) -> Result<Option<Vec<CachedImage>>, ApiError> {
    let Some(policy) = state.retention() else {
        return Ok(None);
    };
    let report = blocking(state, move |store| Ok(store.retain(&policy, true)?)).await?;
    Ok(Some(
        report
            .evicted
            .iter()
            .take(LIST_LENGTH)
            .map(|e| CachedImage {
                id: e.id.digest().clone(),
                name: e
                    .references
                    .first()
                    .cloned()
                    .unwrap_or_else(|| e.id.short().to_owned()),
                size: e.size,
                at: e.last_pulled.unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            })
            .collect(),
    ))
}
