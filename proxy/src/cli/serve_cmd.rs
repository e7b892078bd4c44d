//! `strata serve`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use shared::retention::RetentionPolicy;

use crate::registry::{ClientConfig, RegistryClient};
use crate::serve::security::Security;
use crate::serve::{self, AppState, V2Settings};

/// Options of `strata serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on. A non-loopback address needs --token-file (or STRATA_TOKEN).
    #[arg(long, default_value = "127.0.0.1:8080", env = "STRATA_LISTEN")]
    pub listen: SocketAddr,

    /// The built dashboard (the output of `trunk build`).
    #[arg(long, default_value = "dist", env = "STRATA_DIST", value_name = "DIR")]
    pub dist: PathBuf,

    /// Reach this registry (`HOST[:PORT]`) over plain HTTP; repeatable. Also `STRATA_INSECURE_REGISTRIES`.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,

    /// Let the server contact this registry (`HOST[:PORT]`) although it resolves to a private or loopback address; repeatable.
    #[arg(long = "allow-registry", value_name = "HOST[:PORT]")]
    pub allow_registries: Vec<String>,

    /// A Sigstore trusted root (JSON) the dashboard checks keyless signatures against, instead of the public-good one it ships with.
    #[arg(long, value_name = "FILE", env = "STRATA_TRUSTED_ROOT")]
    pub trusted_root: Option<PathBuf>,

    /// Allow this web origin (`https://host[:port]`) to call the API from a browser; repeatable.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,

    /// Also answer requests addressed to this host name (`strata.example`); repeatable. Other names than localhost and IP addresses are refused (DNS rebinding), unless --private.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,

    /// A file holding the API token: writes (and reads with --private) then need `Authorization: Bearer TOKEN`, or a dashboard session (the sign-in link printed at start, or the token pasted at /sign-in).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// The search index for `/api/v1/search` (default Docker Hub's; also `STRATA_INDEX_URL`).
    #[arg(long)]
    pub index_url: Option<String>,

    /// Require the token (or a signed-in dashboard session) for reads too, of /api/v1 and /v2.
    #[arg(long)]
    pub private: bool,

    /// The largest blob /v2 fetches; an upstream's `Content-Length` below it is the cap for that blob, and one above it is refused.
    #[arg(long, value_name = "SIZE", default_value = "16GiB", value_parser = super::size_arg::parse_size)]
    pub max_blob_size: u64,

    /// The registry that /v2 names without a host are on, as Docker's and podman's mirror requests send them (`/v2/library/redis/…`); containerd's `?ns=HOST` overrides it per request.
    #[arg(long, value_name = "REGISTRY", default_value = "docker.io", env = "STRATA_MIRROR_DEFAULT", value_parser = parse_mirror_default)]
    pub mirror_default: String,

    /// How long a tag the upstream confirmed is served from the store without asking it again (`0`: ask every time, with a HEAD, which Docker Hub does not count against its rate limit).
    #[arg(long, value_name = "DURATION", default_value = "5m", env = "STRATA_TAG_TTL", value_parser = parse_tag_ttl)]
    pub tag_ttl: std::time::Duration,

    /// Answer a GET of a blob the bucket holds with a 307 to a presigned URL of it (20 minutes), as distribution's `redirect` does: clients download from the S3 endpoint, which they must be able to reach. Needs --blob-store s3://….
    #[arg(long, env = "STRATA_REDIRECT_BLOBS", value_parser = clap::builder::BoolishValueParser::new())]
    pub redirect_blobs: bool,

    /// Evict the images this retention policy does not keep, then collect garbage, every --retain-every (`pulledWithin=168h,mostRecentlyPulledCount=5,maxStoreBytes=50GiB`; see the README).
    #[arg(long, value_name = "POLICY", env = "STRATA_RETAIN", value_parser = super::retain_arg::parse_policy, conflicts_with = "retain_file")]
    pub retain: Option<RetentionPolicy>,

    /// The retention policy from a file: one `key=value` a line, `#` comments.
    #[arg(long, value_name = "FILE")]
    pub retain_file: Option<PathBuf>,

    /// How often the retention policy runs (`10m`, `1h`, `30s`; default 10m). Needs --retain or --retain-file.
    #[arg(long, value_name = "DURATION", value_parser = super::retain_arg::parse_every)]
    pub retain_every: Option<std::time::Duration>,
}

/// How often a retention policy runs without --retain-every.
const RETAIN_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

fn parse_tag_ttl(s: &str) -> Result<std::time::Duration, String> {
    let ttl = shared::units::parse_duration(s).map_err(|e| e.to_string())?;
    std::time::Duration::try_from(ttl)
        .map_err(|_| format!("--tag-ttl {s}: give a duration of 0 or more"))
}

fn parse_mirror_default(s: &str) -> Result<String, String> {
    shared::reference::mirror_registry(s).map_err(|e| e.to_string())
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(store_args: &super::store_arg::StoreArgs, args: ServeArgs) -> Result<(), String> {
    if args.redirect_blobs && store_args.blob_store.is_none() {
        return Err("--redirect-blobs sends clients to the blobs' S3 bucket, and this store keeps them in its folder: add --blob-store s3://BUCKET[/PREFIX] (or STRATA_BLOB_STORE), or drop --redirect-blobs (or STRATA_REDIRECT_BLOBS) to serve blobs through strata".to_owned());
    }
    if !args.dist.join("index.html").is_file() {
        return Err(format!(
            "no dashboard at {}: build it with `trunk build --release --offline` (or `make run`), or pass --dist DIR",
            args.dist.display()
        ));
    }
    let token = match (&args.token_file, std::env::var("STRATA_TOKEN").ok()) {
        (Some(path), _) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?
                .trim()
                .to_owned(),
        ),
        (None, env) => env.map(|t| t.trim().to_owned()),
    }
    .filter(|t| !t.is_empty());
    if !args.listen.ip().is_loopback() && token.is_none() {
        return Err(format!(
            "refusing to listen on {} without a token: anyone who can reach it could pull and remove images; pass --token-file FILE (or set STRATA_TOKEN), or listen on 127.0.0.1",
            args.listen
        ));
    }
    if args.private && token.is_none() {
        return Err(
            "--private needs a token: pass --token-file FILE or set STRATA_TOKEN".to_owned(),
        );
    }
    let retain = super::retain_arg::policy(args.retain, args.retain_file.as_deref())?;
    if retain.is_none() && args.retain_every.is_some() {
        return Err("--retain-every says how often a retention policy runs, and none is given: add --retain POLICY (or --retain-file FILE), or drop --retain-every".to_owned());
    }
    let retain_every = args.retain_every.unwrap_or(RETAIN_EVERY);
    let store = store_args.open()?;
    let store_dir = store.dir().to_path_buf();
    let mut config =
        ClientConfig::from_env(&args.insecure_registries).map_err(|e| e.to_string())?;
    // Upstreams named in requests may only be public hosts, except those the operator listed.
    let hub_host = config
        .hub_registry
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        });
    let trusted = config
        .insecure_registries
        .iter()
        .chain(&args.allow_registries)
        .cloned()
        .chain(hub_host);
    config.destination_policy = std::sync::Arc::new(crate::serve::ssrf::PublicOnly::new(trusted));
    let client = RegistryClient::new(config).map_err(|e| e.to_string())?;
    let security = Security::new(args.allow_origins.clone(), token, args.private)
        .with_local_names_only(!args.private)
        .with_allowed_hosts(args.allow_hosts.clone());
    init_tracing();
    // Pulls seen from every replica on the database (#17); blocks, so before the runtime.
    let shared_pulls = match &store_args.database {
        Some(url) => Some(serve::Pulls::shared(url).map_err(|e| e.to_string())?),
        None => None,
    };
    // So are the dashboard's sign-in codes and sessions.
    let shared_sessions = match &store_args.database {
        Some(url) => Some(serve::SharedSessions::new(url.expose()).map_err(|e| e.to_string())?),
        None => None,
    };
    // The store outlives the runtime: tasks it cancels on shutdown hold
    // clones, and the last one dropped on a runtime thread would close
    // PostgreSQL's blocking clients there, which panics (and aborts).
    let store_after_runtime = store.clone();
    let trusted_root = match &args.trusted_root {
        None => None,
        Some(path) => {
            let json = std::fs::read(path)
                .map_err(|e| format!("cannot read --trusted-root {}: {e}", path.display()))?;
            shared::signature::TrustedRoot::from_json(&json)
                .map_err(|e| format!("--trusted-root {}: {e}", path.display()))?;
            Some(json)
        }
    };
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        tracing::info!(store = %store_dir.display(), "strata serving on http://{local}");
        let has_token = security.has_api_token();
        let mut state = AppState::new(args.dist, store, client, security).with_v2(V2Settings {
            max_blob_size: args.max_blob_size,
            mirror_default: args.mirror_default.clone(),
            tag_ttl: args.tag_ttl,
            redirect_blobs: args.redirect_blobs,
        });
        if let Some(url) = &args.index_url {
            state = state.with_index_url(url);
        }
        if let Some(root) = trusted_root {
            state = state.with_trusted_root(root);
        }
        if let Some(shared) = shared_sessions {
            state = state.with_sessions(serve::Sessions::shared(shared));
        }
        if has_token {
            print_sign_in(local, &state.sessions().mint_code());
        }
        if let Some(policy) = retain {
            state = state.with_retention(policy);
        }
        if let Some(pulls) = shared_pulls {
            state = state.with_pulls(pulls);
        }
        let _retention = retain.map(|policy| {
            serve::retention::spawn(
                state.store().clone(),
                policy,
                retain_every,
                state.metrics().clone(),
            )
        });
        let _unpacked_sizes = serve::unpacked_sizes::spawn(state.store().clone());
        // Printed on stdout so scripts and tests can find the port when listening on :0.
        println!("strata listening on http://{local}");
        axum::serve(listener, serve::app(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| format!("server error: {e}"))
    });
    drop(runtime);
    drop(store_after_runtime);
    served
}

/// The dashboard's sign-in link, as Jupyter prints one: it signs in once,
/// within [`crate::serve::sessions::CODE_LIFETIME`].
fn print_sign_in(local: SocketAddr, code: &str) {
    let minutes = crate::serve::sessions::CODE_LIFETIME.as_secs() / 60;
    println!(
        "Dashboard sign-in: http://{local}{} (works once, within {minutes} minutes; \
         POST /api/v1/session/codes with the token mints another)",
        shared::api::sign_in_path(code)
    );
    if local.ip().is_unspecified() {
        println!(
            "  (replace {} in that link with an address or name of this machine)",
            local.ip()
        );
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STRATA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}
