//! The command line: `strata serve`, and (as they land) the `docker image`
//! commands on the same store.

mod serve_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Inspect, verify, cache and manage container images.
#[derive(Debug, Parser)]
#[command(name = "strata", version = crate::VERSION, about)]
pub struct Cli {
    /// The store folder (default: $XDG_DATA_HOME/strata, else ~/.local/share/strata).
    #[arg(long, global = true, env = "STRATA_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard, the /api/v1 API and the /v2 registry surface.
    Serve(serve_cmd::ServeArgs),
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve(args) => serve_cmd::run(cli.store, args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("strata: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves the store folder from `--store`/`STRATA_STORE` or the default.
fn store_dir(flag: Option<PathBuf>) -> Result<PathBuf, String> {
    flag.or_else(crate::paths::default_store_dir).ok_or_else(|| {
        "cannot choose a store folder: neither XDG_DATA_HOME nor HOME is set; pass --store DIR or set STRATA_STORE".to_owned()
    })
}
