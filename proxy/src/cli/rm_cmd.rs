//! `strata rm` / `strata rmi` / `strata image rm`.

use std::process::ExitCode;

use clap::Args;

use crate::store::Store;

/// Options of `strata rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// Remove even if the image is pinned or named in several repositories
    /// (never while an operation is using it).
    #[arg(short, long)]
    pub force: bool,
    /// Images by name, name:tag, name@digest or ID (prefix).
    #[arg(required = true)]
    pub images: Vec<String>,
}

/// Runs `rm`: each argument on its own; every failure is reported and the
/// exit code is non-zero if any failed.
pub fn run(store: &Store, args: &RmArgs) -> Result<ExitCode, String> {
    let mut failed = false;
    for name in &args.images {
        match store.remove(name, args.force) {
            Ok(lines) => {
                for line in lines {
                    println!("{line}");
                }
            }
            Err(e) => {
                eprintln!("Error response from store: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
