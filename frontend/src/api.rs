//! Every URL the dashboard calls or links to, and the one typed fetch function.
//!
//! Components never build URLs; they call the functions here. Reads are
//! plain `GET`s; writes send the `X-Strata-Csrf` token from
//! `GET /api/v1/session` (fetched once, refetched once if refused). Every
//! request is aborted when the future awaiting it is dropped (a resource
//! refetching, a page unmounting). Sign-in and sign-out are in `session`.

mod layers;
mod session;
mod signatures;
use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::api::{
    CacheInfo, ImageDetail, ImageListResponse, ImageSort, PinRequest, PruneRequest, PruneResponse,
    PullInfo, PullStart, RemoveOutcome, RemoveRequest, SearchResponse, SessionInfo, TagRequest,
    UsageInfo, VersionInfo,
};

pub use layers::{layer_index, v2_blob_range};
pub use session::{SIGN_IN_PAGE, refusals, session, sign_in, sign_out};
use shared::digest::Digest;
use shared::media_type::MANIFEST_ACCEPT;
use shared::reference::{Reference, TagOrDigest};
pub use signatures::{trusted_root, v2_referrers};
use wasm_bindgen::JsCast as _;

/// A failed API call, shown to the user as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request did not reach the server (offline, refused, aborted).
    Network(String),
    /// The server answered with an error status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The server's message, or the body when it was not JSON.
        message: String,
    },
    /// The answer was not the JSON this build expects (a version skew).
    Decode(String),
}

impl ApiError {
    /// Whether the server said the thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Status { status: 404, .. })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Network(e) => write!(f, "cannot reach the strata server: {e}"),
            Self::Status { status, message } => {
                write!(f, "the server answered {status}: {message}")
            }
            Self::Decode(e) => write!(
                f,
                "unexpected answer from the server (is it the same version as this page?): {e}"
            ),
        }
    }
}

impl std::error::Error for ApiError {}

/// What the images table asks for: `GET /api/v1/images?...`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageQuery {
    /// `key=value` filters, as the CLI's `--filter`.
    pub filters: Vec<String>,
    /// One row per digest, with the DIGEST column.
    pub digests: bool,
    /// The sort column.
    pub sort: ImageSort,
    /// `Some(true)` for descending; `None` for the server's default.
    pub descending: Option<bool>,
    /// The first row.
    pub offset: usize,
    /// Rows per page (the server caps it at 1000).
    pub limit: usize,
}

/// What the search page asks for: `GET /api/v1/search?...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// `TERM`, or `REGISTRY/TERM` for a registry's catalog.
    pub term: String,
    /// At most this many results; the server answers 400 outside 1..=100.
    pub limit: i64,
    /// `is-official=`, `is-automated=`, `stars=` filters, as the CLI's `--filter`.
    pub filters: Vec<String>,
}

/// The query-string name of a sort column.
pub fn sort_name(sort: ImageSort) -> &'static str {
    match sort {
        ImageSort::Created => "created",
        ImageSort::Repository => "repository",
        ImageSort::Tag => "tag",
        ImageSort::Id => "id",
        ImageSort::Size => "size",
    }
}

/// `GET /api/v1/version`.
pub async fn version() -> Result<VersionInfo, ApiError> {
    fetch(Request::get("/api/v1/version")).await
}

/// `GET /api/v1/images`: one page of the images table.
pub async fn images(query: ImageQuery) -> Result<ImageListResponse, ApiError> {
    let mut params: Vec<(&str, String)> = query
        .filters
        .iter()
        .map(|f| ("filter", f.clone()))
        .collect();
    if query.digests {
        params.push(("digests", "true".into()));
    }
    params.push(("sort", sort_name(query.sort).into()));
    if let Some(descending) = query.descending {
        params.push(("order", if descending { "desc" } else { "asc" }.into()));
    }
    params.push(("offset", query.offset.to_string()));
    params.push(("limit", query.limit.to_string()));
    fetch(Request::get("/api/v1/images").query(params)).await
}

/// `GET /api/v1/search`: Docker Hub's index, or a registry's catalog.
pub async fn search(query: SearchQuery) -> Result<SearchResponse, ApiError> {
    let mut params: Vec<(&str, String)> =
        vec![("term", query.term), ("limit", query.limit.to_string())];
    params.extend(query.filters.into_iter().map(|f| ("filter", f)));
    fetch(Request::get("/api/v1/search").query(params)).await
}

/// `GET /api/v1/images/{name}`: one stored image.
pub async fn image(name: String) -> Result<ImageDetail, ApiError> {
    fetch(Request::get(&format!(
        "/api/v1/images/{}",
        encode_path(&name)
    )))
    .await
}

/// `GET /api/v1/usage`.
pub async fn usage() -> Result<UsageInfo, ApiError> {
    fetch(Request::get("/api/v1/usage")).await
}

/// `GET /api/v1/cache`: the pull-through cache's figures.
pub async fn cache() -> Result<CacheInfo, ApiError> {
    fetch(Request::get("/api/v1/cache")).await
}

/// `POST /api/v1/rm`: one outcome per image.
pub async fn remove(request: RemoveRequest) -> Result<Vec<RemoveOutcome>, ApiError> {
    write(|| Request::post("/api/v1/rm"), &request).await
}

/// `POST /api/v1/prune`: a prune, or with `dry_run` what it would remove.
pub async fn prune(request: PruneRequest) -> Result<PruneResponse, ApiError> {
    write(|| Request::post("/api/v1/prune"), &request).await
}

/// `POST /api/v1/pins`.
pub async fn pin(request: PinRequest) -> Result<serde_json::Value, ApiError> {
    write(|| Request::post("/api/v1/pins"), &request).await
}

/// `DELETE /api/v1/pins` (`by: None` removes every pin).
pub async fn unpin(request: PinRequest) -> Result<serde_json::Value, ApiError> {
    write(|| Request::delete("/api/v1/pins"), &request).await
}

/// `POST /api/v1/tag`.
pub async fn tag(request: TagRequest) -> Result<serde_json::Value, ApiError> {
    write(|| Request::post("/api/v1/tag"), &request).await
}

/// `POST /api/v1/pulls`: starts a pull; its events stream from [`pull_events_url`].
pub async fn start_pull(request: PullStart) -> Result<PullInfo, ApiError> {
    write(|| Request::post("/api/v1/pulls"), &request).await
}

/// `GET /api/v1/pulls/{id}/events`: the Server-Sent Events of one pull.
pub fn pull_events_url(id: u64) -> String {
    format!("/api/v1/pulls/{id}/events")
}

/// `/v2/{proxy_path}/manifests/{tag or digest}`: a manifest's raw bytes.
pub fn v2_manifest_url(reference: &Reference, tag_or_digest: &TagOrDigest) -> String {
    format!(
        "/v2/{}/manifests/{}",
        encode_path(&reference.proxy_path()),
        encode_path(&tag_or_digest.to_string())
    )
}

/// `/v2/{proxy_path}/blobs/{digest}`: a blob's bytes, streamed.
pub fn v2_blob_url(reference: &Reference, digest: &Digest) -> String {
    format!(
        "/v2/{}/blobs/{}",
        encode_path(&reference.proxy_path()),
        encode_path(&digest.to_string())
    )
}

thread_local! {
    /// What relative URLs are resolved against where the global scope has
    /// no page URL of its own: empty in the page, the page's origin in a
    /// verification worker (whose script is a `blob:` URL).
    static ORIGIN: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Sets the origin [`v2_blob`] fetches from (verification workers only).
pub fn set_origin(origin: &str) {
    ORIGIN.with_borrow_mut(|o| origin.clone_into(o));
}

/// A manifest or index as the server sent it.
#[derive(Debug, Clone)]
pub struct RawManifest {
    /// The bytes, exactly as received (digests are taken over these).
    pub bytes: Vec<u8>,
    /// The response's `Content-Type`.
    pub content_type: Option<String>,
    /// The response's `Docker-Content-Digest`, unchecked.
    pub digest_header: Option<String>,
}

/// `GET /v2/{proxy_path}/manifests/{tag or digest}`: the raw manifest.
pub async fn v2_manifest(
    reference: &Reference,
    tag_or_digest: &TagOrDigest,
) -> Result<RawManifest, ApiError> {
    let abort = AbortOnDrop::new();
    let response = Request::get(&v2_manifest_url(reference, tag_or_digest))
        .header("Accept", MANIFEST_ACCEPT)
        // Looking at an image is not pulling it: strata caches what passes
        // but does not add the image to the store's list.
        .header("X-Strata-No-Record", "1")
        .abort_signal(abort.signal().as_ref())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let response = check_status(response).await?;
    let headers = response.headers();
    let bytes = response
        .binary()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    Ok(RawManifest {
        bytes,
        content_type: headers.get("Content-Type"),
        digest_header: headers.get("Docker-Content-Digest"),
    })
}

/// A blob's body, read chunk by chunk; the request is aborted when dropped.
pub struct BlobStream {
    reader: web_sys::ReadableStreamDefaultReader,
    _abort: AbortOnDrop,
}

impl BlobStream {
    /// The body of `response`, read until `abort` is dropped with the stream.
    fn of(response: &gloo_net::http::Response, abort: AbortOnDrop) -> Result<Self, ApiError> {
        let body = response
            .body()
            .ok_or_else(|| ApiError::Network("the response has no body".into()))?;
        let reader = body
            .get_reader()
            .unchecked_into::<web_sys::ReadableStreamDefaultReader>();
        Ok(BlobStream {
            reader,
            _abort: abort,
        })
    }

    /// The next chunk as the browser delivered it (still in JS memory), or
    /// `None` at the end.
    pub async fn next(&mut self) -> Result<Option<js_sys::Uint8Array>, ApiError> {
        let result = wasm_bindgen_futures::JsFuture::from(self.reader.read())
            .await
            .map_err(|e| ApiError::Network(js_message(&e)))?;
        let done = js_sys::Reflect::get(&result, &"done".into())
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(None);
        }
        let value = js_sys::Reflect::get(&result, &"value".into())
            .map_err(|e| ApiError::Network(js_message(&e)))?;
        Ok(Some(js_sys::Uint8Array::new(&value)))
    }
}

/// `GET /v2/{proxy_path}/blobs/{digest}`: the blob, as a stream.
pub async fn v2_blob(reference: &Reference, digest: &Digest) -> Result<BlobStream, ApiError> {
    let abort = AbortOnDrop::new();
    let url = ORIGIN.with_borrow(|origin| format!("{origin}{}", v2_blob_url(reference, digest)));
    let response = Request::get(&url)
        .abort_signal(abort.signal().as_ref())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    let response = check_status(response).await?;
    BlobStream::of(&response, abort)
}

/// `GET /v2/{proxy_path}/blobs/{digest}`, read whole: for small blobs such
/// as configs. Reads at most one byte past `max` (so that a caller checking
/// the size sees a longer blob as such) and stops. The bytes are not
/// verified here (the image walk does that).
pub async fn v2_blob_bytes(
    reference: &Reference,
    digest: &Digest,
    max: u64,
) -> Result<Vec<u8>, ApiError> {
    let mut stream = v2_blob(reference, digest).await?;
    let mut bytes = Vec::new();
    let cap = usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX);
    while let Some(array) = stream.next().await? {
        let room = cap.saturating_sub(bytes.len());
        let take = room.min(array.length() as usize);
        let start = bytes.len();
        bytes.resize(start + take, 0);
        array.subarray(0, take as u32).copy_to(&mut bytes[start..]);
        if bytes.len() >= cap {
            break;
        }
    }
    Ok(bytes)
}

async fn check_status(
    response: gloo_net::http::Response,
) -> Result<gloo_net::http::Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let message = error_message(&body);
    session::note(status, &message);
    Err(ApiError::Status { status, message })
}

fn js_message(value: &wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// The dashboard page of one image (`/i/{reference}`).
pub fn image_page(reference: &str) -> String {
    format!("/i/{}", encode_path(reference))
}

/// The explorer's merged filesystem at `path` (`/i/{reference}/fs/{path}`).
pub fn fs_page(reference: &str, path: &str) -> String {
    shared::explorer::route::fs_url(reference, path)
}

/// The explorer's view of layer `n`, bottom layer 0 (`/i/{reference}/layers/{n}`).
pub fn layer_page(reference: &str, n: usize) -> String {
    shared::explorer::route::layer_url(reference, n)
}

/// The image page of one platform of an index (`/i/{reference}?platform=os/arch[/variant]`).
pub fn image_page_for_platform(reference: &str, platform: &str) -> String {
    let platform: Vec<String> = platform.split('/').map(encode_query).collect();
    format!("{}?platform={}", image_page(reference), platform.join("/"))
}

/// The pull page with the box filled in (`/pull?ref=...`).
pub fn pull_page(reference: &str) -> String {
    format!("/pull?ref={}", encode_query(reference))
}

/// The images page with its state in the query (`/?filter=...&sort=...`).
pub fn images_page(params: &[(&str, String)]) -> String {
    with_query("/", params)
}

/// The search page with its state in the query (`/search?q=...&stars=...`).
pub fn search_page(params: &[(&str, String)]) -> String {
    with_query("/search", params)
}

fn with_query(path: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_query(v)))
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The full URL of a dashboard path on this server, for sharing.
pub fn absolute(path: &str) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{path}")
}

/// Percent-encodes a query value.
pub fn encode_query(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// Percent-encodes what a reference may not carry in a path; keeps `/ : @`.
fn encode_path(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

thread_local! {
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
}

async fn csrf_token(refresh: bool) -> Result<String, ApiError> {
    if !refresh && let Some(token) = CSRF.with(|c| c.borrow().clone()) {
        return Ok(token);
    }
    let session: SessionInfo = fetch(Request::get("/api/v1/session")).await?;
    let Some(token) = session.csrf_token else {
        session::note(401, "");
        return Err(ApiError::Status {
            status: 401,
            message: format!("sign in to make changes: open {SIGN_IN_PAGE}"),
        });
    };
    CSRF.with(|c| *c.borrow_mut() = Some(token.clone()));
    Ok(token)
}

/// A write: JSON body, CSRF header; a refused token (server restarted) is
/// fetched again once.
async fn write<B: Serialize, T: DeserializeOwned>(
    request: impl Fn() -> RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    let mut refresh = false;
    loop {
        let token = csrf_token(refresh).await?;
        match fetch_json_body(request().header("X-Strata-Csrf", &token), body).await {
            Err(ApiError::Status { status: 403, .. }) if !refresh => refresh = true,
            other => return other,
        }
    }
}

async fn fetch_json_body<B: Serialize, T: DeserializeOwned>(
    request: RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    let abort = AbortOnDrop::new();
    let request = request
        .abort_signal(abort.signal().as_ref())
        .json(body)
        .map_err(|e| ApiError::Decode(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read(response).await
}

/// The one typed fetch: sends, maps error statuses to their message, decodes.
async fn fetch<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ApiError> {
    let abort = AbortOnDrop::new();
    let response = request
        .abort_signal(abort.signal().as_ref())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    read(response).await
}

async fn read<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, ApiError> {
    if !response.ok() {
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        let message = error_message(&body);
        session::note(status, &message);
        return Err(ApiError::Status { status, message });
    }
    response
        .json::<T>()
        .await
        .map_err(|e| ApiError::Decode(e.to_string()))
}

/// The `message` of an `ApiErrorBody`, or the body itself.
fn error_message(body: &str) -> String {
    match serde_json::from_str::<shared::api::ApiErrorBody>(body) {
        Ok(error) => error.message,
        Err(_) if body.trim().is_empty() => "(no message)".to_owned(),
        Err(_) => body.to_owned(),
    }
}

/// Aborts the request when the future holding it is dropped.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl AbortOnDrop {
    fn new() -> Self {
        Self(web_sys::AbortController::new().ok())
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(web_sys::AbortController::signal)
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiError, encode_path, error_message};
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn errors_say_what_happened_and_what_to_check() {
        let cases = [
            (
                ApiError::Network("refused".into()),
                "cannot reach the strata server: refused",
            ),
            (
                ApiError::Status {
                    status: 404,
                    message: "no such image".into(),
                },
                "the server answered 404: no such image",
            ),
            (
                ApiError::Decode("missing field".into()),
                "unexpected answer from the server (is it the same version as this page?): missing field",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
    }

    #[test]
    fn error_bodies_give_their_message() {
        let cases = [
            (
                r#"{"code":"conflict","message":"image is pinned by 'prod'"}"#,
                "image is pinned by 'prod'",
            ),
            ("plain text", "plain text"),
            ("", "(no message)"),
        ];
        for (body, want) in cases {
            assert_eq!(error_message(body), want, "{body}");
        }
    }

    #[test]
    fn paths_keep_reference_punctuation() {
        let cases = [
            ("127.0.0.1:5000/a/b:v1", "127.0.0.1:5000/a/b:v1"),
            ("a/b@sha256:00ff", "a/b@sha256:00ff"),
            ("a b?#", "a%20b%3F%23"),
        ];
        for (input, want) in cases {
            assert_eq!(encode_path(input), want, "{input}");
        }
    }
}
