//! [`V2Context`]: what the `/v2` handlers share besides the app state: the
//! fetches in flight, the cap on upstream requests, what is known to
//! belong to which repository, and the images being cached.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cached::CachedImages;
use super::declared::DeclaredSizes;
use super::error::{ErrorCode, V2Error};
use super::flight::{FlightKey, SingleFlight};
use super::fresh_tags::FreshTags;
use super::known::KnownDigests;
use super::limits::{
    BODY_DEADLINE, CLIENT_STALL, MAX_BLOB_SIZE, MAX_BLOB_TRANSFERS, MAX_UPSTREAM_FETCHES,
    PERMIT_WAIT,
};
use super::resolved_tags::ResolvedTags;
use super::served_manifest::ManifestBytes;
use crate::registry::pace::Pace;

/// Shared by every `/v2` request of one service.
#[derive(Debug)]
pub struct V2Context {
    /// Blobs being fetched into the store; the result is the blob's size.
    pub blobs: Arc<SingleFlight<FlightKey, u64>>,
    /// Manifests being fetched by digest.
    pub manifests: Arc<SingleFlight<FlightKey, ManifestBytes>>,
    /// Digests seen upstream in a repository ([`super::access`]).
    pub known: KnownDigests,
    /// Blob sizes the image manifests served declare ([`super::declared`]).
    pub declared: DeclaredSizes,
    /// Tags a `HEAD` resolved ([`super::resolved_tags`]).
    pub resolved: ResolvedTags,
    /// Tags confirmed upstream within `--tag-ttl` ([`super::fresh_tags`]).
    pub fresh_tags: FreshTags,
    /// Image manifests waiting for their blobs ([`super::cached`]).
    pub cached: CachedImages,
    upstream: Arc<Semaphore>,
    transfers: Arc<Semaphore>,
    /// How long a blob's leading client may take no bytes before the
    /// transfer drops it ([`CLIENT_STALL`]).
    pub client_stall: std::time::Duration,
    /// The slowest and longest a blob transfer may be
    /// ([`crate::registry::pace::MIN_RATE`], [`crate::registry::pace::TRANSFER_DEADLINE`]).
    pub pace: Pace,
    /// The longest a manifest or tag list body may take ([`BODY_DEADLINE`]).
    pub body_deadline: std::time::Duration,
    /// How long a request waits for a turn in a full pool before `503`
    /// ([`PERMIT_WAIT`]).
    pub permit_wait: std::time::Duration,
    /// How long a fetch waits for another writer of the same blob before
    /// fetching beside it ([`crate::store::WRITER_PATIENCE`]).
    pub writer_patience: std::time::Duration,
    /// The largest blob fetched ([`MAX_BLOB_SIZE`], `--max-blob-size`).
    pub max_blob_size: u64,
}

impl Default for V2Context {
    fn default() -> Self {
        V2Context::new(MAX_UPSTREAM_FETCHES)
    }
}

impl V2Context {
    /// A context allowing `max_upstream` upstream requests at once.
    pub fn new(max_upstream: usize) -> V2Context {
        V2Context {
            blobs: Arc::default(),
            manifests: Arc::default(),
            known: KnownDigests::default(),
            declared: DeclaredSizes::default(),
            resolved: ResolvedTags::default(),
            fresh_tags: FreshTags::default(),
            cached: CachedImages::default(),
            upstream: Arc::new(Semaphore::new(max_upstream.max(1))),
            transfers: Arc::new(Semaphore::new(MAX_BLOB_TRANSFERS)),
            client_stall: CLIENT_STALL,
            pace: Pace::default(),
            body_deadline: BODY_DEADLINE,
            permit_wait: PERMIT_WAIT,
            writer_patience: crate::store::WRITER_PATIENCE,
            max_blob_size: MAX_BLOB_SIZE,
        }
    }

    /// The same context fetching blobs of up to `max_blob_size` bytes.
    pub fn with_max_blob_size(mut self, max_blob_size: u64) -> Self {
        self.max_blob_size = max_blob_size;
        self
    }

    /// The same context keeping a tag fresh for `ttl` after the upstream
    /// confirmed it (`--tag-ttl`).
    pub fn with_tag_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.fresh_tags = FreshTags::new(ttl);
        self
    }

    /// The same context with another floor on upstream speed.
    #[cfg(test)]
    pub fn with_min_rate(mut self, bytes_per_second: u64, window: std::time::Duration) -> Self {
        self.pace.min_rate = (bytes_per_second, window);
        self
    }

    /// The same context with at most `transfers` blob transfers at once,
    /// and clients dropped after `client_stall` without taking bytes.
    #[cfg(test)]
    pub fn with_transfers(mut self, transfers: usize, client_stall: std::time::Duration) -> Self {
        self.transfers = Arc::new(Semaphore::new(transfers.max(1)));
        self.client_stall = client_stall;
        self
    }

    /// The same context giving short upstream requests `deadline`.
    #[cfg(test)]
    pub fn with_body_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.body_deadline = deadline;
        self
    }

    /// The same context with other waits: for a pool's turn, for another
    /// writer of a blob, and for a whole transfer.
    #[cfg(test)]
    pub fn with_waits(
        mut self,
        permit_wait: std::time::Duration,
        writer_patience: std::time::Duration,
        transfer_deadline: std::time::Duration,
    ) -> Self {
        self.permit_wait = permit_wait;
        self.writer_patience = writer_patience;
        self.pace.deadline = transfer_deadline;
        self
    }

    /// Waits for a turn to talk to an upstream registry; the turn lasts
    /// until the permit is dropped.
    pub async fn upstream_permit(&self) -> Result<OwnedSemaphorePermit, V2Error> {
        permit(&self.upstream, self.permit_wait, "upstream requests").await
    }

    /// Runs `call`, a short upstream request (a manifest, a tag list, a
    /// `HEAD`), in a turn of the upstream pool and within
    /// [`V2Context::body_deadline`], body included: an upstream that
    /// trickles a manifest cannot hold the turn for ever.
    pub async fn short_call<F: std::future::Future>(&self, call: F) -> Result<F::Output, V2Error> {
        let _permit = self.upstream_permit().await?;
        tokio::time::timeout(self.body_deadline, call)
            .await
            .map_err(|_| {
                V2Error::new(
                    ErrorCode::Unavailable,
                    format!(
                        "the upstream registry did not finish answering within {} s; try again later",
                        self.body_deadline.as_secs()
                    ),
                )
                .bad_gateway()
            })
    }

    /// Waits for a turn to run a blob transfer ([`MAX_BLOB_TRANSFERS`]).
    pub async fn transfer_permit(&self) -> Result<OwnedSemaphorePermit, V2Error> {
        permit(&self.transfers, self.permit_wait, "blob transfers").await
    }
}

/// A turn from `pool`, waiting at most `wait` ([`V2Error::busy`] then).
async fn permit(
    pool: &Arc<Semaphore>,
    wait: std::time::Duration,
    what: &str,
) -> Result<OwnedSemaphorePermit, V2Error> {
    match tokio::time::timeout(wait, pool.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) => Err(V2Error::new(
            ErrorCode::Unavailable,
            "strata is shutting down; try again",
        )),
        Err(_) => Err(V2Error::busy(what, wait)),
    }
}
