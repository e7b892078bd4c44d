//! `strata tag SOURCE TARGET`.

use std::process::ExitCode;

use clap::Args;
use shared::reference::Reference;

use crate::store::Store;

/// Options of `strata tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The image: name, name:tag, name@digest or ID (prefix).
    pub source: String,
    /// The new name, `NAME[:TAG]` (`latest` when no tag is given).
    pub target: String,
}

/// Runs `tag`.
pub fn run(store: &Store, args: &TagArgs) -> Result<ExitCode, String> {
    let target: Reference = args.target.parse().map_err(|e| format!("{e}"))?;
    if target.digest().is_some() {
        return Err(format!(
            "refusing to create a tag with a digest reference: {}",
            args.target
        ));
    }
    store
        .tag(&args.source, &target.with_default_tag())
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
