//! `strata save` / `strata image save`: images into a docker-archive (with
//! the OCI layout inside, as Docker 25+ writes it) or an OCI layout folder.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::archive::{self, ArchiveError, Selected};
use crate::store::Store;

/// What `save` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SaveFormat {
    /// A tar `docker load` and `podman load` read (manifest.json, with an OCI layout inside).
    DockerArchive,
    /// An OCI image layout folder (needs -o DIR).
    OciDir,
}

/// Options of `strata save`.
#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Write to FILE (a folder for --format oci-dir) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// What to write.
    #[arg(long, value_enum, default_value = "docker-archive")]
    pub format: SaveFormat,
    /// Images by name, name:tag, name@digest or ID (prefix).
    #[arg(required = true)]
    pub images: Vec<String>,
}

/// Runs `save`.
pub fn run(store: &Store, args: &SaveArgs) -> Result<ExitCode, String> {
    let selected = archive::select(store, &args.images).map_err(|e| e.to_string())?;
    let saved = match (args.format, &args.output) {
        (SaveFormat::OciDir, Some(dir)) => archive::save_oci_dir(store, &selected, dir),
        (SaveFormat::OciDir, None) => {
            return Err("--format oci-dir writes a folder: give it with -o DIR".to_owned());
        }
        (SaveFormat::DockerArchive, Some(file)) => to_file(store, &selected, file),
        (SaveFormat::DockerArchive, None) => to_stdout(store, &selected),
    };
    saved.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the archive into `file`; a failed save leaves no file behind.
fn to_file(store: &Store, selected: &[Selected], file: &Path) -> Result<(), ArchiveError> {
    let out = std::fs::File::create(file).map_err(ArchiveError::io("creating", file))?;
    let written = archive::save(store, selected, std::io::BufWriter::new(out)).and_then(|out| {
        out.into_inner()
            .map_err(|e| ArchiveError::io("writing", file)(e.into_error()))?
            .sync_all()
            .map_err(ArchiveError::io("writing", file))
    });
    if written.is_err() {
        let _ = std::fs::remove_file(file);
    }
    written
}

/// Writes the archive to stdout, unless that is a terminal.
fn to_stdout(store: &Store, selected: &[Selected]) -> Result<(), ArchiveError> {
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        return Err(ArchiveError::Terminal);
    }
    let out = archive::save(store, selected, std::io::BufWriter::new(stdout.lock()))?;
    out.into_inner()
        .map_err(|e| ArchiveError::io("writing", "stdout")(e.into_error()))?
        .flush()
        .map_err(ArchiveError::io("writing", "stdout"))
}
