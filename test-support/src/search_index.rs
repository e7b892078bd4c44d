//! A fixture of Docker Hub's v1 search index (`GET /v1/search?q=TERM&n=LIMIT`),
//! with results that exercise every search filter and the description cut.
//! No installable server speaks this API, so the harness provides one.

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
    server: crate::background::BackgroundServer,
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
        let app = Router::new().route("/v1/search", get(search));
        Ok(Self {
            server: crate::background::BackgroundServer::start("search-index", 1, app)?,
        })
    }

    /// `http://127.0.0.1:PORT`, for `--index-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.server.addr().to_string()
    }
}
