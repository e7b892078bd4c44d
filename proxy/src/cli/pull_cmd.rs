//! `strata pull` / `strata image pull`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use shared::platform::Platform;
use shared::reference::Reference;

use super::progress::ProgressPrinter;
use crate::pull::{PullRequest, Puller};
use crate::registry::{ClientConfig, RegistryClient};
use crate::store::Store;

/// Options of `strata pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Download every tagged image of the repository.
    #[arg(short, long)]
    pub all_tags: bool,
    /// Choose this platform from a multi-platform image (`os/arch[/variant]`; default: this host's).
    #[arg(long)]
    pub platform: Option<String>,
    /// Print only the final reference.
    #[arg(short, long)]
    pub quiet: bool,
    /// Reach this registry (`HOST[:PORT]`) over plain HTTP; repeatable. Also `STRATA_INSECURE_REGISTRIES` (comma-separated).
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// The image: `NAME[:TAG|@DIGEST]`.
    pub reference: String,
}

/// Runs `pull`.
pub fn run(store: Arc<Store>, args: &PullArgs) -> Result<ExitCode, String> {
    let reference: Reference = args.reference.parse().map_err(|e| format!("{e}"))?;
    if args.all_tags && (reference.tag().is_some() || reference.digest().is_some()) {
        return Err("tag can't be used with --all-tags/-a".to_owned());
    }
    let platform = args
        .platform
        .as_deref()
        .map(str::parse::<Platform>)
        .transpose()
        .map_err(|e| format!("invalid --platform: {e}"))?;
    let config = ClientConfig::from_env(&args.insecure_registries).map_err(|e| e.to_string())?;
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let puller = Puller::new(client, store);
    let request = PullRequest {
        reference,
        platform,
        all_tags: args.all_tags,
    };

    let stdout = std::io::stdout();
    let printer = Arc::new(Mutex::new(ProgressPrinter::new(
        stdout,
        std::io::stdout().is_terminal(),
        args.quiet,
    )));
    let emit_printer = printer.clone();
    let emit: crate::pull::Emit = Arc::new(move |event| {
        if let Ok(mut p) = emit_printer.lock() {
            p.event(&event);
        }
    });
    if !args.quiet
        && !args.all_tags
        && request.reference.tag().is_none()
        && request.reference.digest().is_none()
    {
        println!("Using default tag: latest");
    }
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime
        .block_on(puller.pull(&request, emit))
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
