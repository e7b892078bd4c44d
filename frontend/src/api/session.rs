//! The dashboard's session: whether it is signed in, sign-in and sign-out
//! (`/api/v1/session…`), and a signal that ticks whenever the server
//! refuses a request for want of sign-in, so the shell asks again.

use gloo_net::http::Request;
use leptos::prelude::*;
use shared::api::{SessionInfo, SignInRequest};

use super::{ApiError, fetch, fetch_json_body};

/// The sign-in page.
pub const SIGN_IN_PAGE: &str = "/sign-in";

thread_local! {
    static REFUSALS: ArcRwSignal<u32> = ArcRwSignal::new(0);
}

/// `GET /api/v1/session`: signed in or not (answered without sign-in).
pub async fn session() -> Result<SessionInfo, ApiError> {
    fetch(Request::get("/api/v1/session")).await
}

/// `POST /api/v1/session/sign-in`: the server sets the session cookie.
pub async fn sign_in(request: SignInRequest) -> Result<SessionInfo, ApiError> {
    fetch_json_body(Request::post("/api/v1/session/sign-in"), &request).await
}

/// `POST /api/v1/session/sign-out`: the server ends the session and
/// clears its cookie.
pub async fn sign_out() -> Result<SessionInfo, ApiError> {
    fetch_json_body(Request::post("/api/v1/session/sign-out"), &()).await
}

/// Ticks each time the server refuses a request because the page is not
/// signed in (401, or a 403 that asks for sign-in).
pub fn refusals() -> ArcRwSignal<u32> {
    REFUSALS.with(Clone::clone)
}

/// Notes an error answer; one asking for sign-in ticks [`refusals`].
pub(super) fn note(status: u16, message: &str) {
    if status == 401 || (status == 403 && message.contains("sign in")) {
        REFUSALS.with(|r| r.update(|n| *n = n.wrapping_add(1)));
    }
}

#[cfg(test)]
mod tests {
    use leptos::prelude::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn refusals_asking_for_sign_in_tick() {
        let cases = [
            (401, "this server is private: sign in …", true),
            (401, "", true),
            (403, "writes need a token: sign in (open …)", true),
            (
                403,
                "writes need a token: send the X-Strata-Csrf header",
                false,
            ),
            (403, "cross-origin requests are refused", false),
            (404, "no such image", false),
            (500, "failed inside strata", false),
        ];
        for (status, message, ticks) in cases {
            let before = super::refusals().get_untracked();
            super::note(status, message);
            let after = super::refusals().get_untracked();
            assert_eq!(after != before, ticks, "{status} {message}");
        }
    }
}
