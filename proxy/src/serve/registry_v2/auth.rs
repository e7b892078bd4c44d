//! `--private`: `/v2` wants the token, as `/api/v1` does.
//!
//! `/v2` fetches with strata's stored credentials, so without it anyone
//! who can reach a non-loopback strata pulls what those credentials allow.
//! The answer to a request without the token is the distribution spec's
//! `401 UNAUTHORIZED` with a `Basic` challenge, so `docker login`,
//! `podman login` and `skopeo --creds` work: any user name, the token as
//! password. `Authorization: Bearer TOKEN` works too, and so does the
//! signed-in dashboard's session cookie for reads
//! ([`crate::serve::sessions`]).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{ErrorCode, V2Error};
use super::{API_VERSION_HEADER, AppState};
use crate::serve::caller::Caller;

/// Refuses `/v2` requests a page on another site made a browser send
/// ([`crate::serve::cross_site`]): they would fetch and record images.
pub async fn same_site_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match crate::serve::cross_site::foreign(request.headers(), state.security()) {
        None => next.run(request).await,
        Some(why) => {
            let mut response =
                V2Error::new(ErrorCode::Denied, crate::serve::cross_site::refusal(&why))
                    .into_response();
            response
                .headers_mut()
                .insert(API_VERSION_HEADER, HeaderValue::from_static("registry/2.0"));
            response
        }
    }
}

/// Refuses `/v2` requests without the token (or, for reads, a session)
/// when the server is private.
pub async fn private_needs_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let security = state.security();
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| security.authorization_ok(v));
    // The signed-in dashboard reads blobs and manifests (explorer, Verify).
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    let signed_in = security.private()
        && !authorized
        && read
        && Caller::of(request.headers(), &state).signed_in();
    if !security.private() || authorized || signed_in {
        return next.run(request).await;
    }
    let mut response = V2Error::new(
        ErrorCode::Unauthorized,
        "this strata server is private: log in with its token as the password, any user name \
         (docker login HOST -u strata --password-stdin < TOKEN_FILE; podman login --tls-verify=false HOST -u strata --password-stdin < TOKEN_FILE; \
         skopeo --creds strata:TOKEN --tls-verify=false), or send Authorization: Bearer TOKEN; in a browser, sign in at /sign-in",
    )
    .into_response();
    // A page's fetch gets no challenge: the browser would pop up a password
    // dialog over the dashboard, whose way in is /sign-in.
    let from_script = request
        .headers()
        .get("sec-fetch-mode")
        .is_some_and(|mode| mode != "navigate");
    let headers = response.headers_mut();
    if !from_script {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"strata\""),
        );
    }
    headers.insert(API_VERSION_HEADER, HeaderValue::from_static("registry/2.0"));
    response
}
