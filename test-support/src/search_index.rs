//! A fixture of Docker Hub's v1 search index (`GET /v1/search?q=TERM&n=LIMIT`),
//! with results that exercise every search filter and the description cut.
//! No installable server speaks this API, so the harness provides one.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Query;
use axum::routing::get;

/// The index's repositories: name, description, stars, official, automated.
pub const REPOSITORIES: &[(&str, &str, u64, bool, bool)] = &[
    (
        "redis",
        "Redis is the world's fastest data platform for caching, vector search, and NoSQL databases.",
        13_000,
        true,
        false,
    ),
    (
        "bitnami/redis",
        "Bitnami container image for Redis",
        300,
        false,
        true,
    ),
    ("someone/redis-tools", "Tools for redis", 10, false, false),
    (
        "redislabs/redisearch",
        "Redis with the search module",
        55,
        false,
        false,
    ),
    (
        "alpine",
        "A minimal Docker image based on Alpine Linux",
        10_500,
        true,
        false,
    ),
];

/// A running search index, stopped on drop.
#[derive(Debug)]
pub struct SearchIndex {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Debug, serde::Deserialize)]
struct SearchQuery {
    q: String,
    n: Option<usize>,
}

async fn search(Query(query): Query<SearchQuery>) -> axum::Json<serde_json::Value> {
    let matches: Vec<serde_json::Value> = REPOSITORIES
        .iter()
        .filter(|(name, description, ..)| {
            name.contains(&query.q) || description.to_lowercase().contains(&query.q)
        })
        .map(|(name, description, stars, official, automated)| {
            serde_json::json!({
                "name": name, "description": description, "star_count": stars,
                "is_official": official, "is_automated": automated,
            })
        })
        .collect();
    let total = matches.len();
    let page: Vec<serde_json::Value> = matches.into_iter().take(query.n.unwrap_or(25)).collect();
    axum::Json(serde_json::json!({"query": query.q, "num_results": total, "results": page}))
}

impl SearchIndex {
    /// Starts the index on a free loopback port.
    pub fn start() -> crate::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("search-index".into())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return eprintln!("search index: cannot start a runtime");
                };
                runtime.block_on(async move {
                    let app = Router::new().route("/v1/search", get(search));
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stop.await;
                        })
                        .await;
                });
            })?;
        Ok(Self {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, for `--index-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for SearchIndex {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
