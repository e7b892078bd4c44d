//! What every handler can reach.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::pull::Puller;
use crate::registry::RegistryClient;
use crate::store::Store;

use super::api_v1::{IndexBuilds, Pulls};
use super::metrics::Metrics;
use super::security::Security;
use super::sessions::Sessions;

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
    sessions: Sessions,
    pulls: Pulls,
    index_builds: IndexBuilds,
    index_url: String,
    summaries: crate::image_views::SummaryCache,
    v2: V2Settings,
    metrics: Metrics,
    retention: Option<shared::retention::RetentionPolicy>,
    trusted_root: Option<Arc<Vec<u8>>>,
}

/// How `strata serve`'s `/v2` is configured (its flags).
#[derive(Debug, Clone)]
pub struct V2Settings {
    /// The largest blob fetched (`--max-blob-size`).
    pub max_blob_size: u64,
    /// The registry names without a host are on (`--mirror-default`,
    /// checked with [`shared::reference::mirror_registry`]).
    pub mirror_default: String,
    /// How long a tag the upstream confirmed is served without asking it
    /// again (`--tag-ttl`).
    pub tag_ttl: std::time::Duration,
    /// Answer a warm blob's `GET` with a `307` to a presigned URL in the
    /// S3 bucket (`--redirect-blobs`, `registry_v2/redirect.rs`).
    pub redirect_blobs: bool,
}

impl Default for V2Settings {
    fn default() -> Self {
        V2Settings {
            max_blob_size: crate::serve::registry_v2::limits::MAX_BLOB_SIZE,
            mirror_default: shared::reference::DEFAULT_DOMAIN.to_owned(),
            tag_ttl: crate::serve::registry_v2::fresh_tags::TAG_TTL,
            redirect_blobs: false,
        }
    }
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
                sessions: Sessions::default(),
                pulls: Pulls::default(),
                index_builds: IndexBuilds::default(),
                index_url: crate::search::index_url(None),
                summaries: crate::image_views::SummaryCache::default(),
                v2: V2Settings::default(),
                metrics: Metrics::new(),
                retention: None,
                trusted_root: None,
            }),
        }
    }

    /// Keyless signatures are checked against this Sigstore trusted root
    /// (`--trusted-root`; its JSON, already checked to parse) instead of
    /// the public-good one.
    pub fn with_trusted_root(self, json: Vec<u8>) -> Self {
        self.configured(|inner| Inner {
            trusted_root: Some(Arc::new(json)),
            ..inner
        })
    }

    /// The trusted root given to `--trusted-root`, if any.
    pub fn trusted_root(&self) -> Option<&[u8]> {
        self.inner.trusted_root.as_deref().map(Vec::as_slice)
    }

    /// The layer indexes being built on request.
    pub fn index_builds(&self) -> &IndexBuilds {
        &self.inner.index_builds
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

    /// The state with its configuration changed by `change`, before it
    /// serves; once it is shared (already serving), the running
    /// configuration stays.
    fn configured(self, change: impl FnOnce(Inner) -> Inner) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => Self {
                inner: Arc::new(change(inner)),
            },
            Err(shared) => Self { inner: shared },
        }
    }

    /// Searches go to this index (`--index-url`); default from
    /// `STRATA_INDEX_URL` or Docker Hub's.
    pub fn with_index_url(self, url: &str) -> Self {
        let index_url = crate::search::index_url(Some(url));
        self.configured(|inner| Inner { index_url, ..inner })
    }

    /// `/v2` configured by `settings` (its flags).
    pub fn with_v2(self, settings: V2Settings) -> Self {
        self.configured(|inner| Inner {
            v2: settings,
            ..inner
        })
    }

    /// Sign-in codes and sessions kept in `sessions` (the database's,
    /// shared with the other replicas) instead of this process alone.
    pub fn with_sessions(self, sessions: Sessions) -> Self {
        self.configured(|inner| Inner { sessions, ..inner })
    }

    /// Pulls kept in `pulls` instead of this process alone: shared with
    /// the other replicas ([`Pulls::shared`]).
    pub fn with_pulls(self, pulls: Pulls) -> Self {
        self.configured(|inner| Inner { pulls, ..inner })
    }

    /// The retention policy `strata serve --retain` runs, for the cache
    /// page's preview.
    pub fn with_retention(self, policy: shared::retention::RetentionPolicy) -> Self {
        self.configured(|inner| Inner {
            retention: Some(policy),
            ..inner
        })
    }

    /// The retention policy, if one runs.
    pub fn retention(&self) -> Option<shared::retention::RetentionPolicy> {
        self.inner.retention
    }

    /// How `/v2` is configured.
    pub fn v2(&self) -> &V2Settings {
        &self.inner.v2
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

    /// The dashboard's sign-in codes and sessions.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }
}
