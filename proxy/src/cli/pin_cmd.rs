//! `strata pin IMAGE --by NAME` and `strata unpin IMAGE [--by NAME]`: mark
//! an image as in use, so `rm` refuses it without `-f`.

use std::process::ExitCode;

use clap::Args;

use crate::store::Store;

/// Options of `strata pin`.
#[derive(Debug, Args)]
pub struct PinArgs {
    /// The image: name, name:tag, name@digest or ID (prefix).
    pub image: String,
    /// Who uses the image (shown in the conflict when removing it).
    #[arg(long)]
    pub by: String,
}

/// Options of `strata unpin`.
#[derive(Debug, Args)]
pub struct UnpinArgs {
    /// The image: name, name:tag, name@digest or ID (prefix).
    pub image: String,
    /// Remove only this pin (default: every pin on the image).
    #[arg(long)]
    pub by: Option<String>,
}

/// Runs `pin`.
pub fn pin(store: &Store, args: &PinArgs) -> Result<ExitCode, String> {
    store
        .pin(&args.image, &args.by)
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `unpin`.
pub fn unpin(store: &Store, args: &UnpinArgs) -> Result<ExitCode, String> {
    store
        .unpin(&args.image, args.by.as_deref())
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
