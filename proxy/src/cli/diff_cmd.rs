//! `strata diff A B`: how image B differs from image A: config, layers,
//! files and directory sizes ([`crate::diff`]).

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use shared::diff::Show;
use shared::platform::Platform;
use shared::walk::PlatformChoice;

use crate::registry::{ClientConfig, RegistryClient};
use crate::store::Store;

/// How `strata diff` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Lines a person reads: config, layers, files, directories.
    #[default]
    Table,
    /// The whole diff as one JSON document.
    Json,
}

/// Options of `strata diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// List every path of either image, unchanged ones included (default: only changed paths).
    #[arg(long)]
    pub all: bool,
    /// Choose this platform from a multi-platform image (`os/arch[/variant]`; default: this host's).
    #[arg(long)]
    pub platform: Option<String>,
    /// Reach this registry (`HOST[:PORT]`) over plain HTTP; repeatable. Also `STRATA_INSECURE_REGISTRIES` (comma-separated).
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// Image A: a stored image (name, name:tag, name@digest or ID prefix), else a reference to read from its registry.
    pub a: String,
    /// Image B, likewise.
    pub b: String,
}

/// Runs `diff`.
pub fn run(store: Arc<Store>, args: &DiffArgs) -> Result<ExitCode, String> {
    let host = Platform::from_target(std::env::consts::OS, std::env::consts::ARCH);
    let choice = match &args.platform {
        Some(p) => PlatformChoice::RunsOn {
            platform: p.parse().map_err(|e| format!("invalid --platform: {e}"))?,
            named: true,
        },
        None => PlatformChoice::host(host),
    };
    let config = ClientConfig::from_env(&args.insecure_registries).map_err(|e| e.to_string())?;
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let show = if args.all { Show::All } else { Show::Changed };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let diff = runtime
        .block_on(crate::diff::diff_images(
            &store,
            &client,
            (&args.a, &args.b),
            &choice,
            show,
        ))
        .map_err(|e| e.to_string())?;
    match args.format {
        DiffFormat::Table => print!("{}", diff.to_text()),
        DiffFormat::Json => {
            let text = serde_json::to_string_pretty(&diff).map_err(|e| e.to_string())?;
            println!("{text}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
