//! `strata load` / `strata image load`: a docker-archive, an OCI archive or
//! an OCI layout folder into the store, every blob checked; prints
//! `Loaded image: NAME:TAG` (or `Loaded image ID: sha256:…`) as docker does.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use shared::platform::Platform;

use crate::archive::{self, ArchiveError, Loaded, Members};
use crate::store::Store;

/// Options of `strata load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Read from a tar archive or an OCI layout folder instead of stdin.
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Print nothing.
    #[arg(short, long)]
    pub quiet: bool,
    /// The platform to choose from a multi-platform image (default: this host's).
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<Platform>,
}

/// Runs `load`.
pub fn run(store: &Store, args: &LoadArgs) -> Result<ExitCode, String> {
    let platform = args
        .platform
        .clone()
        .unwrap_or_else(|| Platform::from_target(std::env::consts::OS, std::env::consts::ARCH));
    let loaded = match &args.input {
        Some(path) if path.is_dir() => {
            Members::dir(path).and_then(|m| archive::load(store, &m, &platform))
        }
        Some(path) => Members::tar(path).and_then(|m| archive::load(store, &m, &platform)),
        None => from_stdin(store, &platform),
    }
    .map_err(|e| e.to_string())?;
    if !args.quiet {
        for line in loaded.iter().flat_map(lines) {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What docker prints for one loaded image.
fn lines(image: &Loaded) -> Vec<String> {
    if image.names.is_empty() {
        return vec![format!("Loaded image ID: {}", image.id)];
    }
    image
        .names
        .iter()
        .map(|n| format!("Loaded image: {}", n.familiar()))
        .collect()
}

/// Spools stdin to a temporary file in the store folder (the tar is read
/// twice, see [`crate::archive`]), then loads it; the file is deleted.
fn from_stdin(store: &Store, platform: &Platform) -> Result<Vec<Loaded>, ArchiveError> {
    let mut stdin = std::io::stdin().lock();
    if stdin.is_terminal() {
        return Err(ArchiveError::Unsupported {
            what: "from a terminal: give the archive with -i FILE or on stdin (strata load < FILE)"
                .to_owned(),
        });
    }
    let mut spool = tempfile::Builder::new()
        .prefix("load-")
        .tempfile_in(store.dir())
        .map_err(ArchiveError::io(
            "creating a temporary file in",
            store.dir(),
        ))?;
    std::io::copy(&mut stdin, spool.as_file_mut())
        .map_err(ArchiveError::io("spooling stdin into", spool.path()))?;
    let members = Members::tar(spool.path())?;
    archive::load(store, &members, platform)
}
