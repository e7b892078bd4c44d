//! `strata history` / `strata image history`.

use std::process::ExitCode;

use clap::Args;
use shared::api::history_rows;
use shared::format::{Format, HeaderMap, defaults, render_rows};
use time::OffsetDateTime;

use crate::store::Store;

/// Options of `strata history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Format output with a Go template, `table …`, or `json`.
    #[arg(long)]
    pub format: Option<String>,
    /// Print sizes and dates in human-readable form.
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set)]
    pub human: bool,
    /// Don't truncate output.
    #[arg(long)]
    pub no_trunc: bool,
    /// Only show image IDs.
    #[arg(short, long)]
    pub quiet: bool,
    /// The image: name, name:tag, name@digest or ID (prefix).
    pub image: String,
}

/// Runs `history`.
pub fn run(store: &Store, args: &HistoryArgs) -> Result<ExitCode, String> {
    let image = store
        .resolve(&args.image)
        .and_then(|image| store.with_unpacked(image))
        .map_err(|e| e.to_string())?;
    let config = store.image_config(&image).map_err(|e| e.to_string())?;
    let manifest = store.image_manifest(&image).map_err(|e| e.to_string())?;
    let default = if args.human {
        defaults::HISTORY
    } else {
        defaults::HISTORY_NOT_HUMAN
    };
    let text = match (&args.format, args.quiet) {
        (Some(f), _) => f.as_str(),
        (None, true) => defaults::QUIET,
        (None, false) => default,
    };
    let format = Format::parse_or_default(text, default).map_err(|e| e.to_string())?;
    let now = OffsetDateTime::now_utc();
    let rows: Vec<serde_json::Value> = history_rows(
        image.id.digest(),
        &manifest,
        &config,
        &image.unpacked_sizes(),
    )
    .iter()
    .map(|r| r.template_value(args.no_trunc, args.human, now))
    .collect();
    print!(
        "{}",
        render_rows(&format, &HeaderMap::history(), &rows).map_err(|e| e.to_string())?
    );
    Ok(ExitCode::SUCCESS)
}
