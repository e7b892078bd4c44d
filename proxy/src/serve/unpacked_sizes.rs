//! `strata serve` learns the unpacked size of layers it holds but never
//! read: images recorded through `/v2` (which passes bytes on untouched)
//! and images stored before strata kept unpacked sizes. Every
//! [`EVERY`], when the metadata changed since the last look, one
//! [`Store::learn_unpacked`] on a blocking task; until then those images'
//! SIZE is "unknown", never a guess.

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
        loop {
            ticks.tick().await;
            let store = store.clone();
            let looked = tokio::task::spawn_blocking(move || {
                let generation = store.generation()?;
                if seen.as_ref() == Some(&generation) {
                    return Ok((generation, None));
                }
                let report = store.learn_unpacked()?;
                Ok::<_, crate::store::StoreError>((store.generation()?, Some(report)))
            })
            .await;
            match looked {
                Ok(Ok((generation, report))) => {
                    seen = Some(generation);
                    let Some(report) = report else { continue };
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
