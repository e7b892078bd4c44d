//! `strata gc`: delete the blobs that no image references; with
//! `--retain POLICY`, first evict the images the policy does not keep.
//!
//! What it deletes is content no image needs: blobs cached by `/v2` with
//! no image recorded for them, blobs fetched alone, and what images removed
//! without their layers left. A blob that an operation in flight holds (a
//! pull, an image pulled through `/v2` that is still arriving) stays.
//!
//! With `--retain`, one line per image evicted (`--dry-run`: that would
//! be): its references, short ID, size and why, then (not in a dry run)
//! garbage collection's lines.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use shared::display::human_size;
use shared::retention::RetentionPolicy;

use super::retain_arg;
use crate::store::{Eviction, Store};

/// Options of `strata gc`.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// Print only the total.
    #[arg(short, long)]
    pub quiet: bool,
    /// First evict the images this retention policy does not keep (`pulledWithin=168h,mostRecentlyPulledCount=5,maxStoreBytes=50GiB`; see the README).
    #[arg(long, value_name = "POLICY", value_parser = retain_arg::parse_policy, conflicts_with = "retain_file")]
    pub retain: Option<RetentionPolicy>,
    /// The retention policy from a file: one `key=value` a line, `#` comments.
    #[arg(long, value_name = "FILE")]
    pub retain_file: Option<PathBuf>,
    /// With --retain: print what would be evicted, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `gc`: one `Deleted:` line per blob, then the space reclaimed, as
/// `docker image prune` reports it.
pub fn run(store: &Store, args: &GcArgs) -> Result<ExitCode, String> {
    let policy = retain_arg::policy(args.retain, args.retain_file.as_deref())?;
    let Some(policy) = policy else {
        if args.dry_run {
            return Err(
                "--dry-run goes with --retain POLICY or --retain-file FILE (it shows the images the policy would evict)"
                    .to_owned(),
            );
        }
        let deleted = store.collect_garbage().map_err(|e| e.to_string())?;
        if !args.quiet {
            for blob in &deleted {
                println!("Deleted: {}", blob.digest);
            }
        }
        let total: u64 = deleted.iter().map(|b| b.size).sum();
        println!("Total reclaimed space: {}", human_size(total));
        return Ok(ExitCode::SUCCESS);
    };
    let report = store
        .retain(&policy, args.dry_run)
        .map_err(|e| e.to_string())?;
    let verb = if args.dry_run {
        "Would evict"
    } else {
        "Evicted"
    };
    if !args.quiet {
        for eviction in &report.evicted {
            println!("{verb}: {}", line(eviction));
        }
        for skipped in &report.skipped {
            println!("Kept: {}; {}", line(&skipped.eviction), skipped.error);
        }
        for blob in &report.reclaimed {
            println!("Deleted: {}", blob.digest);
        }
    }
    if report.over_limit {
        eprintln!(
            "strata: the store stays over maxStoreBytes: pinned images and images in use hold more (unpin some, or raise the limit)"
        );
    }
    if args.dry_run {
        let total: u64 = report.evicted.iter().map(|e| e.size).sum();
        println!(
            "Would evict {} images ({} before sharing)",
            report.evicted.len(),
            human_size(total)
        );
    } else {
        println!(
            "Total reclaimed space: {}",
            human_size(report.bytes_reclaimed())
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `redis:latest, redis:7 3f2a1b9c8d7e 12.3MB: not pulled within 168h`.
fn line(eviction: &Eviction) -> String {
    let names = if eviction.references.is_empty() {
        "<none>".to_owned()
    } else {
        eviction.references.join(", ")
    };
    format!(
        "{names} {} {}: {}",
        eviction.id.short(),
        human_size(eviction.size),
        eviction.reason
    )
}
