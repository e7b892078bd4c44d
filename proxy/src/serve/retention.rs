//! `strata serve --retain POLICY`: the retention policy on a schedule.
//!
//! Every `--retain-every` (default 10 minutes), starting when the server
//! starts, one run of [`Store::retain`] on a blocking task: it evicts the
//! images the policy does not keep, then collects garbage. Each run logs
//! one line per image evicted (or kept after all) and a summary; an error
//! is logged and the next run tries again. Runs never overlap.
//!
//! [`run_once`] returns the [`RetentionReport`]: images removed and bytes
//! reclaimed, for counters such as `strata_gc_runs_total`.

use std::time::Duration;

use shared::display::human_size;
use shared::retention::RetentionPolicy;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::serve::metrics::Metrics;
use crate::store::{RetentionReport, Store, StoreError};

/// Starts the schedule on the current runtime; it runs until aborted or
/// the runtime ends.
pub fn spawn(
    store: Store,
    policy: RetentionPolicy,
    every: Duration,
    metrics: Metrics,
) -> JoinHandle<()> {
    tracing::info!(policy = %policy, every = ?every, "retention scheduled");
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match run_once(&store, policy).await {
                Ok(report) => metrics.gc_ran(report.bytes_reclaimed()),
                Err(e) => {
                    tracing::warn!(error = %e, "retention run failed; trying again at the next one");
                }
            }
        }
    })
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The store failed; the next run tries again.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task running it panicked or was cancelled.
    #[error("the retention run stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// One run: evicts what `policy` selects, collects garbage, and logs it.
pub async fn run_once(store: &Store, policy: RetentionPolicy) -> Result<RetentionReport, RunError> {
    let store = store.clone();
    let report = tokio::task::spawn_blocking(move || store.retain(&policy, false)).await??;
    for e in &report.evicted {
        tracing::info!(image = %e.id.short(), references = ?e.references, size = e.size, reason = %e.reason, "retention evicted an image");
    }
    for s in &report.skipped {
        tracing::info!(image = %s.eviction.id.short(), reason = %s.error, "retention kept an image it had selected");
    }
    if report.over_limit {
        tracing::warn!(policy = %policy, "the store stays over maxStoreBytes: pinned images and images in use hold more");
    }
    tracing::info!(
        images_removed = report.images_removed(),
        bytes_reclaimed = report.bytes_reclaimed(),
        "retention run: {} images evicted, {} reclaimed",
        report.images_removed(),
        human_size(report.bytes_reclaimed())
    );
    Ok(report)
}
