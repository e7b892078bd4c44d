//! The dashboard's sign-in, when `strata serve` has a token: one-time
//! codes and the sessions they open, in memory.
//!
//! - `strata serve` prints a link with a one-time code
//!   (`/sign-in?code=…`); a holder of the token can mint more
//!   (`POST /api/v1/session/codes`). A code signs in once, within
//!   [`CODE_LIFETIME`].
//! - Signing in (with a code, or the token pasted on the sign-in page)
//!   opens a session: the browser gets it as the `strata_session` cookie
//!   (`HttpOnly; SameSite=Strict`), with a CSRF token of its own that every
//!   write must also carry. A session ends after [`SESSION_LIFETIME`], on
//!   sign-out, or when strata restarts.
//! - At most [`MAX_CODES`] codes and [`MAX_SESSIONS`] sessions are kept;
//!   the oldest goes first.
//!
//! Codes, session ids and CSRF tokens are 256 random bits each, so guessing
//! one is infeasible. Only their SHA-256 is kept as a key, so looking one
//! up reveals nothing through timing.
//!
//! With `--database`, codes and sessions live in the database instead
//! ([`SharedSessions`], `database.rs`), so the dashboard works against any
//! replica behind a load balancer; a database that cannot be reached
//! refuses the sign-in (and reads as signed out), and says so in the log.

mod database;

pub use database::SharedSessions;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::security::random_token;

/// How long a one-time code stays valid.
pub const CODE_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);
/// At most this many unused codes are kept.
pub const MAX_CODES: usize = 32;
/// At most this many sessions are kept.
pub const MAX_SESSIONS: usize = 256;

/// The name of the session cookie.
pub const COOKIE: &str = "strata_session";

/// One session: its secret id (the cookie) and CSRF token.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The cookie's value.
    pub id: String,
    /// What writes must send in `X-Strata-Csrf`.
    pub csrf: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<redacted>)")
    }
}

/// The codes and sessions of one server process, or of every replica on
/// the database.
#[derive(Debug)]
pub struct Sessions {
    code_lifetime: Duration,
    session_lifetime: Duration,
    inner: Mutex<Inner>,
    shared: Option<SharedSessions>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Hash of a code → when it was minted.
    codes: HashMap<String, Stamp>,
    /// Hash of a session id → the session and when it opened.
    sessions: HashMap<String, (Session, Stamp)>,
    /// Counts what was minted or opened, so "oldest" never ties.
    issued: u64,
}

/// When an entry was made, and its place in line.
#[derive(Debug, Clone, Copy)]
struct Stamp {
    at: Instant,
    seq: u64,
}

impl Inner {
    fn stamp(&mut self) -> Stamp {
        self.issued += 1;
        Stamp {
            at: Instant::now(),
            seq: self.issued,
        }
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Self::with_lifetimes(CODE_LIFETIME, SESSION_LIFETIME)
    }
}

impl Sessions {
    /// Codes valid for `code`, sessions for `session`.
    pub fn with_lifetimes(code: Duration, session: Duration) -> Self {
        Self {
            code_lifetime: code,
            session_lifetime: session,
            inner: Mutex::new(Inner::default()),
            shared: None,
        }
    }

    /// Codes and sessions kept in `shared` (the database) instead of this
    /// process.
    pub fn shared(shared: SharedSessions) -> Self {
        Self {
            shared: Some(shared),
            ..Self::default()
        }
    }

    /// A new one-time code (none when the database refuses it: logged).
    pub fn mint_code(&self) -> String {
        let code = random_token();
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.add_code(key(&code), self.code_lifetime) {
                tracing::error!(error = %e, "could not keep a sign-in code in the database: it will not sign in");
            }
            return code;
        }
        let mut inner = self.lock();
        let stamp = inner.stamp();
        let lifetime = self.code_lifetime;
        inner.codes.retain(|_, minted| alive(*minted, lifetime));
        evict_oldest(&mut inner.codes, MAX_CODES - 1, |minted| *minted);
        inner.codes.insert(key(&code), stamp);
        code
    }

    /// Uses up `code`: whether it was minted here, unused and not expired.
    pub fn redeem(&self, code: &str) -> bool {
        if let Some(shared) = &self.shared {
            return logged(shared.take_code(key(code)), "use a sign-in code").unwrap_or(false);
        }
        let minted = self.lock().codes.remove(&key(code));
        minted.is_some_and(|minted| alive(minted, self.code_lifetime))
    }

    /// Opens a new session.
    pub fn open(&self) -> Session {
        let session = Session {
            id: random_token(),
            csrf: random_token(),
        };
        if let Some(shared) = &self.shared {
            let kept = shared.add_session(key(&session.id), &session, self.session_lifetime);
            logged(kept, "open a session");
            return session;
        }
        let lifetime = self.session_lifetime;
        let mut inner = self.lock();
        let stamp = inner.stamp();
        inner
            .sessions
            .retain(|_, (_, opened)| alive(*opened, lifetime));
        evict_oldest(&mut inner.sessions, MAX_SESSIONS - 1, |(_, opened)| *opened);
        inner
            .sessions
            .insert(key(&session.id), (session.clone(), stamp));
        session
    }

    /// The open session whose cookie is `id`, if it has not expired.
    pub fn find(&self, id: &str) -> Option<Session> {
        if let Some(shared) = &self.shared {
            return logged(shared.session(key(id), id), "look up a session").flatten();
        }
        let mut inner = self.lock();
        let hash = key(id);
        match inner.sessions.get(&hash) {
            Some((session, opened)) if alive(*opened, self.session_lifetime) => {
                Some(session.clone())
            }
            Some(_) => {
                inner.sessions.remove(&hash);
                None
            }
            None => None,
        }
    }

    /// Ends the session whose cookie is `id`; whether there was one.
    pub fn close(&self, id: &str) -> bool {
        if let Some(shared) = &self.shared {
            return logged(shared.remove_session(key(id)), "end a session").unwrap_or(false);
        }
        self.lock().sessions.remove(&key(id)).is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps stay consistent even if a holder panicked.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The `strata_session` cookie among a request's `Cookie` headers.
pub fn cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value that gives the browser `session` (no `Secure`:
/// strata serves plain http; behind a TLS proxy the browser still keeps it).
pub fn set_cookie(session: &Session) -> String {
    format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        session.id,
        SESSION_LIFETIME.as_secs()
    )
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// `uri` as the log shows it: `/sign-in?code=<redacted>` for the sign-in
/// link, any other URI as it is.
pub fn redacted(uri: &axum::http::Uri) -> std::borrow::Cow<'_, str> {
    match uri.query() {
        Some(_) if uri.path() == "/sign-in" => format!("{}?code=<redacted>", uri.path()).into(),
        _ => uri.to_string().into(),
    }
}

/// The value of `result`, or `None` with its error logged as failing to
/// `what` in the database.
fn logged<T>(result: Result<T, crate::store::StoreError>, what: &str) -> Option<T> {
    result
        .map_err(|e| tracing::error!(error = %e, "could not {what} in the database"))
        .ok()
}

fn alive(since: Stamp, lifetime: Duration) -> bool {
    since.at.elapsed() < lifetime
}

/// Removes the oldest entries until at most `keep` remain.
fn evict_oldest<V>(map: &mut HashMap<String, V>, keep: usize, when: impl Fn(&V) -> Stamp) {
    while map.len() > keep {
        let Some(oldest) = map
            .iter()
            .min_by_key(|(_, v)| when(v).seq)
            .map(|(k, _)| k.clone())
        else {
            return;
        };
        map.remove(&oldest);
    }
}

fn key(secret: &str) -> String {
    shared::digest::Digest::sha256_of(secret.as_bytes())
        .encoded()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_signs_in_once() {
        let sessions = Sessions::default();
        let code = sessions.mint_code();
        assert_eq!(code.len(), 64);
        assert!(!sessions.redeem("0".repeat(64).as_str()));
        assert!(sessions.redeem(&code));
        assert!(!sessions.redeem(&code), "a code works once");
    }

    #[test]
    fn expired_codes_and_sessions_are_refused() {
        let sessions = Sessions::with_lifetimes(Duration::ZERO, Duration::ZERO);
        let code = sessions.mint_code();
        assert!(!sessions.redeem(&code));
        let session = sessions.open();
        assert_eq!(sessions.find(&session.id), None);
    }

    #[test]
    fn sessions_open_find_and_close() {
        let sessions = Sessions::default();
        let a = sessions.open();
        let b = sessions.open();
        assert_ne!(a.id, b.id);
        assert_ne!(a.csrf, b.csrf);
        assert_eq!(sessions.find(&a.id), Some(a.clone()));
        assert_eq!(
            sessions.find(&a.csrf),
            None,
            "the CSRF token is not a session id"
        );
        assert!(sessions.close(&a.id));
        assert!(!sessions.close(&a.id));
        assert_eq!(sessions.find(&a.id), None);
        assert_eq!(sessions.find(&b.id), Some(b));
        assert!(!format!("{a:?}").contains(&a.id));
    }

    #[test]
    fn the_oldest_go_first() {
        let sessions = Sessions::default();
        let first = sessions.open();
        let rest: Vec<Session> = (0..MAX_SESSIONS).map(|_| sessions.open()).collect();
        assert_eq!(sessions.find(&first.id), None, "evicted");
        assert!(rest.iter().all(|s| sessions.find(&s.id).is_some()));
        let first_code = sessions.mint_code();
        let codes: Vec<String> = (0..MAX_CODES).map(|_| sessions.mint_code()).collect();
        assert!(!sessions.redeem(&first_code), "evicted");
        assert!(codes.iter().all(|c| sessions.redeem(c)));
    }

    #[test]
    fn sign_in_codes_stay_out_of_the_log() {
        let cases = [
            ("/sign-in?code=abc123", "/sign-in?code=<redacted>"),
            ("/sign-in", "/sign-in"),
            ("/api/v1/images?filter=a%3Db", "/api/v1/images?filter=a%3Db"),
            ("/", "/"),
        ];
        for (uri, want) in cases {
            let uri: axum::http::Uri = uri.parse().expect("uri");
            assert_eq!(redacted(&uri), want);
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        #[rustfmt::skip]
        let cases: [(&[&str], Option<&str>); 6] = [
            (&[], None),
            (&["a=1"], None),
            (&["strata_session=abc"], Some("abc")),
            (&["a=1; strata_session=abc; b=2"], Some("abc")),
            (&["a=1", "strata_session=\"abc\""], Some("abc")),
            (&["strata_session="], None),
        ];
        for (values, want) in cases {
            let mut headers = axum::http::HeaderMap::new();
            for v in values {
                headers.append(axum::http::header::COOKIE, v.parse().expect("value"));
            }
            assert_eq!(cookie(&headers), want, "{values:?}");
        }
    }
}
