//! `strata image prune [-a] [-f] [--filter until=…|label=…|label!=…]`:
//! remove dangling images (with `-a`, every image no pin holds), as
//! `docker image prune` does. Sizes are bytes in the store: the compressed
//! blobs actually deleted, each counted once.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use shared::display::human_size;
use shared::filter::PruneFilters;

use crate::store::{PruneReport, Store};

/// Options of `strata image prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove every image no pin holds, not just dangling ones.
    #[arg(short, long)]
    pub all: bool,
    /// Do not prompt for confirmation.
    #[arg(short, long)]
    pub force: bool,
    /// Only prune images that match (`until=24h|RFC3339|unix-seconds`, `label=K[=V]`, `label!=K[=V]`); repeatable, ANDed.
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
}

/// Docker's warnings, without and with `-a`.
const WARN_DANGLING: &str = "WARNING! This will remove all dangling images.";
const WARN_ALL: &str =
    "WARNING! This will remove all images without at least one pin holding them.";

/// Runs `image prune`.
pub fn run(store: &Store, args: &PruneArgs) -> Result<ExitCode, String> {
    let filters = PruneFilters::parse(&args.filters).map_err(|e| e.to_string())?;
    if !args.force && !confirm(filters.dangling_only(args.all))? {
        return Ok(ExitCode::SUCCESS);
    }
    let report = store.prune(&filters, args.all).map_err(|e| e.to_string())?;
    print!("{}", render(&report));
    for (id, why) in &report.skipped {
        eprintln!("strata: kept {}: {why}", id.short());
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks on the terminal; an error when stdin is not one.
fn confirm(dangling_only: bool) -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        return Err(
            "refusing to prune without confirmation: stdin is not a terminal (pass -f/--force to prune without asking)"
                .to_owned(),
        );
    }
    let warning = if dangling_only {
        WARN_DANGLING
    } else {
        WARN_ALL
    };
    print!("{warning}\nAre you sure you want to continue? [y/N] ");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| e.to_string())?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// `Deleted Images:`, its `untagged:`/`deleted:` lines and a blank line
/// (when anything went), then `Total reclaimed space: …`, as Docker prints.
pub fn render(report: &PruneReport) -> String {
    let mut out = String::new();
    if !report.pruned.is_empty() {
        out.push_str("Deleted Images:\n");
        for line in report.lines() {
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "Total reclaimed space: {}\n",
        human_size(report.reclaimed)
    ));
    out
}
