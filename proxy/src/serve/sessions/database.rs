//! [`SharedSessions`]: sign-in codes and sessions in the PostgreSQL
//! database (`--database`, tables `sign_in_codes` and `sessions`), so that
//! every `strata serve` replica on it knows them: a code minted by one
//! replica signs in on another, once; a session opened on one is valid on
//! all, and signing out on one ends it everywhere.
//!
//! As in memory, only SHA-256 hashes of codes and session ids are kept
//! (the CSRF token is kept as it is: it is only good with its session).
//! A session found valid is remembered by the replica for
//! [`FOUND_FOR`], so a page's requests do not each ask the database; a
//! sign-out on another replica therefore takes up to that long to reach
//! this one. Calls run on a connection of their own ([`DbWorker`]): they
//! come from the async handlers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::Session;
use crate::store::StoreError;
use crate::store::metadata::DbWorker;

/// How long a replica trusts a session it found in the database without
/// asking again.
pub const FOUND_FOR: Duration = Duration::from_secs(5);

/// The codes and sessions in the database.
#[derive(Debug)]
pub struct SharedSessions {
    worker: DbWorker,
    /// Hash of a session id → the session, and when it was found.
    found: Mutex<HashMap<String, (Session, Instant)>>,
}

impl SharedSessions {
    /// Sessions in the database at `url`. Connects at first use.
    pub fn new(url: &str) -> Result<SharedSessions, StoreError> {
        Ok(SharedSessions {
            worker: DbWorker::for_url(url, "strata sessions")?,
            found: Mutex::new(HashMap::new()),
        })
    }

    /// Keeps the code whose hash is `key`, valid for `lifetime`.
    pub fn add_code(&self, key: String, lifetime: Duration) -> Result<(), StoreError> {
        let expires = expiry(lifetime);
        self.worker.run(move |c| {
            let now = expiry(Duration::ZERO);
            c.execute("DELETE FROM sign_in_codes WHERE expires_ms <= $1", &[&now])?;
            c.execute(
                "INSERT INTO sign_in_codes (key, expires_ms) VALUES ($1, $2)",
                &[&key, &expires],
            )
            .map(drop)
        })
    }

    /// Uses up the code whose hash is `key`: whether it was there and had
    /// not expired. One statement, so two replicas cannot both use it.
    pub fn take_code(&self, key: String) -> Result<bool, StoreError> {
        self.worker.run(move |c| {
            let now = expiry(Duration::ZERO);
            let taken = c.query_opt(
                "DELETE FROM sign_in_codes WHERE key = $1 RETURNING expires_ms",
                &[&key],
            )?;
            Ok(taken.is_some_and(|row| row.get::<_, i64>(0) > now))
        })
    }

    /// Keeps `session` (its id hashed to `key`), valid for `lifetime`.
    pub fn add_session(
        &self,
        key: String,
        session: &Session,
        lifetime: Duration,
    ) -> Result<(), StoreError> {
        let (csrf, expires) = (session.csrf.clone(), expiry(lifetime));
        self.worker.run(move |c| {
            let now = expiry(Duration::ZERO);
            c.execute("DELETE FROM sessions WHERE expires_ms <= $1", &[&now])?;
            c.execute(
                "INSERT INTO sessions (key, csrf, expires_ms) VALUES ($1, $2, $3)",
                &[&key, &csrf, &expires],
            )
            .map(drop)
        })
    }

    /// The unexpired session whose id is `id` (hashed to `key`).
    pub fn session(&self, key: String, id: &str) -> Result<Option<Session>, StoreError> {
        if let Some((session, at)) = self.found().get(&key)
            && at.elapsed() < FOUND_FOR
        {
            return Ok(Some(session.clone()));
        }
        let lookup = key.clone();
        let csrf: Option<String> = self.worker.run(move |c| {
            let now = expiry(Duration::ZERO);
            Ok(c.query_opt(
                "SELECT csrf FROM sessions WHERE key = $1 AND expires_ms > $2",
                &[&lookup, &now],
            )?
            .map(|row| row.get(0)))
        })?;
        let mut found = self.found();
        found.retain(|_, (_, at)| at.elapsed() < FOUND_FOR);
        let session = csrf.map(|csrf| Session {
            id: id.to_owned(),
            csrf,
        });
        match &session {
            Some(session) => found.insert(key, (session.clone(), Instant::now())),
            None => found.remove(&key),
        };
        Ok(session)
    }

    /// Ends the session hashed to `key`; whether there was one.
    pub fn remove_session(&self, key: String) -> Result<bool, StoreError> {
        self.found().remove(&key);
        self.worker
            .run(move |c| Ok(c.execute("DELETE FROM sessions WHERE key = $1", &[&key])? > 0))
    }

    fn found(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Session, Instant)>> {
        self.found.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Unix milliseconds `lifetime` from now.
fn expiry(lifetime: Duration) -> i64 {
    let at = SystemTime::now() + lifetime;
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
