//! Downloading layers: three at a time, hashed as they stream into the
//! store and decompressed beside it ([`Unpacking`]), so every layer is
//! checked against its config's diff_id before it is kept; a layer the
//! store already holds is checked from what the store noted when it was
//! first read (or read now, once).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use shared::api::{LayerStatus, PullEvent};
use shared::digest::Digest;
use shared::layer::Unpacked;
use shared::manifest::Descriptor;
use shared::reference::Reference;
use tokio::sync::Semaphore;

use super::undo_log::UndoLog;
use super::unpack::Unpacking;
use super::{Emit, PullError};
use crate::registry::RegistryClient;
use crate::registry::pace::Pace;
use crate::store::{ContentWriter, Ingest, LeaseGuard, Store, StoreError};

/// How many layers download at once, as Docker does.
pub const CONCURRENT_DOWNLOADS: usize = 3;

/// How often a download reports progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// What [`fetch_all`] did.
#[derive(Debug)]
pub struct FetchedLayers {
    /// Whether any layer was downloaded.
    pub downloaded: bool,
    /// What each layer unpacks to, checked against its diff_id, each once.
    pub unpacked: Vec<(Digest, Unpacked)>,
}

/// Fetches every layer the store lacks, and checks every layer (`layers`:
/// each descriptor with its config's diff_id, base first) against its
/// diff_id.
///
/// With `silent_if_stored` and every layer in the store, it reports
/// nothing: Docker prints no layer lines for an image it already has.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site; each is a separate part of the pull"
)]
pub async fn fetch_all(
    client: &RegistryClient,
    store: &Arc<Store>,
    reference: &Reference,
    layers: &[(Descriptor, Digest)],
    lease: &Arc<LeaseGuard>,
    emit: &Emit,
    undo: &UndoLog,
    silent_if_stored: bool,
    pace: Pace,
) -> Result<FetchedLayers, PullError> {
    let layer = |d: &Descriptor, status| PullEvent::Layer {
        id: d.digest.short().to_owned(),
        status,
    };
    // Held before the first byte (in one write), so rm and gc leave a
    // half-pulled image alone; then which layers the store has.
    let digests: Vec<Digest> = layers.iter().map(|(d, _)| d.digest.clone()).collect();
    let stored = {
        let (store, lease) = (store.clone(), lease.clone());
        tokio::task::spawn_blocking(move || {
            lease.hold_all(&digests)?;
            digests
                .iter()
                .map(|d| Ok(store.blob_size(d)?.is_some()))
                .collect::<Result<Vec<bool>, StoreError>>()
        })
        .await
        .map_err(|e| PullError::Task(e.to_string()))??
    };
    let silent = silent_if_stored && stored.iter().all(|s| *s);
    let mut missing: Vec<&(Descriptor, Digest)> = Vec::new();
    let mut present: Vec<&(Descriptor, Digest)> = Vec::new();
    for (pair, stored) in layers.iter().zip(stored) {
        let descriptor = &pair.0;
        if stored {
            if !silent {
                emit(layer(descriptor, LayerStatus::AlreadyExists));
            }
            present.push(pair);
        } else if !missing.iter().any(|(d, _)| d.digest == descriptor.digest) {
            emit(layer(descriptor, LayerStatus::PullingFsLayer));
            missing.push(pair);
        }
    }
    // Stored layers: what the store noted (or reads now, once).
    let mut unpacked = Vec::new();
    for (descriptor, diff_id) in present {
        unpacked.push((
            descriptor.digest.clone(),
            stored_unpacked(store, descriptor, diff_id).await?,
        ));
    }
    if silent {
        return Ok(FetchedLayers {
            downloaded: false,
            unpacked,
        });
    }
    for (descriptor, _) in missing.iter().skip(CONCURRENT_DOWNLOADS) {
        emit(layer(descriptor, LayerStatus::Waiting));
    }

    let slots = Arc::new(Semaphore::new(CONCURRENT_DOWNLOADS));
    let mut tasks = tokio::task::JoinSet::new();
    for (position, (descriptor, diff_id)) in missing.iter().enumerate() {
        let (client, store, reference, emit, slots, undo) = (
            client.clone(),
            store.clone(),
            reference.clone(),
            emit.clone(),
            slots.clone(),
            undo.clone(),
        );
        let (descriptor, diff_id) = (descriptor.clone(), diff_id.clone());
        tasks.spawn(async move {
            let _slot = slots
                .acquire_owned()
                .await
                .map_err(|e| PullError::Task(e.to_string()))?;
            let layer = Layer {
                descriptor: &descriptor,
                diff_id: &diff_id,
            };
            download(&client, &store, &reference, layer, &emit, &undo, pace)
                .await
                .map(|unpacked| (position, descriptor.digest.clone(), unpacked))
        });
    }
    let mut done = vec![false; missing.len()];
    let mut reported = 0;
    while let Some(joined) = tasks.join_next().await {
        let position = match joined {
            Ok(Ok((position, digest, layer_unpacked))) => {
                unpacked.push((digest, layer_unpacked));
                position
            }
            Ok(Err(e)) => {
                tasks.abort_all();
                return Err(e);
            }
            Err(e) => {
                tasks.abort_all();
                return Err(PullError::Task(e.to_string()));
            }
        };
        done[position] = true;
        // "Pull complete" in manifest order, as Docker reports extraction.
        while reported < missing.len() && done[reported] {
            emit(layer(&missing[reported].0, LayerStatus::PullComplete));
            reported += 1;
        }
    }
    Ok(FetchedLayers {
        downloaded: !missing.is_empty(),
        unpacked,
    })
}

/// What the stored layer `descriptor` unpacks to, checked against
/// `diff_id`.
async fn stored_unpacked(
    store: &Arc<Store>,
    descriptor: &Descriptor,
    diff_id: &Digest,
) -> Result<Unpacked, PullError> {
    let (store, digest, media_type) = (
        store.clone(),
        descriptor.digest.clone(),
        descriptor.media_type.clone(),
    );
    let unpacked = tokio::task::spawn_blocking(move || store.unpacked(&digest, &media_type))
        .await
        .map_err(|e| PullError::Task(e.to_string()))??;
    unpacked
        .check(&descriptor.digest, diff_id)
        .map_err(StoreError::from)?;
    Ok(unpacked)
}

/// A layer to download: its descriptor and its config's diff_id.
#[derive(Clone, Copy)]
struct Layer<'a> {
    descriptor: &'a Descriptor,
    diff_id: &'a Digest,
}

async fn download(
    client: &RegistryClient,
    store: &Arc<Store>,
    reference: &Reference,
    Layer {
        descriptor,
        diff_id,
    }: Layer<'_>,
    emit: &Emit,
    undo: &UndoLog,
    pace: Pace,
) -> Result<Unpacked, PullError> {
    let id = descriptor.digest.short().to_owned();
    let status = |status| PullEvent::Layer {
        id: id.clone(),
        status,
    };
    // One writer per digest: this waits (without a thread) while another
    // pull or `/v2` fetch downloads the same layer, then finds it stored;
    // after `WRITER_PATIENCE` it fetches beside a writer that stalls.
    let writer = store
        .fetch_writer(
            &descriptor.digest,
            Some(descriptor.size),
            crate::store::WRITER_PATIENCE,
        )
        .await?;
    let mut writer = match writer {
        Ingest::Exists(_) => {
            let unpacked = stored_unpacked(store, descriptor, diff_id).await?;
            emit(status(LayerStatus::DownloadComplete));
            return Ok(unpacked);
        }
        Ingest::Writer(writer) => writer,
    };
    let total = descriptor.size;
    // The pace's deadline covers the request and the whole body; its
    // minimum rate is checked as bytes arrive.
    let started = tokio::time::Instant::now();
    let deadline = started + pace.deadline;
    let mut response = tokio::time::timeout_at(
        deadline,
        client.get_blob(reference, &descriptor.digest, None),
    )
    .await
    .map_err(|_| pace.past_deadline(0))??;
    // The store's writer hashes every byte as it is written, refuses more
    // bytes than the descriptor's size at once, and commits only when size
    // and digest match: the one check, not a second hash beside it.
    let mut last_report = Instant::now();
    let mut unpacking = Unpacking::start(&descriptor.digest, &descriptor.media_type);
    emit(status(LayerStatus::Downloading { current: 0, total }));
    loop {
        let next = tokio::time::timeout_at(deadline, response.stream.next())
            .await
            .map_err(|_| pace.past_deadline(writer.bytes_written()))?;
        let Some(chunk) = next else { break };
        let chunk = chunk?;
        writer.write(&chunk)?;
        unpacking.feed(chunk).await;
        pace.check_rate(writer.bytes_written(), started.elapsed())?;
        if last_report.elapsed() >= PROGRESS_EVERY {
            last_report = Instant::now();
            emit(status(LayerStatus::Downloading {
                current: writer.bytes_written(),
                total,
            }));
        }
    }
    emit(status(LayerStatus::Downloading {
        current: writer.bytes_written(),
        total,
    }));
    emit(status(LayerStatus::VerifyingChecksum));
    // The digest and size are checked by the commit; the diff_id first, so
    // a layer that does not unpack to it is never kept.
    writer.check()?;
    let unpacked = unpacking.finish(diff_id).await?;
    // Noted before the commit, which finishes on the blocking pool even if
    // this task is aborted; the clean-up after a failure waits for it.
    undo.add(descriptor.digest.clone());
    let committing = undo.committing().await;
    tokio::task::spawn_blocking(move || {
        let _committing = committing;
        writer.commit()
    })
    .await
    .map_err(|e| PullError::Task(e.to_string()))??;
    emit(status(LayerStatus::DownloadComplete));
    Ok(unpacked)
}
