//! `strata search`.

use std::process::ExitCode;

use clap::Args;
use shared::format::{Format, HeaderMap, defaults, render_rows};

use crate::registry::{ClientConfig, RegistryClient};
use crate::search::{self, SearchQuery};

/// Options of `strata search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Filter output (`is-official=true|false`, `is-automated=true|false`, `stars=N`); repeatable.
    #[arg(short, long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Format output with a Go template, `table …`, or `json`.
    #[arg(long)]
    pub format: Option<String>,
    /// Max number of search results.
    #[arg(long, default_value_t = i64::from(search::DEFAULT_LIMIT), allow_negative_numbers = true)]
    pub limit: i64,
    /// Don't truncate output.
    #[arg(long)]
    pub no_trunc: bool,
    /// The search index (default Docker Hub's; also `STRATA_INDEX_URL`). Used as given, plain http included.
    #[arg(long)]
    pub index_url: Option<String>,
    /// Reach this registry (`HOST[:PORT]`) over plain HTTP for catalog searches; repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
    /// `TERM`, or `REGISTRY/TERM` to search a registry's catalog.
    pub term: String,
}

/// Runs `search`.
pub fn run(args: &SearchArgs) -> Result<ExitCode, String> {
    let format_text = args.format.as_deref().unwrap_or(defaults::SEARCH);
    let format =
        Format::parse_or_default(format_text, defaults::SEARCH).map_err(|e| e.to_string())?;
    let config = ClientConfig::from_env(&args.insecure_registries).map_err(|e| e.to_string())?;
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let query = SearchQuery {
        term: args.term.clone(),
        limit: args.limit,
        filters: args.filters.clone(),
    };
    let index = search::index_url(args.index_url.as_deref());
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let results = runtime
        .block_on(search::search(&client, &index, &query))
        .map_err(|e| e.to_string())?;
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|r| r.template_value(args.no_trunc))
        .collect();
    print!(
        "{}",
        render_rows(&format, &HeaderMap::search(), &rows).map_err(|e| e.to_string())?
    );
    if matches!(search::target(&args.term), search::Target::Catalog { .. }) && args.format.is_none()
    {
        eprintln!("(catalog results have no stars or official flag: shown as -)");
    }
    Ok(ExitCode::SUCCESS)
}
