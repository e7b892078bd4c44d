//! The defences in front of `/api/v1` (see [`crate::serve::security`]).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::serve::AppState;
use crate::serve::caller::Caller;
use crate::serve::cross_site::{self, is_same_origin};
use crate::serve::error::ApiError;
use crate::serve::security::{CSRF_HEADER, constant_time_eq};

/// Refuses foreign origins, unauthenticated writes, and (with `--private`)
/// unauthenticated reads; answers CORS for `--allow-origin` origins. The
/// [`Caller`] goes on to the handlers as a request extension.
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
    let caller = Caller::of(&headers, &state);
    let endpoint = request
        .uri()
        .path()
        .strip_prefix("/api/v1")
        .unwrap_or(request.uri().path());
    // What the page needs before it is signed in: its version, whether it
    // must sign in, and the way to do it.
    let open = matches!(
        endpoint,
        "/version" | "/session" | "/session/sign-in" | "/session/sign-out"
    );
    let write = !matches!(*request.method(), Method::GET | Method::HEAD);
    if write && !open {
        if let Err(refusal) = may_write(&caller, &headers, &state) {
            return refusal.into_response();
        }
    } else if !write && !open && security.private() && !caller.signed_in() {
        return ApiError::new(
            shared::api::ErrorCode::Unauthorized,
            "this server is private: sign in (open the sign-in link strata serve printed, or paste the token at /sign-in), or send Authorization: Bearer <token>",
        )
        .into_response();
    }
    let mut request = request;
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    cors(response, allowed_origin.as_deref(), false)
}

/// Writes need the bearer token; or a session and its CSRF token; or, on
/// a server without a token, the page's CSRF token.
fn may_write(caller: &Caller, headers: &HeaderMap, state: &AppState) -> Result<(), ApiError> {
    let csrf = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let security = state.security();
    let ok = match caller {
        Caller::Bearer => true,
        Caller::Session(session) => {
            csrf.is_some_and(|t| constant_time_eq(t.as_bytes(), session.csrf.as_bytes()))
        }
        Caller::Anonymous => !security.has_api_token() && csrf.is_some_and(|t| security.csrf_ok(t)),
    };
    if ok {
        return Ok(());
    }
    let how = if matches!(caller, Caller::Anonymous) && security.has_api_token() {
        "sign in (open the sign-in link strata serve printed, or paste the token at /sign-in), or send Authorization: Bearer <token from --token-file>"
    } else {
        "send the X-Strata-Csrf header with the token from GET /api/v1/session"
    };
    Err(ApiError::forbidden(format!("writes need a token: {how}")))
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
