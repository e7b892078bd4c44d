//! `strata inspect` / `strata image inspect`.

use std::process::ExitCode;

use clap::Args;
use shared::format::{MissingKey, Template};

use crate::store::Store;

/// Options of `strata inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Format each image with a Go template (`{{.Config.Env}}`, `{{json .RootFS}}`, …).
    #[arg(short, long)]
    pub format: Option<String>,
    /// Images by name, name:tag, name@digest or ID (prefix).
    #[arg(required = true)]
    pub images: Vec<String>,
}

/// Runs `inspect`: a JSON array, or one formatted line per image.
/// Unknown images are reported on stderr and make the exit code non-zero,
/// after the others are printed.
pub fn run(store: &Store, args: &InspectArgs) -> Result<ExitCode, String> {
    let template = match &args.format {
        Some(f) if f != "json" => Some(Template::parse(f).map_err(|e| e.to_string())?),
        _ => None,
    };
    let mut records = Vec::new();
    let mut failed = false;
    for name in &args.images {
        match crate::image_views::inspect(store, name) {
            Ok(record) => records.push(record),
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    match template {
        Some(template) => {
            for record in &records {
                let value = serde_json::to_value(record).map_err(|e| e.to_string())?;
                println!(
                    "{}",
                    template
                        .execute(&value, MissingKey::NoValue)
                        .map_err(|e| e.to_string())?
                );
            }
        }
        None => {
            let text = serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?;
            println!("{text}");
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
