//! A registry that misbehaves on purpose: a reverse proxy in front of a real
//! [`crate::Registry`] that changes bytes, truncates, trickles responses,
//! resets connections mid-body, answers `500` or `429`, sends blobs that
//! never end, or tag lists that never end; always, or for a seeded random
//! fraction of requests ([`Fault::AtRandom`]). It counts what it injected
//! ([`FaultyRegistry::injected`]).
//!
//! No installable server does this, so it is the one fixture server the
//! tests allow themselves. Everything not chosen for a fault passes through
//! unchanged (status, headers and body), so auth and the rest of the
//! protocol stay the real registry's.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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
    /// Send half of each blob body whose URL contains the text, then reset
    /// the connection (`Content-Length` still announces the whole body).
    ResetBlob(String),
    /// Answer requests for blobs and manifests whose URL contains the text
    /// with this status and a distribution error body, without asking the
    /// registry (`429` comes with `Retry-After: 1`).
    Status(String, u16),
    /// Apply one of `faults` to about one in `one_in` requests for blobs
    /// and manifests, picked by a seeded generator (which request gets
    /// which draw still depends on the order concurrent requests arrive
    /// in). The faults that can change a request take turns, so every kind
    /// comes up once a few requests of that sort drew one.
    AtRandom {
        /// The generator's seed.
        seed: u64,
        /// About one request in this many gets a fault.
        one_in: u64,
        /// The faults to pick from.
        faults: Vec<Fault>,
    },
    /// Add Docker Hub's rate-limit headers to manifest responses whose URL
    /// contains the text: `ratelimit-remaining: <remaining>;w=21600` and
    /// `ratelimit-limit: <limit>;w=21600` (the `u64`s, in that order).
    RateLimitHeaders(String, u64, u64),
}

impl Fault {
    /// What [`FaultyRegistry::injected`] counts this fault under: `corrupt
    /// blob`, `reset`, `status 500`, …
    pub fn kind(&self) -> String {
        match self {
            Fault::CorruptBlob(_) => "corrupt blob".to_owned(),
            Fault::CorruptManifest(_) => "corrupt manifest".to_owned(),
            Fault::SlowBlob(..) => "slow blob".to_owned(),
            Fault::TrickleBlob(..) => "trickle blob".to_owned(),
            Fault::TrickleManifest(..) => "trickle manifest".to_owned(),
            Fault::EndlessBlob(_) => "endless blob".to_owned(),
            Fault::HugeListing(_) => "huge listing".to_owned(),
            Fault::ResetBlob(_) => "reset".to_owned(),
            Fault::Status(_, status) => format!("status {status}"),
            Fault::AtRandom { .. } => "at random".to_owned(),
            Fault::RateLimitHeaders(..) => "rate limit headers".to_owned(),
        }
    }

    /// Whether this fault can change a request for a blob (else a
    /// manifest), by `GET` (else `HEAD` and the like).
    fn applies(&self, is_blob: bool, is_get: bool) -> bool {
        match self {
            Fault::CorruptBlob(_)
            | Fault::SlowBlob(..)
            | Fault::TrickleBlob(..)
            | Fault::EndlessBlob(_)
            | Fault::ResetBlob(_) => is_blob && is_get,
            Fault::CorruptManifest(_) | Fault::TrickleManifest(..) => !is_blob && is_get,
            Fault::Status(..) => true,
            Fault::HugeListing(_) | Fault::AtRandom { .. } | Fault::RateLimitHeaders(..) => false,
        }
    }
}

/// Tags on each page of [`Fault::HugeListing`], each 1,000 characters.
pub const HUGE_PAGE_TAGS: usize = 1000;

/// A running misbehaving proxy, stopped on drop.
#[derive(Debug)]
pub struct FaultyRegistry {
    server: crate::background::BackgroundServer,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    upstream: String,
    faults: Vec<Fault>,
    http: reqwest::Client,
    /// Every request, as `METHOD path?query`.
    requests: std::sync::Mutex<Vec<String>>,
    /// Draws so far, for [`Fault::AtRandom`].
    draws: AtomicU64,
    /// Faults dealt so far by [`Fault::AtRandom`], by sort of request
    /// (blob or manifest, `GET` or not), for taking turns.
    dealt: [AtomicU64; 4],
    /// Faults applied, by [`Fault::kind`].
    injected: Mutex<BTreeMap<String, u64>>,
}

impl Shared {
    /// The faults for one `method` request to `path`: the configured ones,
    /// with each [`Fault::AtRandom`] replaced by the fault it deals, if any.
    fn draw(&self, method: &axum::http::Method, path: &str) -> Vec<Fault> {
        let is_blob = path.contains("/blobs/");
        let is_get = method == axum::http::Method::GET;
        let eligible = is_blob || path.contains("/manifests/");
        let mut out = Vec::new();
        for fault in &self.faults {
            match fault {
                Fault::AtRandom {
                    seed,
                    one_in,
                    faults,
                } => {
                    let applicable: Vec<&Fault> = faults
                        .iter()
                        .filter(|f| f.applies(is_blob, is_get))
                        .collect();
                    if !eligible || applicable.is_empty() {
                        continue;
                    }
                    let n = self.draws.fetch_add(1, Ordering::Relaxed);
                    let r = splitmix64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    if r.is_multiple_of((*one_in).max(1)) {
                        let sort = usize::from(is_blob) * 2 + usize::from(is_get);
                        let turn = self.dealt[sort].fetch_add(1, Ordering::Relaxed);
                        let pick = (turn % applicable.len() as u64) as usize;
                        out.extend(applicable.get(pick).map(|f| (*f).clone()));
                    }
                }
                other => out.push(other.clone()),
            }
        }
        out
    }

    /// Counts one `fault` applied.
    fn count(&self, fault: &Fault) {
        if let Ok(mut injected) = self.injected.lock() {
            *injected.entry(fault.kind()).or_default() += 1;
        }
    }
}

/// SplitMix64: a small, good enough generator for picking faults.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
            requests: std::sync::Mutex::default(),
            draws: AtomicU64::new(0),
            dealt: Default::default(),
            injected: Mutex::default(),
        });
        let app = Router::new().fallback(forward).with_state(shared.clone());
        Ok(Self {
            server: crate::background::BackgroundServer::start("faulty-registry", 2, app)?,
            shared,
        })
    }

    /// Every request it received so far, as `METHOD path?query`.
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How many times each kind of fault was applied so far, by
    /// [`Fault::kind`] (a fault that had nothing to change, such as a
    /// corruption drawn for a `HEAD`, is not counted).
    pub fn injected(&self) -> BTreeMap<String, u64> {
        self.shared
            .injected
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
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
    shared
        .requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(format!("{} {path_and_query}", request.method()));
    let faults = shared.draw(request.method(), &path_and_query);
    let is_blob = path_and_query.contains("/blobs/");
    let is_manifest = path_and_query.contains("/manifests/");
    if request.method() == axum::http::Method::GET
        && path_and_query.contains("/tags/list")
        && let Some(fault) = faults
            .iter()
            .find(|f| matches!(f, Fault::HugeListing(t) if path_and_query.contains(t.as_str())))
    {
        shared.count(fault);
        return huge_listing(&path_and_query);
    }
    if let Some(fault @ Fault::Status(_, status)) = faults.iter().find(|f| {
        matches!(f, Fault::Status(t, _) if (is_blob || is_manifest) && path_and_query.contains(t.as_str()))
    }) {
        shared.count(fault);
        return status_error(*status);
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
    let fault = faults.iter().find(|f| match f {
        Fault::CorruptBlob(t) | Fault::SlowBlob(t, _) => {
            is_blob && path_and_query.contains(t.as_str())
        }
        Fault::CorruptManifest(t) | Fault::TrickleManifest(t, _) => {
            is_manifest && path_and_query.contains(t.as_str())
        }
        Fault::EndlessBlob(t) | Fault::TrickleBlob(t, _) | Fault::ResetBlob(t) => {
            is_blob && path_and_query.contains(t.as_str())
        }
        Fault::HugeListing(_) | Fault::Status(..) | Fault::AtRandom { .. } => false,
        Fault::RateLimitHeaders(t, ..) => is_manifest && path_and_query.contains(t.as_str()),
    });
    if let Some(endless @ Fault::EndlessBlob(_)) = fault
        && status.is_success()
    {
        shared.count(endless);
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
    let fault = fault.filter(|_| status.is_success() && !bytes.is_empty());
    if let Some(fault) = fault {
        shared.count(fault);
    }
    match fault {
        Some(Fault::CorruptBlob(_) | Fault::CorruptManifest(_)) => {
            let mut bytes = bytes;
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
            (status, headers, bytes).into_response()
        }
        Some(Fault::SlowBlob(_, rate)) => {
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
        Some(Fault::TrickleBlob(_, interval) | Fault::TrickleManifest(_, interval)) => {
            let interval = *interval;
            let stream = futures_util::stream::iter(bytes).then(move |byte| async move {
                tokio::time::sleep(interval).await;
                Ok::<_, std::io::Error>(vec![byte])
            });
            (status, headers, Body::from_stream(stream)).into_response()
        }
        Some(Fault::ResetBlob(_)) => {
            let half = bytes.len() / 2;
            let mut bytes = bytes;
            bytes.truncate(half);
            // The pause lets the headers and the first half go out before the cut.
            let stream = futures_util::stream::once(async move { Ok(bytes) }).chain(
                futures_util::stream::once(async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "reset mid-body on purpose",
                    ))
                }),
            );
            (status, headers, Body::from_stream(stream)).into_response()
        }
        _ => (status, headers, bytes).into_response(),
    }
}

/// A distribution error answer with `status`, as a registry under strain
/// sends it (`429` with `Retry-After: 1`).
fn status_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = if status == StatusCode::TOO_MANY_REQUESTS {
        "TOOMANYREQUESTS"
    } else {
        "UNKNOWN"
    };
    let body = serde_json::json!({
        "errors": [{ "code": code, "message": "injected by the faulty registry" }]
    });
    let mut response = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from_static("1"),
        );
    }
    response
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
