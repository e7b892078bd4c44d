//! `GET /metrics`: the Prometheus scrape. The gauges that describe state
//! (the store's size, each upstream's rate limit) are read when scraped:
//! the store's figures from its metadata database (no walk of the blob
//! files), summed again only when the store changed since the last scrape
//! (its [`Generation`]); the rate limits from the registry client.

use std::sync::{Mutex, PoisonError};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Response, header};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use shared::api::RateLimit;

use crate::serve::AppState;
use crate::serve::error::ApiError;
use crate::store::Store;
use crate::store::metadata::{Generation, ImageTotals};

/// The media type of the exposition (OpenMetrics text).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RegistryLabel {
    registry: String,
}

/// The gauges set at each scrape.
#[derive(Debug, Default)]
pub struct StateGauges {
    store_bytes: Gauge,
    store_images: Gauge,
    remaining: Family<RegistryLabel, Gauge>,
    limit: Family<RegistryLabel, Gauge>,
    /// The store's totals at the generation they were summed at.
    totals: Mutex<Option<(Generation, ImageTotals)>>,
}

impl StateGauges {
    /// Registers them in `registry` (prefixed `strata_`).
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register(
            "store_bytes",
            "Bytes of the distinct blobs the store's recorded images use (from its metadata)",
            self.store_bytes.clone(),
        );
        registry.register(
            "store_images",
            "Images recorded in the store",
            self.store_images.clone(),
        );
        let upstream = registry.sub_registry_with_prefix("upstream_ratelimit");
        upstream.register(
            "remaining",
            "Requests left in the upstream's rate-limit window, as its latest ratelimit-remaining header said",
            self.remaining.clone(),
        );
        upstream.register(
            "limit",
            "Requests the upstream's rate-limit window allows, as its latest ratelimit-limit header said",
            self.limit.clone(),
        );
    }

    /// Sets every gauge from `store` and `rate_limits`.
    fn refresh(&self, store: &Store, rate_limits: &[RateLimit]) -> Result<(), ApiError> {
        let totals = self.totals(store)?;
        self.store_bytes.set(clamp(totals.unique_bytes));
        self.store_images.set(clamp(totals.images));
        self.remaining.clear();
        self.limit.clear();
        for rate in rate_limits {
            let label = RegistryLabel {
                registry: rate.registry.clone(),
            };
            self.remaining
                .get_or_create(&label)
                .set(clamp(rate.remaining));
            if let Some(limit) = rate.limit {
                self.limit.get_or_create(&label).set(clamp(limit));
            }
        }
        Ok(())
    }

    /// The store's totals: summed again only if the store changed.
    fn totals(&self, store: &Store) -> Result<ImageTotals, ApiError> {
        let generation = store.generation()?;
        let mut cached = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, totals)) = *cached
            && at == generation
        {
            return Ok(totals);
        }
        let totals = store.metadata().totals()?;
        *cached = Some((generation, totals));
        Ok(totals)
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `GET /metrics`.
pub async fn scrape(State(state): State<AppState>) -> Result<Response<Body>, ApiError> {
    let rate_limits = state.client().rate_limits();
    let (store, metrics) = (state.store().clone(), state.metrics().clone());
    let text = tokio::task::spawn_blocking(move || {
        metrics.gauges().refresh(&store, &rate_limits)?;
        metrics.encode()
    })
    .await
    .map_err(|e| ApiError::internal("a metrics scrape", e))??;
    let mut response = Response::new(Body::from(text));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}
