//! Bearer tokens (the Docker token auth spec): scopes, fetching a token
//! from a challenge's realm, and the cache.
//!
//! A token is fetched with `GET realm?service=S&scope=SCOPE`, sending the
//! user name and password as HTTP Basic when there are any (anonymously
//! otherwise, as Docker Hub allows for public images). An identity token
//! is exchanged with the OAuth2 form `POST realm` (`grant_type=refresh_token`)
//! instead. The answer is `{"token" | "access_token", "expires_in",
//! "issued_at"}`; `expires_in` defaults to, and is at least, 60 seconds.
//!
//! Credentials (a password or an identity token) go to an `http://` realm
//! only when its host is listed as insecure; otherwise the fetch is refused
//! before anything is sent.
//!
//! Tokens are cached per (registry, scope), where a scope names the
//! repository and actions (`repository:library/redis:pull`), until shortly
//! before they expire. One fetch runs per key at a time: concurrent
//! requests for the same repository wait for it instead of fetching their
//! own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::credentials::{Credential, Secret};

use super::challenge::BearerChallenge;
use super::transport::{Body, Transport, TransportError};

/// The shortest lifetime the spec allows, and the default.
const MIN_EXPIRES_IN: Duration = Duration::from_secs(60);
/// The `client_id` sent with OAuth2 requests.
const CLIENT_ID: &str = "strata";
/// Token responses larger than this are refused.
const TOKEN_RESPONSE_LIMIT: usize = 1 << 20;

/// What a token is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    /// `repository:PATH:pull`.
    Pull(String),
    /// `registry:catalog:*`.
    Catalog,
    /// No scope: only checks the credentials (login).
    Login,
}

impl Scope {
    /// The `scope` parameter, if any.
    pub(crate) fn param(&self) -> Option<String> {
        match self {
            Scope::Pull(path) => Some(format!("repository:{path}:pull")),
            Scope::Catalog => Some("registry:catalog:*".to_owned()),
            Scope::Login => None,
        }
    }
}

/// A bearer token and when to stop using it.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    value: Secret,
    valid_until: Instant,
}

impl Token {
    /// The `Authorization` header value, marked sensitive.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.value.expose())).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// Why no token came back.
#[derive(Debug)]
pub(crate) enum TokenError {
    /// The realm is not a usable URL.
    BadRealm(String),
    /// The request did not get an answer.
    Transport(TransportError),
    /// The token service answered an error status.
    Status { status: StatusCode, message: String },
    /// The answer is not a token.
    Invalid(String),
}

/// The most scopes (repositories) whose tokens one registry's cache
/// keeps: `/v2` lets clients name any number of repositories, and each
/// would otherwise keep a slot for good.
pub(crate) const MAX_TOKEN_SLOTS: usize = 1024;

type Slot = Arc<tokio::sync::Mutex<Option<Token>>>;

/// Cached tokens of one registry, by scope; at most [`MAX_TOKEN_SLOTS`].
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<Scope, Slot>>,
}

impl TokenCache {
    /// The slot for `scope`. When the cache is full, slots nobody uses
    /// are dropped, those with expired (or no) tokens first; if every
    /// slot is in use, the token is fetched into a slot not kept.
    fn slot(&self, scope: &Scope) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(scope) {
            return slot.clone();
        }
        if slots.len() >= MAX_TOKEN_SLOTS {
            let now = Instant::now();
            let in_use = |slot: &Slot| Arc::strong_count(slot) > 1;
            slots.retain(|_, slot| {
                in_use(slot)
                    || slot
                        .try_lock()
                        .is_ok_and(|t| t.as_ref().is_some_and(|t| now < t.valid_until))
            });
            if slots.len() >= MAX_TOKEN_SLOTS {
                slots.retain(|_, slot| in_use(slot));
            }
            if slots.len() >= MAX_TOKEN_SLOTS {
                return Slot::default();
            }
        }
        slots.entry(scope.clone()).or_default().clone()
    }

    /// How many scopes have a slot.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The cached token for `scope`, or a new one from `fetch`. With
    /// `refresh`, the cached token (which the registry just refused) is
    /// replaced.
    pub(crate) async fn get<F, Fut>(
        &self,
        scope: &Scope,
        refresh: bool,
        fetch: F,
    ) -> Result<Token, TokenError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, TokenError>>,
    {
        let slot = self.slot(scope);
        let mut cached = slot.lock().await;
        if !refresh
            && let Some(token) = cached.as_ref()
            && Instant::now() < token.valid_until
        {
            return Ok(token.clone());
        }
        let token = fetch().await?;
        *cached = Some(token.clone());
        Ok(token)
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// Fetches a token for `scope` from the challenge's realm.
pub(crate) async fn fetch(
    transport: &Transport,
    challenge: &BearerChallenge,
    scope: &Scope,
    credential: Option<&Credential>,
    insecure_host: impl Fn(&str) -> bool,
) -> Result<Token, TokenError> {
    let mut url = Url::parse(&challenge.realm)
        .map_err(|e| TokenError::BadRealm(format!("{:?}: {e}", challenge.realm)))?;
    let plain_http = url.scheme() == "http" && !url.host_str().is_some_and(&insecure_host);
    if plain_http && credential.is_some() {
        let host = url.host_str().unwrap_or_default().to_owned();
        return Err(TokenError::Transport(TransportError::Refused {
            url,
            reason: format!(
                "strata does not send credentials to a token service over plain http; if {host} is yours, list it with --insecure-registry {host} (also STRATA_INSECURE_REGISTRIES)"
            ),
        }));
    }
    let started = Instant::now();
    let headers = HeaderMap::new();
    let response = match credential {
        Some(Credential::IdentityToken { token, .. }) => {
            // Built in its own block: the serializer is not Send and must
            // not live across the await below.
            let encoded = {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.append_pair("grant_type", "refresh_token");
                form.append_pair("refresh_token", token.expose());
                form.append_pair("client_id", CLIENT_ID);
                if let Some(service) = &challenge.service {
                    form.append_pair("service", service);
                }
                if let Some(scope) = scope.param() {
                    form.append_pair("scope", &scope);
                }
                form.finish()
            };
            let body = Body {
                content_type: "application/x-www-form-urlencoded",
                bytes: Bytes::from(encoded),
            };
            // `send` refuses to re-post the body to another origin on a
            // 307 or 308, so the refresh token stays with this realm.
            transport
                .send(Method::POST, url, &headers, None, Some(&body))
                .await
        }
        credential => {
            {
                let mut query = url.query_pairs_mut();
                if let Some(service) = &challenge.service {
                    query.append_pair("service", service);
                }
                if let Some(scope) = scope.param() {
                    query.append_pair("scope", &scope);
                }
                if *scope == Scope::Login {
                    query.append_pair("client_id", CLIENT_ID);
                }
            }
            let auth = match credential {
                Some(Credential::Password { username, password }) => {
                    basic_header(username, password)
                }
                _ => None,
            };
            transport
                .send(Method::GET, url, &headers, auth.as_ref(), None)
                .await
        }
    }
    .map_err(TokenError::Transport)?;

    let status = response.status();
    let body = read_limited(response).await?;
    if !status.is_success() {
        return Err(TokenError::Status {
            status,
            message: super::error::registry_message(&body, status),
        });
    }
    let parsed: TokenResponse =
        serde_json::from_slice(&body).map_err(|e| TokenError::Invalid(e.to_string()))?;
    let value = parsed
        .token
        .filter(|t| !t.is_empty())
        .or(parsed.access_token.filter(|t| !t.is_empty()))
        .ok_or_else(|| {
            TokenError::Invalid("neither \"token\" nor \"access_token\" is set".into())
        })?;
    let lifetime = parsed
        .expires_in
        .map(Duration::from_secs)
        .unwrap_or(MIN_EXPIRES_IN)
        .max(MIN_EXPIRES_IN);
    Ok(Token {
        value: Secret::new(value),
        valid_until: started + usable_for(lifetime),
    })
}

/// How long a token of `lifetime` is used: a tenth (at least 5 s, at most
/// 30 s) is kept as a margin for clock skew and slow requests.
fn usable_for(lifetime: Duration) -> Duration {
    let margin = (lifetime / 10).clamp(Duration::from_secs(5), Duration::from_secs(30));
    lifetime.saturating_sub(margin)
}

/// `Basic base64(user:password)`, marked sensitive.
pub(crate) fn basic_header(username: &str, password: &Secret) -> Option<HeaderValue> {
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(format!("{username}:{}", password.expose()));
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, TokenError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TokenError::Invalid(super::transport::error_chain(&e)))?
    {
        if body.len() + chunk.len() > TOKEN_RESPONSE_LIMIT {
            return Err(TokenError::Invalid(format!(
                "the answer is larger than {TOKEN_RESPONSE_LIMIT} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_cache_keeps_at_most_its_bound_of_scopes() {
        let cache = TokenCache::default();
        let token = |valid: u64| Token {
            value: Secret::new("t".to_owned()),
            valid_until: Instant::now() + std::time::Duration::from_secs(valid),
        };
        for n in 0..MAX_TOKEN_SLOTS * 3 {
            let scope = Scope::Pull(format!("repo{n}"));
            let got = cache
                .get(&scope, false, || async {
                    Ok(token(if n % 2 == 0 { 0 } else { 600 }))
                })
                .await
                .expect("token");
            assert_eq!(got.header(), token(1).header());
            assert!(cache.len() <= MAX_TOKEN_SLOTS, "{} slots", cache.len());
        }
        // A slot in use stays; the next scope gets one not kept.
        let held = cache.slot(&Scope::Pull("repo1".to_owned()));
        let _guard = held.lock().await;
        let fresh = cache.get(&Scope::Catalog, false, || async { Ok(token(600)) });
        assert!(fresh.await.is_ok());
        assert!(cache.len() <= MAX_TOKEN_SLOTS);
    }

    #[test]
    fn scopes() {
        #[rustfmt::skip]
        let cases = [
            (Scope::Pull("library/redis".into()), Some("repository:library/redis:pull")),
            (Scope::Pull("a/b/c".into()), Some("repository:a/b/c:pull")),
            (Scope::Catalog, Some("registry:catalog:*")),
            (Scope::Login, None),
        ];
        for (scope, want) in cases {
            assert_eq!(scope.param().as_deref(), want, "{scope:?}");
        }
    }

    #[test]
    fn lifetimes_keep_a_margin() {
        #[rustfmt::skip]
        let cases = [(60, 54), (300, 270), (3600, 3570), (20, 15)];
        for (lifetime, usable) in cases {
            assert_eq!(
                usable_for(Duration::from_secs(lifetime)),
                Duration::from_secs(usable),
                "{lifetime}"
            );
        }
    }

    #[test]
    fn headers_are_sensitive() {
        let basic = basic_header("u", &Secret::new("p")).expect("header");
        assert_eq!(basic, "Basic dTpw");
        assert!(basic.is_sensitive());
        let token = Token {
            value: Secret::new("abc"),
            valid_until: Instant::now(),
        };
        let header = token.header().expect("header");
        assert!(header.is_sensitive());
        assert!(!format!("{token:?}").contains("abc"));
    }

    #[tokio::test]
    async fn cache_fetches_once_per_scope_until_refresh() {
        let cache = TokenCache::default();
        let fetches = std::sync::atomic::AtomicU32::new(0);
        let fetch = || async {
            fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Token {
                value: Secret::new("t"),
                valid_until: Instant::now() + Duration::from_secs(60),
            })
        };
        let a = Scope::Pull("a".into());
        let b = Scope::Pull("b".into());
        #[rustfmt::skip]
        let steps = [(&a, false, 1), (&a, false, 1), (&b, false, 2), (&a, true, 3), (&a, false, 3)];
        for (scope, refresh, total) in steps {
            cache.get(scope, refresh, fetch).await.expect("token");
            assert_eq!(
                fetches.load(std::sync::atomic::Ordering::SeqCst),
                total,
                "{scope:?} {refresh}"
            );
        }
    }
}
