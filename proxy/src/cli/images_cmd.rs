//! `strata images` / `strata image ls`.

use std::process::ExitCode;

use clap::Args;
use shared::api::image_rows;
use shared::format::{Format, HeaderMap, defaults, render_rows};
use time::OffsetDateTime;

use crate::store::Store;

/// Options of `strata images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Show all images (strata stores no intermediate images, so this changes nothing; accepted for Docker compatibility).
    #[arg(short, long)]
    pub all: bool,
    /// Show digests.
    #[arg(long)]
    pub digests: bool,
    /// Filter output (`dangling=true`, `before=IMAGE`, `since=IMAGE`, `label=K[=V]`, `reference=PATTERN`); repeatable.
    #[arg(short, long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Format output with a Go template, `table …`, or `json`.
    #[arg(long)]
    pub format: Option<String>,
    /// Don't truncate output.
    #[arg(long)]
    pub no_trunc: bool,
    /// Only show image IDs.
    #[arg(short, long)]
    pub quiet: bool,
    /// Show each image with the platforms of its index, stored or not (Docker 27's `--tree`; sizes are bytes in the store).
    #[arg(long, conflicts_with_all = ["digests", "filters", "format", "quiet", "repository"])]
    pub tree: bool,
    /// Only images of this repository (`REPOSITORY[:TAG]`, globs allowed).
    pub repository: Option<String>,
}

/// Runs `images`.
pub fn run(store: &Store, args: &ImagesArgs) -> Result<ExitCode, String> {
    if args.tree {
        return super::images_tree::run(store, args.no_trunc);
    }
    let predicate =
        crate::image_views::predicate(store, &args.filters, args.repository.as_deref())?;
    let summaries = crate::image_views::summaries(store).map_err(|e| e.to_string())?;
    let format_text = match (&args.format, args.quiet, args.digests) {
        (Some(f), _, _) => f.as_str(),
        (None, true, _) => defaults::QUIET,
        (None, false, true) => defaults::IMAGES_WITH_DIGEST,
        (None, false, false) => defaults::IMAGES,
    };
    let format =
        Format::parse_or_default(format_text, defaults::IMAGES).map_err(|e| e.to_string())?;
    let with_digests = args.digests || format_text.contains(".Digest");
    let now = OffsetDateTime::now_utc();
    let rows: Vec<serde_json::Value> = image_rows(&summaries, Some(&predicate), with_digests)
        .iter()
        .map(|row| row.template_value(args.no_trunc, now))
        .collect();
    let text = render_rows(&format, &HeaderMap::images(), &rows).map_err(|e| e.to_string())?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
