//! Downloading layers: three at a time, hashed as they stream into the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use shared::api::{LayerStatus, PullEvent};
use shared::digest::Digest;
use shared::manifest::{Descriptor, ImageManifest};
use shared::reference::Reference;
use tokio::sync::Semaphore;

use super::undo_log::UndoLog;
use super::{Emit, PullError};
use crate::registry::RegistryClient;
use crate::registry::pace::Pace;
use crate::store::{ContentWriter, Ingest, LeaseGuard, Store, StoreError};

/// How many layers download at once, as Docker does.
pub const CONCURRENT_DOWNLOADS: usize = 3;

/// How often a download reports progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Fetches every layer the store lacks; returns whether any was downloaded.
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
    manifest: &ImageManifest,
    lease: &Arc<LeaseGuard>,
    emit: &Emit,
    undo: &UndoLog,
    silent_if_stored: bool,
    pace: Pace,
) -> Result<bool, PullError> {
    let layer = |d: &Descriptor, status| PullEvent::Layer {
        id: d.digest.short().to_owned(),
        status,
    };
    // Held before the first byte (in one write), so rm and gc leave a
    // half-pulled image alone; then which layers the store has.
    let digests: Vec<Digest> = manifest.layers.iter().map(|d| d.digest.clone()).collect();
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
    if silent_if_stored && stored.iter().all(|s| *s) {
        return Ok(false);
    }
    let mut missing = Vec::new();
    for (descriptor, stored) in manifest.layers.iter().zip(stored) {
        if stored {
            emit(layer(descriptor, LayerStatus::AlreadyExists));
        } else if !missing
            .iter()
            .any(|d: &&Descriptor| d.digest == descriptor.digest)
        {
            emit(layer(descriptor, LayerStatus::PullingFsLayer));
            missing.push(descriptor);
        }
    }
    for descriptor in missing.iter().skip(CONCURRENT_DOWNLOADS) {
        emit(layer(descriptor, LayerStatus::Waiting));
    }

    let slots = Arc::new(Semaphore::new(CONCURRENT_DOWNLOADS));
    let mut tasks = tokio::task::JoinSet::new();
    for (position, descriptor) in missing.iter().enumerate() {
        let (client, store, reference, emit, slots, undo) = (
            client.clone(),
            store.clone(),
            reference.clone(),
            emit.clone(),
            slots.clone(),
            undo.clone(),
        );
        let descriptor = (*descriptor).clone();
        tasks.spawn(async move {
            let _slot = slots
                .acquire_owned()
                .await
                .map_err(|e| PullError::Task(e.to_string()))?;
            download(&client, &store, &reference, &descriptor, &emit, &undo, pace)
                .await
                .map(|()| position)
        });
    }
    let mut done = vec![false; missing.len()];
    let mut reported = 0;
    while let Some(joined) = tasks.join_next().await {
        let position = match joined {
            Ok(Ok(position)) => position,
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
            emit(layer(missing[reported], LayerStatus::PullComplete));
            reported += 1;
        }
    }
    Ok(!missing.is_empty())
}

async fn download(
    client: &RegistryClient,
    store: &Arc<Store>,
    reference: &Reference,
    descriptor: &Descriptor,
    emit: &Emit,
    undo: &UndoLog,
    pace: Pace,
) -> Result<(), PullError> {
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
            emit(status(LayerStatus::DownloadComplete));
            return Ok(());
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
    emit(status(LayerStatus::Downloading { current: 0, total }));
    loop {
        let next = tokio::time::timeout_at(deadline, response.stream.next())
            .await
            .map_err(|_| pace.past_deadline(writer.bytes_written()))?;
        let Some(chunk) = next else { break };
        writer.write(&chunk?)?;
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
    Ok(())
}
