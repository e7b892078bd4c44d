//! Fetching a blob from upstream into the store and to a client at once.
//!
//! One spawned task per blob digest ([`spawn_live`], [`spawn_detached`])
//! does the fetch, so it runs to its end even if the request that started
//! it is cancelled, as long as someone still wants the blob:
//!
//! ```text
//! upstream ──chunks──▶ task ──▶ store writer (blocking thread: hash, write, commit)
//!                        └────▶ the leading client (all but the last chunk)
//! ```
//!
//! - The store's [`BlobWriter`] hashes every byte as it is written; its
//!   commit checks the digest (and the size the upstream declared, which
//!   hyper also enforces) and only then makes the blob visible.
//! - The leading client gets every chunk as it arrives except the last,
//!   which is held back until the commit succeeded. On a mismatch the
//!   client's body ends with an error instead, so hyper aborts the
//!   transfer and the client sees a truncated body, never a complete
//!   response with the wrong bytes; nothing is stored.
//! - Channels between the three are bounded, so memory stays flat whatever
//!   the blob's size; a slow client slows the fetch down (and with it the
//!   requests waiting for the same blob).
//! - If the leading client goes away and no other request waits for the
//!   blob, the fetch is abandoned and its partial content discarded.
//! - The task holds an upstream permit ([`super::context::MAX_UPSTREAM_FETCHES`])
//!   for its whole life.

use std::io;

use bytes::Bytes;
use futures_util::StreamExt as _;
use shared::digest::Digest;
use shared::reference::Reference;
use tokio::sync::{mpsc, oneshot};

use super::context::V2Context;
use super::error::{ErrorCode, Subject, V2Error};
use super::flight::Completion;
use super::response::blocking;
use crate::serve::AppState;
use crate::store::{BlobWriter, ContentWriter, Ingest, Ingester, StoreError};

/// Chunks queued for the store writer.
const DISK_QUEUE: usize = 16;
/// Chunks queued for the leading client.
const CLIENT_QUEUE: usize = 16;

/// What the leading client gets once the fetch got going.
#[derive(Debug)]
pub enum Start {
    /// The blob is in the store (another process wrote it meanwhile, or it
    /// is empty): serve it from there.
    Stored,
    /// The bytes as they arrive, and their number when the upstream said.
    Live {
        /// `Content-Length` of the upstream response.
        size: Option<u64>,
        /// The bytes. An `Err` item means the transfer failed; the client's
        /// response must be aborted.
        body: mpsc::Receiver<io::Result<Bytes>>,
    },
}

/// The leading client's end: the [`Start`], or why the fetch failed before
/// sending anything.
pub type StartReceiver = oneshot::Receiver<Result<Start, V2Error>>;

/// A fetch to run.
pub struct Fetch {
    /// The app state (store, registry client).
    pub state: AppState,
    /// The shared `/v2` state (upstream permits).
    pub context: std::sync::Arc<V2Context>,
    /// The repository to fetch from.
    pub repository: Reference,
    /// The blob.
    pub digest: Digest,
}

/// Starts fetching on a task that finishes `completion` with the blob's
/// size once it is stored, streaming the bytes to the caller (the leading
/// client) as they arrive.
pub fn spawn_live(fetch: Fetch, completion: Completion<Digest, u64>) -> StartReceiver {
    let (tx, rx) = oneshot::channel();
    spawn(fetch, completion, Some(tx));
    rx
}

/// Starts fetching on a task that finishes `completion` with the blob's
/// size once it is stored; nobody gets the bytes as they arrive (for
/// `Range` and `HEAD` requests, served from the store afterwards).
pub fn spawn_detached(fetch: Fetch, completion: Completion<Digest, u64>) {
    spawn(fetch, completion, None);
}

fn spawn(
    fetch: Fetch,
    completion: Completion<Digest, u64>,
    live: Option<oneshot::Sender<Result<Start, V2Error>>>,
) {
    tokio::spawn(async move {
        let mut live = live;
        let result = run(&fetch, &completion, &mut live).await;
        if let Some(tx) = live.take() {
            // The fetch ended before going live (or had nothing to stream).
            let _ = tx.send(result.clone().map(|_| Start::Stored));
        }
        if let Err(e) = &result
            && !e.is_abandoned()
        {
            tracing::warn!(digest = %fetch.digest, repository = %fetch.repository, error = %e, "blob fetch failed");
        }
        completion.finish(result);
    });
}

async fn run(
    fetch: &Fetch,
    completion: &Completion<Digest, u64>,
    live: &mut Option<oneshot::Sender<Result<Start, V2Error>>>,
) -> Result<u64, V2Error> {
    let _permit = fetch.context.upstream_permit().await?;
    // Taking the writer first holds the digest against other processes too.
    let store = fetch.state.store().clone();
    let digest = fetch.digest.clone();
    let writer = blocking("starting a blob write", move || {
        store.content().writer(&digest, None)
    })
    .await?;
    let writer = match writer {
        Ingest::Exists(size) => return Ok(size),
        Ingest::Writer(writer) => writer,
    };
    let upstream = fetch
        .state
        .client()
        .get_blob(&fetch.repository, &fetch.digest, None)
        .await
        .map_err(|e| V2Error::upstream(&e, Subject::Blob))?;

    let (to_disk, disk_rx) = mpsc::channel(DISK_QUEUE);
    let disk = tokio::task::spawn_blocking(move || write_to_store(writer, disk_rx));
    // An empty body is checked before anything is sent (a Content-Length
    // of 0 would end the client's response before the check).
    let mut client = match (live.take(), upstream.size) {
        (Some(tx), size) if size != Some(0) => {
            let (body_tx, body) = mpsc::channel(CLIENT_QUEUE);
            tx.send(Ok(Start::Live { size, body }))
                .ok()
                .map(|()| body_tx)
        }
        (tx, _) => {
            *live = tx;
            None
        }
    };

    let mut held: Option<Bytes> = None;
    let mut stream = upstream.stream;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                drop(to_disk);
                let _ = disk.await;
                let error = V2Error::upstream(&e, Subject::Blob);
                return Err(fail(client, error).await);
            }
        };
        if chunk.is_empty() {
            continue;
        }
        if to_disk.send(Disk::Chunk(chunk.clone())).await.is_err() {
            // The writer stopped on an error (disk full, too many bytes).
            let error = disk_error(&fetch.digest, disk.await);
            return Err(fail(client, error).await);
        }
        if let Some(previous) = held.replace(chunk) {
            client = forward(client, Ok(previous)).await;
        }
        if client.is_none() && live.is_none() && completion.waiting() == 0 {
            tracing::debug!(digest = %fetch.digest, "client left and nobody waits: abandoning the fetch");
            drop(to_disk);
            let _ = disk.await;
            return Err(V2Error::abandoned());
        }
    }
    // The last chunk goes out once every byte verified, before the fsync
    // that makes the blob durable: the client never gets unverified bytes
    // and does not wait for the disk.
    let (checked_tx, checked) = oneshot::channel();
    let asked = to_disk.send(Disk::Commit(checked_tx)).await.is_ok();
    drop(to_disk);
    if asked
        && matches!(checked.await, Ok(Ok(_)))
        && let Some(last) = held.take()
    {
        client = forward(client, Ok(last)).await;
    }
    let outcome = disk.await;
    match (asked, outcome) {
        (true, Ok(Ok(Some(size)))) => Ok(size),
        (_, outcome) => {
            let error = disk_error(&fetch.digest, outcome);
            Err(fail(client, error).await)
        }
    }
}

/// Sends `item` to the client; `None` once the client is gone.
async fn forward(
    client: Option<mpsc::Sender<io::Result<Bytes>>>,
    item: io::Result<Bytes>,
) -> Option<mpsc::Sender<io::Result<Bytes>>> {
    let tx = client?;
    tx.send(item).await.ok().map(|()| tx)
}

/// Ends the client's body with `error` (so its transfer is aborted) and
/// returns the error.
async fn fail(client: Option<mpsc::Sender<io::Result<Bytes>>>, error: V2Error) -> V2Error {
    forward(client, Err(io::Error::other(error.message().to_owned()))).await;
    error
}

/// What the writer thread is told.
enum Disk {
    /// Write these bytes.
    Chunk(Bytes),
    /// All bytes are written: verify (answering on the channel), then commit.
    Commit(oneshot::Sender<Result<u64, StoreError>>),
}

/// Writes chunks until told to commit; returns `None` if the channel
/// closed first (the fetch failed; dropping the writer discards the bytes).
fn write_to_store(
    mut writer: BlobWriter,
    mut rx: mpsc::Receiver<Disk>,
) -> Result<Option<u64>, StoreError> {
    while let Some(message) = rx.blocking_recv() {
        match message {
            Disk::Chunk(bytes) => writer.write(&bytes)?,
            Disk::Commit(checked) => {
                let _ = checked.send(writer.check());
                // Commit checks again: a mismatch is reported from here, and
                // nothing becomes visible.
                return writer.commit().map(Some);
            }
        }
    }
    Ok(None)
}

/// The error a failed write or commit becomes.
fn disk_error(
    digest: &Digest,
    outcome: Result<Result<Option<u64>, StoreError>, tokio::task::JoinError>,
) -> V2Error {
    match outcome {
        Ok(Err(StoreError::DigestMismatch { expected, actual })) => V2Error::new(
            ErrorCode::DigestInvalid,
            format!(
                "the upstream registry sent content for {expected} that hashes to {actual}; the transfer was aborted and nothing was stored"
            ),
        )
        .bad_gateway(),
        Ok(Err(StoreError::SizeMismatch { expected, actual, .. })) => V2Error::new(
            ErrorCode::DigestInvalid,
            format!(
                "the upstream registry declared {expected} bytes for {digest} but sent {actual}; the transfer was aborted and nothing was stored"
            ),
        )
        .bad_gateway(),
        Ok(Err(e)) => V2Error::store("storing a blob", &e),
        Ok(Ok(_)) => V2Error::abandoned(),
        Err(e) => V2Error::task("storing a blob", &e),
    }
}
