//! `/api/v1/session`: the page's CSRF token, and the dashboard's sign-in
//! when `strata serve` has a token (see [`crate::serve::sessions`]).

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use shared::api::{ErrorCode, SessionInfo, SessionState, SignInCode, SignInRequest};

use crate::serve::AppState;
use crate::serve::caller::Caller;
use crate::serve::error::ApiError;
use crate::serve::sessions::{self, CODE_LIFETIME};

/// `GET /api/v1/session`: whether the caller is signed in, and the CSRF
/// token for writes to one who may write with it. Open to anyone the guard
/// lets through (same origin), so the page can tell it must sign in.
pub async fn info(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Json<SessionInfo> {
    Json(session_info(&state, &caller))
}

/// `POST /api/v1/session/sign-in`: a one-time code or the token opens a
/// session; the answer sets its cookie.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<SignInRequest>,
) -> Result<Response, ApiError> {
    let security = state.security();
    if !security.has_api_token() {
        return Err(ApiError::invalid(
            "this strata server has no token, so there is nothing to sign in to: the dashboard works without",
        ));
    }
    let accepted = match &request {
        SignInRequest::Code(code) => state.sessions().redeem(code.trim()),
        SignInRequest::Token(token) => security.bearer_ok(token.trim()),
    };
    if !accepted {
        return Err(ApiError::new(ErrorCode::Unauthorized, refusal(&request)));
    }
    // A new session replaces the one this browser had, if any.
    if let Some(id) = sessions::cookie(&headers) {
        state.sessions().close(id);
    }
    let session = state.sessions().open();
    let info = session_info(&state, &Caller::Session(session.clone()));
    let mut response = Json(info).into_response();
    set_cookie(&mut response, &sessions::set_cookie(&session));
    Ok(response)
}

/// `POST /api/v1/session/sign-out`: ends the caller's session, if any, and
/// clears its cookie.
pub async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = sessions::cookie(&headers) {
        state.sessions().close(id);
    }
    let mut response = Json(session_info(&state, &Caller::Anonymous)).into_response();
    set_cookie(&mut response, &sessions::clear_cookie());
    response
}

/// `POST /api/v1/session/codes`: a new one-time sign-in code, for a holder
/// of the bearer token (the link `strata serve` printed is used up).
pub async fn mint_code(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<SignInCode>, ApiError> {
    if !matches!(caller, Caller::Bearer) {
        return Err(ApiError::forbidden(
            "minting sign-in codes needs Authorization: Bearer <token from --token-file>",
        ));
    }
    let code = state.sessions().mint_code();
    Ok(Json(SignInCode {
        path: shared::api::sign_in_path(&code),
        code,
        expires_in_seconds: CODE_LIFETIME.as_secs(),
    }))
}

fn session_info(state: &AppState, caller: &Caller) -> SessionInfo {
    let security = state.security();
    let (state_now, csrf_token) = match caller {
        _ if !security.has_api_token() => {
            (SessionState::Open, Some(security.csrf_token().to_owned()))
        }
        Caller::Bearer => (
            SessionState::SignedIn,
            Some(security.csrf_token().to_owned()),
        ),
        Caller::Session(session) => (SessionState::SignedIn, Some(session.csrf.clone())),
        Caller::Anonymous => (SessionState::SignedOut, None),
    };
    SessionInfo {
        csrf_token,
        state: state_now,
        private: security.private(),
    }
}

fn refusal(request: &SignInRequest) -> String {
    match request {
        SignInRequest::Code(_) => format!(
            "this sign-in code is wrong, used already, or expired (a code signs in once, within {} minutes). \
             Ask whoever runs strata serve for a new sign-in link (restarting it prints one, and \
             `curl -X POST -H 'Authorization: Bearer TOKEN' http://HOST/api/v1/session/codes` mints one), or paste the token instead",
            CODE_LIFETIME.as_secs() / 60
        ),
        SignInRequest::Token(_) => "that is not this server's token: paste the token strata serve was started with (--token-file or STRATA_TOKEN), or use a sign-in link".to_owned(),
    }
}

fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    // A cookie must not be cached for another user.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}
