//! `strata serve`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::serve::{self, AppState};

/// Options of `strata serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "STRATA_LISTEN")]
    pub listen: SocketAddr,

    /// The built dashboard (the output of `trunk build`).
    #[arg(long, default_value = "dist", env = "STRATA_DIST", value_name = "DIR")]
    pub dist: PathBuf,
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(store: PathBuf, args: ServeArgs) -> Result<(), String> {
    std::fs::create_dir_all(&store)
        .map_err(|e| format!("cannot create the store folder {}: {e}", store.display()))?;
    if !args.dist.join("index.html").is_file() {
        return Err(format!(
            "no dashboard at {}: build it with `trunk build --release --offline` (or `make run`), or pass --dist DIR",
            args.dist.display()
        ));
    }
    init_tracing();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot read the listening address: {e}"))?;
        tracing::info!(store = %store.display(), "strata serving on http://{local}");
        // Printed on stdout so scripts and tests can find the port when listening on :0.
        println!("strata listening on http://{local}");
        let state = AppState::new(args.dist, store);
        axum::serve(listener, serve::app(state))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STRATA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
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
