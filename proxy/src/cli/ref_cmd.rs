//! `strata ref REF`: print a parsed reference as one JSON object.

use clap::Args;
use shared::reference::Reference;

/// Options of `strata ref`.
#[derive(Debug, Args)]
pub struct RefArgs {
    /// The image reference to parse, e.g. `redis`, `host:5000/team/app:v1@sha256:…`.
    pub reference: String,
}

/// Prints `{"canonical","familiar","domain","path","tag","digest"}` for the reference.
pub fn run(args: &RefArgs) -> Result<(), String> {
    let reference: Reference = args.reference.parse().map_err(|e| format!("{e}"))?;
    let json = serde_json::to_string(&reference.summary())
        .map_err(|e| format!("cannot print the reference: {e}"))?;
    println!("{json}");
    Ok(())
}
