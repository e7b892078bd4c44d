//! Fetching a blob from upstream into the store and to a client at once.
//!
//! One spawned task per blob digest ([`spawn_live`], [`spawn_detached`])
//! does the fetch, so it runs to its end even if the request that started
//! it is cancelled, as long as someone still wants the blob:
//!
//! ```text
//! upstream ──chunks──▶ task ──▶ the leading client (all but the last chunk, at once)
//!                        ├────▶ hashing thread (Verifier)
//!                        └────▶ writing thread (BlobWriter: ingest file, commit)
//! ```
//!
//! - Every chunk goes to the client as soon as it arrives (except the
//!   last), and to two blocking threads: one hashes, one writes. So the
//!   network read, the hash and the file write overlap instead of taking
//!   turns; the client's last bytes wait for the hash to finish, not for
//!   the file write or its fsync.
//! - The store's [`BlobWriter`] hands its verifier to the hashing thread
//!   ([`BlobWriter::detach_verifier`]) and takes it back at commit
//!   ([`BlobWriter::commit_detached`]), which checks that it saw exactly
//!   the bytes written, then the digest (and the size the upstream
//!   declared, which hyper also enforces), and only then fsyncs and makes
//!   the blob visible.
//! - The last chunk is held back until the hash verified. On a mismatch
//!   the client's body ends with an error instead, so hyper aborts the
//!   transfer and the client sees a truncated body, never a complete
//!   response with the wrong bytes; nothing is stored.
//! - Channels between the four are bounded, so memory stays flat whatever
//!   the blob's size; a slow client slows the fetch down (and with it the
//!   requests waiting for the same blob).
//! - If the leading client goes away and no other request waits for the
//!   blob, the fetch is abandoned and its partial content discarded.
//! - The task holds a transfer permit ([`super::limits::MAX_BLOB_TRANSFERS`])
//!   for its transfer; a request that waits for one longer than
//!   [`super::limits::PERMIT_WAIT`] gets `503` with `Retry-After`.
//! - It takes the digest's writer
//!   ([`crate::store::Store::fetch_writer`]), then a transfer permit, then
//!   asks the upstream: a
//!   blob that another fetch (another repository, registry, process, or
//!   a replica sharing the metadata) is writing is waited for on the
//!   runtime, never on a blocking thread, and then served from the store
//!   without asking the upstream again. If that fetch makes no progress
//!   within the patience, this one writes beside it; the first verified
//!   commit wins, so a trickling upstream delays others by the patience
//!   at most.
//! - A transfer ends at [`crate::registry::pace::TRANSFER_DEADLINE`] however fast
//!   it goes, and a body longer than its `Content-Length`, or than the size
//!   the image's manifest declared ([`super::declared`]), or (without
//!   either) than `--max-blob-size`, is cut: nothing is stored.
//! - A client that takes no bytes for [`super::limits::CLIENT_STALL`] is dropped (its
//!   response ends short), so a client that stops reading cannot hold a
//!   transfer, and the requests waiting for the same blob, forever.
//! - An upstream slower than [`crate::registry::pace::MIN_RATE`] on average (a registry that
//!   trickles a byte a minute stays under the read timeout) is given up
//!   once the window has passed: it would hold a transfer, and everyone
//!   waiting for that blob in that repository, for as long as it liked.

use std::io;

use bytes::Bytes;
use futures_util::StreamExt as _;
use shared::digest::{Digest, Verifier};
use shared::reference::Reference;
use tokio::sync::{mpsc, oneshot};

use super::context::V2Context;
use super::error::{ErrorCode, Subject, V2Error};
use super::flight::Completion;
use super::flight::FlightKey;
use super::stops::{disk_error, stalled, too_large};
use crate::serve::AppState;
use crate::store::{BlobWriter, ContentWriter, Ingest, StoreError, StoreWriter};

/// Chunks queued for the hashing thread.
const HASH_QUEUE: usize = 16;
/// Chunks queued for the store writer.
const DISK_QUEUE: usize = 16;
/// Chunks queued for the leading client.
const CLIENT_QUEUE: usize = 16;
/// How long a failing transfer waits to hand its client the error.
const FAIL_NOTICE: std::time::Duration = std::time::Duration::from_secs(1);

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
pub fn spawn_live(fetch: Fetch, completion: Completion<FlightKey, u64>) -> StartReceiver {
    let (tx, rx) = oneshot::channel();
    spawn(fetch, completion, Some(tx));
    rx
}

/// Starts fetching on a task that finishes `completion` with the blob's
/// size once it is stored; nobody gets the bytes as they arrive (for
/// `Range` and `HEAD` requests, served from the store afterwards).
pub fn spawn_detached(fetch: Fetch, completion: Completion<FlightKey, u64>) {
    spawn(fetch, completion, None);
}

fn spawn(
    fetch: Fetch,
    completion: Completion<FlightKey, u64>,
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
        if result.is_ok() {
            fetch
                .context
                .cached
                .record_complete(&fetch.state, &fetch.repository);
        }
        completion.finish(result);
    });
}

async fn run(
    fetch: &Fetch,
    completion: &Completion<FlightKey, u64>,
    live: &mut Option<oneshot::Sender<Result<Start, V2Error>>>,
) -> Result<u64, V2Error> {
    // The smallest of what the upstream and the image's manifest declared,
    // else `--max-blob-size`.
    let declared = fetch
        .context
        .declared
        .size(&fetch.repository, &fetch.digest);
    // The digest's writer before the upstream: a blob that another fetch
    // (in this process, or a replica sharing the metadata) is writing is
    // waited for, not asked for again, so each blob is fetched from
    // upstream once. Waited for without a thread; a holder that trickles
    // delays this fetch by the patience only (then it fetches beside it,
    // and the first verified commit wins).
    let writer = fetch
        .state
        .store()
        .fetch_writer(&fetch.digest, declared, fetch.context.writer_patience)
        .await
        .map_err(|e| disk_error(&fetch.digest, Ok(Err(e))))?;
    let writer = match writer {
        Ingest::Exists(size) => return Ok(size),
        Ingest::Writer(writer) => writer,
    };
    // Then a permit: only transfers take one, so fetches waiting for
    // another's transfer do not fill the pool, and a full pool answers
    // 503.
    let _permit = fetch.context.transfer_permit().await?;
    let started = tokio::time::Instant::now();
    let deadline = started + fetch.context.pace.deadline;
    let upstream = tokio::time::timeout_at(
        deadline,
        fetch
            .state
            .client()
            .get_blob(&fetch.repository, &fetch.digest, None),
    )
    .await
    .map_err(|_| stalled(fetch.context.pace.past_deadline(0)))?
    .map_err(|e| V2Error::upstream(&e, Subject::Blob))?;
    let cap = [upstream.size, declared]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(fetch.context.max_blob_size);
    if cap > fetch.context.max_blob_size {
        return Err(too_large(&fetch.digest, cap, fetch.context.max_blob_size));
    }

    let mut writer = writer;
    let Some(verifier) = writer.detach_verifier() else {
        return Err(V2Error::new(
            ErrorCode::Unknown,
            "a new store writer would not hand out its hashing; try again",
        ));
    };
    // Hashing and writing each have a thread, so neither waits for the
    // other nor holds up the network read; the client waits only for the
    // hash.
    let (to_hash, hash_rx) = mpsc::channel(HASH_QUEUE);
    let hashing = tokio::task::spawn_blocking(move || hash(verifier, hash_rx));
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
    let mut received: u64 = 0;
    loop {
        let Ok(next) = tokio::time::timeout_at(deadline, stream.next()).await else {
            drop((to_hash, to_disk));
            let _ = disk.await;
            let error = stalled(fetch.context.pace.past_deadline(received));
            return Err(fail(client, error).await);
        };
        let Some(chunk) = next else { break };
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                drop((to_hash, to_disk));
                let _ = disk.await;
                let error = V2Error::upstream(&e, Subject::Blob);
                return Err(fail(client, error).await);
            }
        };
        if chunk.is_empty() {
            continue;
        }
        received += chunk.len() as u64;
        if received > cap {
            drop((to_hash, to_disk));
            let _ = disk.await;
            let error = too_large(&fetch.digest, received, cap);
            return Err(fail(client, error).await);
        }
        if let Err(why) = fetch.context.pace.check_rate(received, started.elapsed()) {
            let error = stalled(why);
            drop((to_hash, to_disk));
            let _ = disk.await;
            return Err(fail(client, error).await);
        }
        if let Some(previous) = held.replace(chunk.clone()) {
            client = forward(client, Ok(previous), fetch.context.client_stall).await;
        }
        if to_hash.send(chunk.clone()).await.is_err() {
            // The hash stopped: more bytes than the upstream declared.
            drop(to_disk);
            let _ = disk.await;
            let error = disk_error(&fetch.digest, Ok(joined(hashing.await).map(|_| None)));
            return Err(fail(client, error).await);
        }
        if to_disk.send(Disk::Chunk(chunk)).await.is_err() {
            // The writer stopped on an error (disk full).
            let error = disk_error(&fetch.digest, disk.await);
            return Err(fail(client, error).await);
        }
        if client.is_none() && live.is_none() && completion.waiting() == 0 {
            tracing::debug!(digest = %fetch.digest, "client left and nobody waits: abandoning the fetch");
            drop((to_hash, to_disk));
            let _ = disk.await;
            return Err(V2Error::abandoned());
        }
    }
    drop(to_hash);
    // The last chunk goes out once every byte verified, before the writes
    // and the fsync that make the blob durable: the client never gets
    // unverified bytes and does not wait for the disk.
    let verifier = match joined(hashing.await).and_then(|v| BlobWriter::verdict_of(&v).map(|_| v)) {
        Ok(verifier) => verifier,
        Err(e) => {
            drop(to_disk);
            let _ = disk.await;
            return Err(fail(client, disk_error(&fetch.digest, Ok(Err(e)))).await);
        }
    };
    // Verified bytes of this repository: its name may serve them.
    fetch.context.known.insert(&fetch.repository, &fetch.digest);
    if let Some(last) = held.take() {
        client = forward(client, Ok(last), fetch.context.client_stall).await;
    }
    let asked = to_disk.send(Disk::Commit(Box::new(verifier))).await.is_ok();
    drop(to_disk);
    match (asked, disk.await) {
        (true, Ok(Ok(Some(size)))) => {
            fetch.state.metrics().proxy().pulled(size);
            Ok(size)
        }
        (_, outcome) => {
            let error = disk_error(&fetch.digest, outcome);
            Err(fail(client, error).await)
        }
    }
}

/// Sends `item` to the client; `None` once the client is gone, or has
/// taken nothing for `stall` (dropping the sender ends its response short).
async fn forward(
    client: Option<mpsc::Sender<io::Result<Bytes>>>,
    item: io::Result<Bytes>,
    stall: std::time::Duration,
) -> Option<mpsc::Sender<io::Result<Bytes>>> {
    let tx = client?;
    match tokio::time::timeout(stall, tx.send(item)).await {
        Ok(sent) => sent.ok().map(|()| tx),
        Err(_) => {
            tracing::info!("a client took no bytes for {stall:?}: dropping it");
            None
        }
    }
}

/// Ends the client's body with `error` (so its transfer is aborted) and
/// returns the error. Waits for the client at most a moment: the error
/// only ends a body that is failing anyway.
async fn fail(client: Option<mpsc::Sender<io::Result<Bytes>>>, error: V2Error) -> V2Error {
    let item = Err(io::Error::other(error.message().to_owned()));
    forward(client, item, FAIL_NOTICE).await;
    error
}

/// Hashes chunks until the channel closes; stops early (the sender sees
/// it) once there are more bytes than the upstream declared.
fn hash(mut verifier: Verifier, mut rx: mpsc::Receiver<Bytes>) -> Result<Verifier, StoreError> {
    while let Some(bytes) = rx.blocking_recv() {
        if verifier.update(&bytes).is_err() {
            return BlobWriter::verdict_of(&verifier).map(|_| verifier);
        }
    }
    Ok(verifier)
}

/// A blocking task's result, its failure to finish as a store error.
fn joined<T>(
    outcome: Result<Result<T, StoreError>, tokio::task::JoinError>,
) -> Result<T, StoreError> {
    outcome.unwrap_or_else(|e| {
        Err(StoreError::Io {
            action: "hashing",
            path: std::path::PathBuf::new(),
            source: io::Error::other(e.to_string()),
        })
    })
}

/// What the writer thread is told.
enum Disk {
    /// Write these bytes.
    Chunk(Bytes),
    /// All bytes are written and the verifier saw them: commit.
    Commit(Box<Verifier>),
}

/// Writes chunks until told to commit; returns `None` if the channel
/// closed first (the fetch failed; dropping the writer discards the bytes).
fn write_to_store(
    mut writer: StoreWriter,
    mut rx: mpsc::Receiver<Disk>,
) -> Result<Option<u64>, StoreError> {
    while let Some(message) = rx.blocking_recv() {
        match message {
            Disk::Chunk(bytes) => writer.write(&bytes)?,
            // Checks the byte count and the digest again: nothing that
            // does not verify becomes visible.
            Disk::Commit(verifier) => return writer.commit_detached(*verifier).map(Some),
        }
    }
    Ok(None)
}
