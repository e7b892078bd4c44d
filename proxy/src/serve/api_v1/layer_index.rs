//! `GET /api/v1/layers/{digest}/index`: the random-access index of a
//! stored layer blob (issue 20), for the explorer to open one file of a
//! huge layer from a short `Range` of `/v2/<name>/blobs/<digest>`.
//!
//! - 200: the encoded [`LayerIndex`](shared::layer::index::LayerIndex)
//!   ([`CONTENT_TYPE`], `Cache-Control: no-cache`), streamed from the
//!   store. A stored layer without an index yet (`strata serve` builds
//!   them in the background) gets one now, on a blocking thread: one
//!   build per digest at a time (other requests for it wait for that
//!   build), and at most [`BUILDS_AT_ONCE`] builds in all.
//! - 400: `{digest}` is not a digest.
//! - 404: the blob is not stored (pull the image first), or the layer
//!   cannot be indexed (zstd; not a tar), with the reason.
//!
//! The index is a hint: a client checks it against the layer's digest
//! (see `shared::layer::index`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shared::digest::Digest;
use tokio::sync::{OwnedMutexGuard, Semaphore};

use super::blocking;
use crate::serve::AppState;
use crate::serve::error::ApiError;
use crate::serve::registry_v2::response::reader_body;
use crate::store::{LayerIndexes, StoreError};

/// The index's media type: gzip of strata's index format, version 1.
pub const CONTENT_TYPE: &str = "application/vnd.strata.layer-index.v1+gzip";

/// How many indexes the server builds at once on request (each reads and
/// decompresses a whole layer).
pub const BUILDS_AT_ONCE: usize = 2;

/// The builds on request in progress: one turn per digest, and
/// [`BUILDS_AT_ONCE`] slots in all. Cheap to clone.
#[derive(Clone)]
pub struct IndexBuilds {
    turns: Arc<Mutex<HashMap<Digest, Arc<tokio::sync::Mutex<()>>>>>,
    slots: Arc<Semaphore>,
}

impl Default for IndexBuilds {
    fn default() -> Self {
        IndexBuilds {
            turns: Arc::default(),
            slots: Arc::new(Semaphore::new(BUILDS_AT_ONCE)),
        }
    }
}

impl IndexBuilds {
    /// Waits until no other request builds `digest`'s index.
    async fn turn(&self, digest: &Digest) -> OwnedMutexGuard<()> {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
            // Forget the turns nobody holds or waits for.
            turns.retain(|_, turn| Arc::strong_count(turn) > 1);
            turns.entry(digest.clone()).or_default().clone()
        };
        turn.lock_owned().await
    }
}

/// `GET /api/v1/layers/{digest}/index`.
pub async fn index(
    State(state): State<AppState>,
    Path(digest): Path<String>,
) -> Result<Response, ApiError> {
    let digest: Digest = digest.parse().map_err(|e| {
        ApiError::invalid(format!(
            "`{digest}` is not a layer digest ({e}); expected sha256:<64 hex digits>"
        ))
    })?;
    let layer = digest.clone();
    let stored = blocking(&state, move |store| Ok(store.content().index(&layer)?)).await?;
    let reader = match stored {
        Some(reader) => reader,
        None => {
            let builds = state.index_builds().clone();
            let _turn = builds.turn(&digest).await;
            let _slot = builds
                .slots
                .acquire()
                .await
                .map_err(|e| ApiError::internal("waiting to build a layer index", e))?;
            blocking(&state, move |store| {
                store.layer_index(&digest).map_err(|e| refusal(&digest, e))
            })
            .await?
        }
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::CONTENT_LENGTH, HeaderValue::from(reader.size)),
    ];
    Ok((headers, reader_body(reader)).into_response())
}

/// What the client is told when there is no index to send.
fn refusal(digest: &Digest, e: StoreError) -> ApiError {
    match e {
        StoreError::BlobNotFound { .. } => ApiError::not_found(format!(
            "layer {digest} is not stored here; pull the image first (strata pull, or through /v2), then ask again"
        )),
        e @ StoreError::NotIndexable { .. } => ApiError::not_found(e.to_string()),
        e => e.into(),
    }
}
