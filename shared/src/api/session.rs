//! The dashboard's session: whether the page may read and write, and how
//! it signs in when `strata serve` has a token.
//!
//! - `GET /api/v1/session` answers [`SessionInfo`] to anyone (the page
//!   needs it to decide whether to show the sign-in page); the CSRF token
//!   only to a caller who may write with it.
//! - `POST /api/v1/session/sign-in` takes a [`SignInRequest`]: the one-time
//!   code `strata serve` printed (`{"code": "…"}`) or the token itself
//!   (`{"token": "…"}`), and sets the session cookie.
//! - `POST /api/v1/session/sign-out` drops the session.
//! - `POST /api/v1/session/codes`, with the bearer token, mints a new
//!   one-time code ([`SignInCode`]).

use serde::{Deserialize, Serialize};

/// `GET /api/v1/session` (and the answer to sign-in and sign-out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Send this in the `X-Strata-Csrf` header with every write; `None`
    /// when the caller is not signed in to a server that has a token.
    pub csrf_token: Option<String>,
    /// Whether the caller is signed in, or needs to be.
    pub state: SessionState,
    /// Whether reads need sign-in too (`strata serve --private`).
    pub private: bool,
}

impl SessionInfo {
    /// Whether the page should offer the sign-in page.
    pub fn needs_sign_in(&self) -> bool {
        self.state == SessionState::SignedOut
    }
}

/// Where the caller stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// The server has no token (loopback): same-origin pages read and write
    /// with the CSRF token alone.
    Open,
    /// The caller holds a session cookie (or sent the bearer token).
    SignedIn,
    /// The server has a token and the caller is not signed in: writes (and,
    /// when private, reads) are refused.
    SignedOut,
}

/// `POST /api/v1/session/sign-in`: `{"code": "…"}` or `{"token": "…"}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInRequest {
    /// The one-time code from the sign-in link `strata serve` printed.
    Code(String),
    /// The token itself (`--token-file`, `STRATA_TOKEN`).
    Token(String),
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code(_) => f.write_str("Code(<redacted>)"),
            Self::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// `POST /api/v1/session/codes`: a new one-time sign-in code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInCode {
    /// The code; it signs in once.
    pub code: String,
    /// The dashboard path that signs in with it (`/sign-in?code=…`).
    pub path: String,
    /// How long the code stays valid.
    pub expires_in_seconds: u64,
}

impl std::fmt::Debug for SignInCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInCode")
            .field("code", &"<redacted>")
            .field("expires_in_seconds", &self.expires_in_seconds)
            .finish_non_exhaustive()
    }
}

/// The dashboard path that signs in with `code`.
pub fn sign_in_path(code: &str) -> String {
    format!("/sign-in?code={code}")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn sign_in_requests_are_one_key_objects() {
        let cases = [
            (SignInRequest::Code("c0de".into()), r#"{"code":"c0de"}"#),
            (SignInRequest::Token("t0ken".into()), r#"{"token":"t0ken"}"#),
        ];
        for (request, json) in cases {
            assert_eq!(serde_json::to_string(&request).expect("json"), json);
            let back: SignInRequest = serde_json::from_str(json).expect("parse");
            assert_eq!(back, request);
            assert!(!format!("{request:?}").contains("0"), "{request:?}");
        }
        for bad in [r#"{}"#, r#"{"password":"x"}"#, r#"{"code":1}"#] {
            assert!(serde_json::from_str::<SignInRequest>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn states_read_as_words() {
        let cases = [
            (SessionState::Open, r#""open""#, false),
            (SessionState::SignedIn, r#""signed_in""#, false),
            (SessionState::SignedOut, r#""signed_out""#, true),
        ];
        for (state, json, needs) in cases {
            assert_eq!(serde_json::to_string(&state).expect("json"), json);
            let info = SessionInfo {
                csrf_token: None,
                state,
                private: false,
            };
            assert_eq!(info.needs_sign_in(), needs, "{state:?}");
        }
    }
}
