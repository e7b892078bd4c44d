//! The defences in front of `/api/v1` (see [`crate::serve::security`]).

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::serve::AppState;
use crate::serve::cross_site::{self, is_same_origin};
use crate::serve::error::ApiError;
use crate::serve::security::CSRF_HEADER;

/// Refuses foreign origins, unauthenticated writes, and (with `--private`)
/// unauthenticated reads; answers CORS for `--allow-origin` origins.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let security = state.security();
    let headers = request.headers().clone();
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let same_origin = origin
        .as_deref()
        .is_none_or(|o| is_same_origin(o, &headers));
    let allowed_origin = origin
        .as_deref()
        .filter(|o| !same_origin && security.origin_allowed(o))
        .map(str::to_owned);
    if !same_origin && allowed_origin.is_none() {
        return ApiError::forbidden("cross-origin requests are refused; start strata with --allow-origin ORIGIN to allow this page").into_response();
    }
    if let Some(why) = cross_site::foreign(&headers, security) {
        return ApiError::forbidden(cross_site::refusal(&why)).into_response();
    }
    if request.method() == Method::OPTIONS {
        return cors(
            Response::new(axum::body::Body::empty()),
            allowed_origin.as_deref(),
            true,
        );
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| security.bearer_ok(t.trim()));
    let csrf = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| security.csrf_ok(t));
    let write = !matches!(*request.method(), Method::GET | Method::HEAD);
    let public_read = matches!(request.uri().path(), "/api/v1/version" | "/version");
    if write {
        // A bearer token alone suffices; otherwise the page's CSRF token, and
        // with a token configured (non-loopback binding) the token is required.
        let ok = bearer || (csrf && !security.has_api_token());
        if !ok {
            let how = if security.has_api_token() {
                "send Authorization: Bearer <token from --token-file>"
            } else {
                "send the X-Strata-Csrf header with the token from GET /api/v1/session"
            };
            return ApiError::forbidden(format!("writes need a token: {how}")).into_response();
        }
    } else if security.private() && !bearer && !public_read {
        return ApiError::new(
            shared::api::ErrorCode::Unauthorized,
            "this server is private: send Authorization: Bearer <token>",
        )
        .into_response();
    }
    let response = next.run(request).await;
    cors(response, allowed_origin.as_deref(), false)
}

fn cors(mut response: Response, origin: Option<&str>, preflight: bool) -> Response {
    let Some(origin) = origin else {
        return response;
    };
    let h = response.headers_mut();
    if let Ok(v) = origin.parse() {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.insert(header::VARY, header::HeaderValue::from_static("Origin"));
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::HeaderValue::from_static("GET, POST, DELETE"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::HeaderValue::from_static("authorization, content-type, x-strata-csrf"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            header::HeaderValue::from_static("600"),
        );
    }
    response
}
