//! `strata system df [-v] [--format …]` (also `strata df`): the store's
//! disk usage in Docker's shape. Sizes are bytes in the store: each stored
//! blob (compressed layer, config, manifest, index) counted once.
//!
//! - `Images`: TOTAL images, ACTIVE pinned ones, SIZE the blobs any image
//!   uses, RECLAIMABLE the blobs only unpinned images use (`image prune
//!   -a` frees them).
//! - `Unreferenced blobs`: blobs no image uses (pull-through cache,
//!   leftovers): what `strata gc` frees.

use std::process::ExitCode;

use clap::Args;
use serde_json::Value as Json;
use shared::disk_usage::{DF_FORMAT, df_headers};
use shared::display::{created_since, human_size};
use shared::format::{Format, align_columns, render_rows};
use time::OffsetDateTime;

use crate::store::Store;

/// The row of blobs no image uses.
pub const UNREFERENCED: &str = "Unreferenced blobs";

/// Options of `strata system df`.
#[derive(Debug, Args)]
pub struct DfArgs {
    /// Show each image's size, shared size and unique size.
    #[arg(short, long, conflicts_with = "format")]
    pub verbose: bool,
    /// Format output with a Go template (`{{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}`), `table …`, or `json`.
    #[arg(long)]
    pub format: Option<String>,
}

/// Runs `system df`.
pub fn run(store: &Store, args: &DfArgs) -> Result<ExitCode, String> {
    let (facts, usage) = store.disk_usage().map_err(|e| e.to_string())?;
    let rows: Vec<Json> = vec![
        usage.images.template_value("Images"),
        usage.cache.template_value(UNREFERENCED),
    ];
    if !args.verbose {
        let format = Format::parse_or_default(args.format.as_deref().unwrap_or(""), DF_FORMAT)
            .map_err(|e| e.to_string())?;
        let text = render_rows(&format, &df_headers(), &rows).map_err(|e| e.to_string())?;
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let now = OffsetDateTime::now_utc();
    let mut table =
        String::from("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\tSHARED SIZE\tUNIQUE SIZE\tPINS\n");
    for (row, image) in facts.rows.iter().zip(&usage.per_image) {
        // Docker shows the first tag only.
        let (repository, tag) = match row.repo_tags.first() {
            Some(r) => (
                r.familiar_name(),
                r.tag()
                    .map_or_else(|| "<none>".to_owned(), ToString::to_string),
            ),
            None => ("<none>".to_owned(), "<none>".to_owned()),
        };
        let created = row
            .created
            .map_or_else(|| "N/A".to_owned(), |c| created_since(c, now));
        table.push_str(&format!(
            "{repository}\t{tag}\t{}\t{created}\t{}\t{}\t{}\t{}\n",
            row.id.short(),
            human_size(image.size),
            human_size(image.shared),
            human_size(image.unique),
            row.pins.len()
        ));
    }
    println!("Images space usage:\n");
    print!("{}", align_columns(&table));
    println!("\n{UNREFERENCED} space usage:\n");
    print!(
        "{}",
        align_columns(&format!(
            "BLOBS\tSIZE\n{}\t{}\n",
            usage.cache.total,
            human_size(usage.cache.size)
        ))
    );
    Ok(ExitCode::SUCCESS)
}
