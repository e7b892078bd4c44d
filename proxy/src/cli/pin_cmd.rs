//! `strata pin IMAGE --by NAME`, `strata pin ls` and `strata unpin IMAGE
//! [--by NAME]`: mark an image as in use, so `rm` refuses it without `-f`,
//! and see who did.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use shared::display::created_since;
use shared::format::align_columns;
use time::OffsetDateTime;

use crate::store::Store;

/// Options of `strata pin`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PinArgs {
    /// `ls`: list the pins instead.
    #[command(subcommand)]
    pub command: Option<PinCommand>,
    /// The image: name, name:tag, name@digest or ID (prefix).
    #[arg(required = true)]
    pub image: Option<String>,
    /// Who uses the image (shown in the conflict when removing it).
    #[arg(long, required = true)]
    pub by: Option<String>,
}

/// What `strata pin` does besides pinning.
#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// List every pin: image ID, its first tag, the pin's name and since when.
    #[command(alias = "list")]
    Ls(PinLsArgs),
}

/// Options of `strata pin ls`.
#[derive(Debug, Args)]
pub struct PinLsArgs {
    /// Print `IMAGE-ID PIN` lines only, for scripts.
    #[arg(short, long)]
    pub quiet: bool,
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

/// Runs `pin` (or `pin ls`).
pub fn pin(store: &Store, args: &PinArgs) -> Result<ExitCode, String> {
    if let Some(PinCommand::Ls(ls)) = &args.command {
        return list(store, ls);
    }
    let (Some(image), Some(by)) = (&args.image, &args.by) else {
        return Err("strata pin needs IMAGE and --by NAME (or `strata pin ls`)".to_owned());
    };
    store.pin(image, by).map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `pin ls`: one line per pin, oldest first.
fn list(store: &Store, args: &PinLsArgs) -> Result<ExitCode, String> {
    let pins = store.all_pins().map_err(|e| e.to_string())?;
    if args.quiet {
        for pin in &pins {
            println!("{} {}", pin.image.short(), pin.by);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let now = OffsetDateTime::now_utc();
    let mut table = String::from("IMAGE ID\tIMAGE\tPINNED BY\tSINCE\n");
    for pin in &pins {
        let name = store
            .row(&pin.image)
            .ok()
            .and_then(|row| row.repo_tags.first().map(|r| r.familiar()))
            .unwrap_or_else(|| "<none>".to_owned());
        table.push_str(&format!(
            "{}\t{name}\t{}\t{}\n",
            pin.image.short(),
            pin.by,
            created_since(pin.since, now)
        ));
    }
    print!("{}", align_columns(&table));
    Ok(ExitCode::SUCCESS)
}

/// Runs `unpin`.
pub fn unpin(store: &Store, args: &UnpinArgs) -> Result<ExitCode, String> {
    store
        .unpin(&args.image, args.by.as_deref())
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
