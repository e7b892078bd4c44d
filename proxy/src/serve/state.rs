//! What every handler can reach.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::pull::Puller;
use crate::registry::RegistryClient;
use crate::store::Store;

use super::api_v1::Pulls;
use super::metrics::Metrics;
use super::security::Security;

/// Shared, cheaply cloned state of the service.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    dist: PathBuf,
    store: Store,
    client: RegistryClient,
    puller: Puller,
    security: Security,
    pulls: Pulls,
    index_url: String,
    summaries: crate::image_views::SummaryCache,
    max_blob_size: u64,
    mirror_default: String,
    metrics: Metrics,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("dist", &self.inner.dist)
            .field("store", &self.inner.store.dir())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State serving the dashboard from `dist` over `store`, reaching
    /// registries through `client`, with the given defences.
    pub fn new(dist: PathBuf, store: Store, client: RegistryClient, security: Security) -> Self {
        let puller = Puller::new(client.clone(), Arc::new(store.clone()));
        Self {
            inner: Arc::new(Inner {
                dist,
                store,
                client,
                puller,
                security,
                pulls: Pulls::default(),
                index_url: crate::search::index_url(None),
                summaries: crate::image_views::SummaryCache::default(),
                max_blob_size: crate::serve::registry_v2::limits::MAX_BLOB_SIZE,
                mirror_default: shared::reference::DEFAULT_DOMAIN.to_owned(),
                metrics: Metrics::new(),
            }),
        }
    }

    /// The built dashboard folder.
    pub fn dist(&self) -> &Path {
        &self.inner.dist
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The registry client (with `strata serve`'s destination policy).
    pub fn client(&self) -> &RegistryClient {
        &self.inner.client
    }

    /// The pull engine.
    pub fn puller(&self) -> &Puller {
        &self.inner.puller
    }

    /// Searches go to this index (`--index-url`); default from
    /// `STRATA_INDEX_URL` or Docker Hub's.
    pub fn with_index_url(self, url: &str) -> Self {
        let index_url = crate::search::index_url(Some(url));
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => Self {
                inner: Arc::new(Inner { index_url, ..inner }),
            },
            Err(shared) => Self { inner: shared }, // already serving: keep the running configuration
        }
    }

    /// `/v2` fetches blobs of up to `bytes` (`--max-blob-size`).
    pub fn with_max_blob_size(self, bytes: u64) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => Self {
                inner: Arc::new(Inner {
                    max_blob_size: bytes,
                    ..inner
                }),
            },
            Err(shared) => Self { inner: shared }, // already serving: keep the running configuration
        }
    }

    /// `/v2` names without a host are on `registry` (`--mirror-default`,
    /// already checked with [`shared::reference::mirror_registry`]).
    pub fn with_mirror_default(self, registry: &str) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => Self {
                inner: Arc::new(Inner {
                    mirror_default: registry.to_owned(),
                    ..inner
                }),
            },
            Err(shared) => Self { inner: shared }, // already serving: keep the running configuration
        }
    }

    /// The registry `/v2` names without a host are on.
    pub fn mirror_default(&self) -> &str {
        &self.inner.mirror_default
    }

    /// The largest blob `/v2` fetches.
    pub fn max_blob_size(&self) -> u64 {
        self.inner.max_blob_size
    }

    /// The images list, cached while the store is unchanged.
    pub fn summaries(&self) -> &crate::image_views::SummaryCache {
        &self.inner.summaries
    }

    /// The search index URL.
    pub fn index_url(&self) -> &str {
        &self.inner.index_url
    }

    /// The server's metrics (`/metrics`, `/api/v1/cache`).
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Pulls started through the API.
    pub fn pulls(&self) -> &Pulls {
        &self.inner.pulls
    }

    /// CORS, CSRF, token and origin settings.
    pub fn security(&self) -> &Security {
        &self.inner.security
    }
}
