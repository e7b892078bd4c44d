//! `strata serve` learns the unpacked size of layers it holds but never
//! read: images recorded through `/v2` (which passes bytes on untouched)
//! and images stored before strata kept unpacked sizes. Every
//! [`EVERY`], when the metadata changed since the last look, one
//! [`Store::learn_unpacked`] on a blocking task; until then those images'
//! SIZE is "unknown", never a guess.
//!
//! The same pass builds the random-access index of every stored layer that
//! has none (issue 20): in the read that learns the unpacked size, or,
//! for layers whose size was known already, [`Store::index_layers`]. A
//! layer that cannot be indexed (zstd, not a tar) is not read again until
//! the server restarts.

use std::collections::HashSet;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::store::Store;

/// How often the store is looked at.
pub const EVERY: Duration = Duration::from_secs(5);

/// Starts learning on the current runtime; it runs until aborted or the
/// runtime ends.
pub fn spawn(store: Store) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut seen = None;
        let mut unindexable = HashSet::new();
        loop {
            ticks.tick().await;
            let store = store.clone();
            let mut unindexable_now = unindexable.clone();
            let looked = tokio::task::spawn_blocking(move || {
                let generation = store.generation()?;
                if seen.as_ref() == Some(&generation) {
                    return Ok((generation, None, unindexable_now));
                }
                let report = store.learn_unpacked()?;
                unindexable_now.extend(report.unindexable.iter().cloned());
                let indexes = store.index_layers(&unindexable_now)?;
                unindexable_now.extend(indexes.unindexable.iter().cloned());
                let indexed = report.indexed + indexes.built;
                Ok::<_, crate::store::StoreError>((
                    store.generation()?,
                    Some((report, indexed)),
                    unindexable_now,
                ))
            })
            .await;
            match looked {
                Ok(Ok((generation, report, skipped))) => {
                    seen = Some(generation);
                    unindexable = skipped;
                    let Some((report, indexed)) = report else {
                        continue;
                    };
                    if indexed > 0 {
                        tracing::info!(layers = indexed, "indexed stored layers for random access");
                    }
                    if report.learned > 0 {
                        tracing::info!(
                            layers = report.learned,
                            "learned the unpacked size of stored layers"
                        );
                    }
                    for problem in &report.problems {
                        tracing::warn!(%problem, "a stored layer does not unpack as its image says");
                    }
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "learning unpacked sizes failed; trying again")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "learning unpacked sizes stopped; trying again")
                }
            }
        }
    })
}
