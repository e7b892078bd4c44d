//! What every handler can reach.

use std::path::PathBuf;
use std::sync::Arc;

/// Shared, cheaply cloned state of the service.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dist: PathBuf,
    store: PathBuf,
}

impl AppState {
    /// State serving the dashboard from `dist` with the store in `store`.
    pub fn new(dist: PathBuf, store: PathBuf) -> Self {
        Self { inner: Arc::new(Inner { dist, store }) }
    }

    /// The built dashboard folder.
    pub fn dist(&self) -> &std::path::Path {
        &self.inner.dist
    }

    /// The store folder.
    pub fn store(&self) -> &std::path::Path {
        &self.inner.store
    }
}
