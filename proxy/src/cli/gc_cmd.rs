//! `strata gc`: delete the blobs that no image references.
//!
//! What it deletes is content no image needs: blobs cached by `/v2` with
//! no image recorded for them, blobs fetched alone, and what images removed
//! without their layers left. A blob that an operation in flight holds (a
//! pull, an image pulled through `/v2` that is still arriving) stays.

use std::process::ExitCode;

use clap::Args;
use shared::display::human_size;

use crate::store::Store;

/// Options of `strata gc`.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// Print only the total.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `gc`: one `Deleted:` line per blob, then the space reclaimed, as
/// `docker image prune` reports it.
pub fn run(store: &Store, args: &GcArgs) -> Result<ExitCode, String> {
    let deleted = store.collect_garbage().map_err(|e| e.to_string())?;
    if !args.quiet {
        for blob in &deleted {
            println!("Deleted: {}", blob.digest);
        }
    }
    let total: u64 = deleted.iter().map(|b| b.size).sum();
    println!("Total reclaimed space: {}", human_size(total));
    Ok(ExitCode::SUCCESS)
}
