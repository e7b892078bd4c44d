//! The command line: `strata serve`, and the `docker image` commands on the
//! same store (`pull`, `images`, `tag`, `inspect`, `history`, `rm`, `save`,
//! `load`), plus `diff`, `search`, `pin`/`unpin`, `fsck`, `login`/`logout` and
//! `ref`, and `image prune` and `system df`.
//!
//! Every command takes `--store DIR` (or `STRATA_STORE`); see [`crate::paths`].
//! With `--database postgres://…` (or `STRATA_DATABASE_URL`), the store's
//! metadata is in that PostgreSQL database instead of the folder's SQLite
//! file; the blobs stay in the folder.

mod df_cmd;
mod diff_cmd;
mod fsck_cmd;
mod gc_cmd;
mod history_cmd;
mod images_cmd;
mod images_tree;
mod inspect_cmd;
mod load_cmd;
mod login_cmd;
mod pin_cmd;
pub mod progress;
mod prune_cmd;
mod pull_cmd;
mod ref_cmd;
mod retain_arg;
mod rm_cmd;
mod save_cmd;
mod search_cmd;
mod serve_cmd;
mod size_arg;
mod store_arg;
mod tag_cmd;
mod verify_cmd;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::store::metadata::DatabaseUrl;

/// Inspect, verify, cache and manage container images.
#[derive(Debug, Parser)]
#[command(name = "strata", version = crate::VERSION, about)]
pub struct Cli {
    /// The store folder (default: $XDG_DATA_HOME/strata, else ~/.local/share/strata).
    #[arg(long, global = true, env = "STRATA_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// Keep the store's metadata in this PostgreSQL database instead of the folder's SQLite file (postgres://USER:PASS@HOST:PORT/DB, the password optional); blobs stay in the store folder. The schema is created or upgraded on start.
    #[arg(
        long,
        global = true,
        env = "STRATA_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<DatabaseUrl>,

    /// Free space to keep on the store's filesystem: blob writes that would go below it are refused (`0`: no reserve).
    #[arg(long, global = true, env = "STRATA_MIN_FREE_SPACE", value_name = "SIZE", default_value = "1GiB", value_parser = size_arg::parse_size)]
    pub min_free_space: u64,

    /// Keep the blobs in S3-compatible object storage, s3://BUCKET[/PREFIX], instead of the store folder (which keeps the database and locks). Credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, region from AWS_REGION.
    #[arg(long, global = true, env = "STRATA_BLOB_STORE", value_name = "URL")]
    pub blob_store: Option<crate::store::content::s3::BlobStoreUrl>,

    /// The S3 server for --blob-store when it is not AWS (default: AWS_ENDPOINT_URL), addressed path-style.
    #[arg(long, global = true, value_name = "URL")]
    pub s3_endpoint: Option<String>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard, the /api/v1 API and the /v2 registry surface.
    Serve(serve_cmd::ServeArgs),
    /// Download an image from a registry into the store.
    Pull(pull_cmd::PullArgs),
    /// List images.
    Images(images_cmd::ImagesArgs),
    /// Create a tag TARGET that refers to SOURCE.
    Tag(tag_cmd::TagArgs),
    /// Show details of images as JSON.
    Inspect(inspect_cmd::InspectArgs),
    /// Show the history of an image.
    History(history_cmd::HistoryArgs),
    /// Show how image B differs from image A: config, layers, files, directory sizes.
    Diff(diff_cmd::DiffArgs),
    /// Verify an image's signatures (cosign's flags and exit codes), by key or keyless identity.
    Verify(verify_cmd::VerifyArgs),
    /// Verify an image's in-toto attestations (SLSA provenance, SBOMs) and their signatures.
    VerifyAttestation(verify_cmd::VerifyAttestationArgs),
    /// Remove images.
    #[command(alias = "rmi")]
    Rm(rm_cmd::RmArgs),
    /// Save images to a tar archive (stdout by default) or an OCI layout folder.
    Save(save_cmd::SaveArgs),
    /// Load images from a tar archive (stdin by default) or an OCI layout folder.
    Load(load_cmd::LoadArgs),
    /// Mark an image as in use so rm refuses it without -f.
    Pin(pin_cmd::PinArgs),
    /// Remove pins from an image.
    Unpin(pin_cmd::UnpinArgs),
    /// Re-hash every blob and check every reference in the store.
    Fsck(fsck_cmd::FsckArgs),
    /// Delete the blobs no image references (cache from /v2, leftovers); with --retain, evict images first.
    Gc(gc_cmd::GcArgs),
    /// Store credentials for a registry in the Docker config.
    Login(login_cmd::LoginArgs),
    /// Remove stored credentials for a registry.
    Logout(login_cmd::LogoutArgs),
    /// Search Docker Hub (or a registry's catalog) for images.
    Search(search_cmd::SearchArgs),
    /// Parse an image reference and print every form of it as JSON.
    Ref(ref_cmd::RefArgs),
    /// Manage images (`strata image ls|pull|tag|inspect|history|rm|save|load|prune`).
    #[command(subcommand)]
    Image(ImageCommand),
    /// Show the store's disk usage (bytes in the store).
    Df(df_cmd::DfArgs),
    /// Store-wide commands (`strata system df`).
    #[command(subcommand)]
    System(SystemCommand),
}

/// `strata system …`.
#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Show the store's disk usage: images, what prune -a and gc would free (bytes in the store).
    Df(df_cmd::DfArgs),
}

/// `strata image …`, the same commands under Docker's management-command names.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// List images.
    #[command(alias = "list")]
    Ls(images_cmd::ImagesArgs),
    /// Download an image from a registry into the store.
    Pull(pull_cmd::PullArgs),
    /// Create a tag TARGET that refers to SOURCE.
    Tag(tag_cmd::TagArgs),
    /// Show details of images as JSON.
    Inspect(inspect_cmd::InspectArgs),
    /// Show the history of an image.
    History(history_cmd::HistoryArgs),
    /// Remove images.
    Rm(rm_cmd::RmArgs),
    /// Save images to a tar archive (stdout by default) or an OCI layout folder.
    Save(save_cmd::SaveArgs),
    /// Load images from a tar archive (stdin by default) or an OCI layout folder.
    Load(load_cmd::LoadArgs),
    /// Remove dangling images (-a: every image no pin holds); reports bytes freed in the store.
    Prune(prune_cmd::PruneArgs),
}

/// Parses the command line, runs the command, and turns its outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("strata: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let store_args = store_arg::StoreArgs {
        dir: cli.store,
        keep_free: cli.min_free_space,
        blob_store: cli.blob_store,
        s3_endpoint: cli.s3_endpoint,
        database: cli.database,
    };
    let store = || store_args.open();
    match cli.command {
        Command::Serve(args) => serve_cmd::run(&store_args, args).map(|()| ExitCode::SUCCESS),
        Command::Ref(args) => ref_cmd::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Search(args) => search_cmd::run(&args),
        Command::Login(args) => login_cmd::login(&args),
        Command::Logout(args) => login_cmd::logout(&args),
        Command::Fsck(args) => fsck_cmd::run(&store()?, &args),
        Command::Gc(args) => gc_cmd::run(&store()?, &args),
        Command::Pin(args) => pin_cmd::pin(&store()?, &args),
        Command::Unpin(args) => pin_cmd::unpin(&store()?, &args),
        Command::Pull(args) | Command::Image(ImageCommand::Pull(args)) => {
            pull_cmd::run(Arc::new(store()?), &args)
        }
        Command::Images(args) | Command::Image(ImageCommand::Ls(args)) => {
            images_cmd::run(&store()?, &args)
        }
        Command::Tag(args) | Command::Image(ImageCommand::Tag(args)) => {
            tag_cmd::run(&store()?, &args)
        }
        Command::Inspect(args) | Command::Image(ImageCommand::Inspect(args)) => {
            inspect_cmd::run(&store()?, &args)
        }
        Command::History(args) | Command::Image(ImageCommand::History(args)) => {
            history_cmd::run(&store()?, &args)
        }
        Command::Diff(args) => diff_cmd::run(Arc::new(store()?), &args),
        Command::Verify(args) => verify_cmd::run(&args),
        Command::VerifyAttestation(args) => verify_cmd::run_attestation(&args),
        Command::Rm(args) | Command::Image(ImageCommand::Rm(args)) => rm_cmd::run(&store()?, &args),
        Command::Save(args) | Command::Image(ImageCommand::Save(args)) => {
            save_cmd::run(&store()?, &args)
        }
        Command::Load(args) | Command::Image(ImageCommand::Load(args)) => {
            load_cmd::run(&store()?, &args)
        }
        Command::Image(ImageCommand::Prune(args)) => prune_cmd::run(&store()?, &args),
        Command::Df(args) | Command::System(SystemCommand::Df(args)) => {
            df_cmd::run(&store()?, &args)
        }
    }
}
