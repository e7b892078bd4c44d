//! [`V2Context`]: what the `/v2` handlers share besides the app state: the
//! fetches in flight, the cap on upstream requests, what is known to
//! belong to which repository, and the images being cached.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::cached::CachedImages;
use super::error::{ErrorCode, V2Error};
use super::flight::{FlightKey, SingleFlight};
use super::known::KnownDigests;
use super::limits::{CLIENT_STALL, MAX_BLOB_TRANSFERS, MAX_UPSTREAM_FETCHES, MIN_RATE};
use super::served_manifest::ManifestBytes;

/// Shared by every `/v2` request of one service.
#[derive(Debug)]
pub struct V2Context {
    /// Blobs being fetched into the store; the result is the blob's size.
    pub blobs: Arc<SingleFlight<FlightKey, u64>>,
    /// Manifests being fetched by digest.
    pub manifests: Arc<SingleFlight<FlightKey, ManifestBytes>>,
    /// Digests seen upstream in a repository ([`super::access`]).
    pub known: KnownDigests,
    /// Image manifests waiting for their blobs ([`super::cached`]).
    pub cached: CachedImages,
    upstream: Arc<Semaphore>,
    transfers: Arc<Semaphore>,
    /// How long a blob's leading client may take no bytes before the
    /// transfer drops it ([`CLIENT_STALL`]).
    pub client_stall: std::time::Duration,
    /// The slowest upstream a blob transfer keeps: bytes per second on
    /// average, checked once the window has passed ([`MIN_RATE`]).
    pub min_rate: (u64, std::time::Duration),
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
            cached: CachedImages::default(),
            upstream: Arc::new(Semaphore::new(max_upstream.max(1))),
            transfers: Arc::new(Semaphore::new(MAX_BLOB_TRANSFERS)),
            client_stall: CLIENT_STALL,
            min_rate: MIN_RATE,
        }
    }

    /// The same context with another floor on upstream speed.
    #[cfg(test)]
    pub fn with_min_rate(mut self, bytes_per_second: u64, window: std::time::Duration) -> Self {
        self.min_rate = (bytes_per_second, window);
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

    /// Waits for a turn to talk to an upstream registry; the turn lasts
    /// until the permit is dropped.
    pub async fn upstream_permit(&self) -> Result<OwnedSemaphorePermit, V2Error> {
        permit(&self.upstream).await
    }

    /// Waits for a turn to run a blob transfer ([`MAX_BLOB_TRANSFERS`]).
    pub async fn transfer_permit(&self) -> Result<OwnedSemaphorePermit, V2Error> {
        permit(&self.transfers).await
    }
}

async fn permit(pool: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit, V2Error> {
    pool.clone()
        .acquire_owned()
        .await
        .map_err(|_| V2Error::new(ErrorCode::Unavailable, "strata is shutting down; try again"))
}
