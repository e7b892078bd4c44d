//! Who sent a request, as far as the defences care: a client with the
//! bearer token, a browser with a signed-in session, or anybody.

use axum::http::{HeaderMap, header};

use super::AppState;
use super::sessions::{self, Session};

/// Who sent a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// `Authorization: Bearer TOKEN` with the server's token (CLI clients,
    /// scripts): reads and writes, no CSRF token needed.
    Bearer,
    /// A browser with an open session's cookie: reads, and writes that also
    /// carry the session's CSRF token.
    Session(Session),
    /// Neither.
    Anonymous,
}

impl Caller {
    /// Who sent a request with these headers.
    pub fn of(headers: &HeaderMap, state: &AppState) -> Self {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| state.security().bearer_ok(t.trim()));
        if bearer {
            return Self::Bearer;
        }
        if !state.security().has_api_token() {
            // Sign-in exists only with a token; stale cookies mean nothing.
            return Self::Anonymous;
        }
        sessions::cookie(headers)
            .and_then(|id| state.sessions().find(id))
            .map_or(Self::Anonymous, Self::Session)
    }

    /// Whether the caller holds the token or a session.
    pub fn signed_in(&self) -> bool {
        !matches!(self, Self::Anonymous)
    }
}
