//! A registry that misbehaves on purpose: a reverse proxy in front of a real
//! [`crate::Registry`] that changes bytes, truncates, trickles responses,
//! sends blobs that never end, or tag lists that never end.
//!
//! No installable server does this, so it is the one fixture server the
//! tests allow themselves. Everything not chosen for a fault passes through
//! unchanged (status, headers and body), so auth and the rest of the
//! protocol stay the real registry's.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;

/// What to do to matching responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Flip one byte in the middle of blob bodies whose URL contains the text.
    CorruptBlob(String),
    /// Flip one byte of manifest bodies whose URL contains the text (the
    /// `Docker-Content-Digest` header is left as the registry sent it).
    CorruptManifest(String),
    /// Send blob bodies whose URL contains the text at about this many bytes per second.
    SlowBlob(String, u64),
    /// Send blob bodies whose URL contains the text one byte per interval
    /// (a registry that holds a transfer open for as long as it likes).
    TrickleBlob(String, Duration),
    /// Send manifest bodies whose URL contains the text one byte per
    /// interval.
    TrickleManifest(String, Duration),
    /// Answer `GET`s of blobs whose URL contains the text with `200` and a
    /// body of zeros that never ends (chunked, no `Content-Length`).
    EndlessBlob(String),
    /// Answer tag lists whose URL contains the text with pages of
    /// [`HUGE_PAGE_TAGS`] long tags, each linking to another (`Link:
    /// rel="next"`), for ever.
    HugeListing(String),
    /// Add Docker Hub's rate-limit headers to manifest responses whose URL
    /// contains the text: `ratelimit-remaining: <remaining>;w=21600` and
    /// `ratelimit-limit: <limit>;w=21600` (the `u64`s, in that order).
    RateLimitHeaders(String, u64, u64),
}

/// Tags on each page of [`Fault::HugeListing`], each 1,000 characters.
pub const HUGE_PAGE_TAGS: usize = 1000;

/// A running misbehaving proxy, stopped on drop.
#[derive(Debug)]
pub struct FaultyRegistry {
    server: crate::background::BackgroundServer,
}

#[derive(Debug)]
struct Shared {
    upstream: String,
    faults: Vec<Fault>,
    http: reqwest::Client,
}

impl FaultyRegistry {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:PORT`) applying `faults`.
    pub fn start(upstream: &str, faults: Vec<Fault>) -> crate::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            faults,
            http,
        });
        let app = Router::new().fallback(forward).with_state(shared);
        Ok(Self {
            server: crate::background::BackgroundServer::start("faulty-registry", 2, app)?,
        })
    }

    /// `127.0.0.1:PORT`, as it appears in image references.
    pub fn host(&self) -> String {
        self.server.addr().to_string()
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    if request.method() == axum::http::Method::GET
        && path_and_query.contains("/tags/list")
        && shared
            .faults
            .iter()
            .any(|f| matches!(f, Fault::HugeListing(t) if path_and_query.contains(t.as_str())))
    {
        return huge_listing(&path_and_query);
    }
    let url = format!("{}{path_and_query}", shared.upstream);
    let mut upstream = shared.http.request(request.method().clone(), &url);
    for (name, value) in request.headers() {
        if name != axum::http::header::HOST {
            upstream = upstream.header(name, value);
        }
    }
    let body = match axum::body::to_bytes(request.into_body(), 64 << 20).await {
        Ok(b) => b,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let response = match upstream.body(body).send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = response.status();
    let mut headers = HeaderMap::new();
    for (name, value) in response.headers() {
        headers.insert(name, value.clone());
    }
    let is_blob = path_and_query.contains("/blobs/");
    let is_manifest = path_and_query.contains("/manifests/");
    let fault = shared.faults.iter().find(|f| match f {
        Fault::CorruptBlob(t) | Fault::SlowBlob(t, _) => {
            is_blob && path_and_query.contains(t.as_str())
        }
        Fault::CorruptManifest(t) | Fault::TrickleManifest(t, _) => {
            is_manifest && path_and_query.contains(t.as_str())
        }
        Fault::EndlessBlob(t) | Fault::TrickleBlob(t, _) => {
            is_blob && path_and_query.contains(t.as_str())
        }
        Fault::HugeListing(_) => false,
        Fault::RateLimitHeaders(t, ..) => is_manifest && path_and_query.contains(t.as_str()),
    });
    if let Some(Fault::EndlessBlob(_)) = fault
        && status.is_success()
    {
        headers.remove(axum::http::header::CONTENT_LENGTH);
        let zeros =
            futures_util::stream::repeat_with(|| Ok::<_, std::io::Error>(vec![0u8; 64 << 10]));
        return (status, headers, Body::from_stream(zeros)).into_response();
    }
    let bytes = match response.bytes().await {
        Ok(b) => b.to_vec(),
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    // Redirects to blob storage must come back through us, so rewrite Location.
    if let Some(location) = headers
        .get(axum::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        && let Some(rest) = location.strip_prefix(&shared.upstream)
        && let Ok(v) = HeaderValue::from_str(rest)
    {
        headers.insert(axum::http::header::LOCATION, v);
    }
    if let Some(Fault::RateLimitHeaders(_, remaining, limit)) = fault {
        for (name, count) in [
            ("ratelimit-remaining", remaining),
            ("ratelimit-limit", limit),
        ] {
            if let Ok(v) = HeaderValue::from_str(&format!("{count};w=21600")) {
                headers.insert(name, v);
            }
        }
    }
    match fault {
        Some(Fault::CorruptBlob(_) | Fault::CorruptManifest(_))
            if status.is_success() && !bytes.is_empty() =>
        {
            let mut bytes = bytes;
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
            (status, headers, bytes).into_response()
        }
        Some(Fault::SlowBlob(_, rate)) if status.is_success() => {
            let rate = (*rate).max(1);
            let chunk = usize::try_from((rate / 20).max(1)).unwrap_or(1);
            let stream =
                futures_util::stream::unfold((bytes, 0usize), move |(bytes, at)| async move {
                    if at >= bytes.len() {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let end = (at + chunk).min(bytes.len());
                    let piece = bytes[at..end].to_vec();
                    Some((Ok::<_, std::io::Error>(piece), (bytes, end)))
                });
            (status, headers, Body::from_stream(stream)).into_response()
        }
        Some(Fault::TrickleBlob(_, interval) | Fault::TrickleManifest(_, interval))
            if status.is_success() =>
        {
            let interval = *interval;
            let stream = futures_util::stream::iter(bytes).then(move |byte| async move {
                tokio::time::sleep(interval).await;
                Ok::<_, std::io::Error>(vec![byte])
            });
            (status, headers, Body::from_stream(stream)).into_response()
        }
        _ => (status, headers, bytes).into_response(),
    }
}

/// Page `page=N` of an endless tag list, linking to page `N + 1`.
fn huge_listing(path_and_query: &str) -> Response {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let page: u64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("page="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let name = path
        .trim_start_matches("/v2/")
        .trim_end_matches("/tags/list");
    let tags: Vec<String> = (0..HUGE_PAGE_TAGS)
        .map(|i| format!("p{page}-{i}-{}", "x".repeat(980)))
        .collect();
    let body = serde_json::json!({ "name": name, "tags": tags });
    let link = format!("<{path}?page={}>; rel=\"next\"", page + 1);
    (
        StatusCode::OK,
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_owned(),
            ),
            (axum::http::header::LINK, link),
        ],
        body.to_string(),
    )
        .into_response()
}
