//! `strata fsck`: re-hash every blob and check every reference.

use std::process::ExitCode;

use clap::Args;

use crate::store::Store;

/// Options of `strata fsck`.
#[derive(Debug, Args)]
pub struct FsckArgs {}

/// Runs `fsck`: prints each problem and a summary; non-zero exit on any problem.
pub fn run(store: &Store, _args: &FsckArgs) -> Result<ExitCode, String> {
    let report = store.fsck().map_err(|e| e.to_string())?;
    print!("{report}");
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
