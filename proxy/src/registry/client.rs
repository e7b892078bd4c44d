//! [`RegistryClient`]: per-registry state (endpoint, ping, credentials,
//! tokens) and the one authenticated request path every operation uses.
//!
//! A request to a registry goes:
//!
//! 1. ping `GET /v2/` once per registry (cached): 200 means no auth, 401
//!    carries the `WWW-Authenticate` challenge ([`super::challenge`]);
//! 2. if it asks for auth, its credentials are looked up once (cached);
//! 3. the request is sent with `Authorization`: Basic with the password,
//!    or a bearer token for the request's scope ([`super::token`]);
//!    nothing when the registry is open or no credentials fit. Auth goes
//!    only to the registry's own origin (a `Link` to another host gets
//!    none; redirects drop it too, see [`super::transport`]);
//! 4. on 401 the response's own challenge is answered once more, with a
//!    fresh token; a second 401 is the caller's `Unauthorized`.
//!
//! Challenges are taken only from the registry's own origin, judged by the
//! URL that answered (after redirects): a storage host a blob redirects to,
//! or a `/v2/` that redirects elsewhere, cannot name the realm that
//! strata's credentials then go to.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use shared::reference::Reference;
use url::Url;

use crate::credentials::Credential;

use super::challenge::Challenge;
use super::config::ClientConfig;
use super::endpoint::Endpoint;
use super::error::{self, RegistryError};
use super::rate_limits::RateLimits;
use super::token::{self, Scope, TokenCache, TokenError};
use super::transport::{Probe, Transport, TransportError};

/// A client for the OCI distribution API of any number of registries.
///
/// Cheap to clone (an `Arc` inside) and shared across tasks: pings,
/// credentials and tokens are cached per registry for its lifetime.
#[derive(Clone)]
pub struct RegistryClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    transport: Transport,
    registries: Mutex<HashMap<String, Arc<Registry>>>,
    rate_limits: RateLimits,
}

/// What the client knows about one registry.
pub(crate) struct Registry {
    /// The domain as references name it (lower case): `docker.io`.
    pub(crate) name: String,
    /// Where its API is.
    pub(crate) endpoint: Endpoint,
    /// The ping's answer: `Some(None)` for an open registry.
    challenge: tokio::sync::Mutex<Option<Option<Challenge>>>,
    credential: tokio::sync::OnceCell<Option<Credential>>,
    tokens: TokenCache,
}

impl Registry {
    /// A registry this client has not talked to yet.
    fn new(name: String, endpoint: Endpoint) -> Registry {
        Registry {
            name,
            endpoint,
            challenge: tokio::sync::Mutex::new(None),
            credential: tokio::sync::OnceCell::new(),
            tokens: TokenCache::default(),
        }
    }
}

/// One request to a registry.
pub(crate) struct Call<'a> {
    /// `GET` or `HEAD`.
    pub(crate) method: Method,
    /// The URL, on the registry's origin (or a `Link` elsewhere).
    pub(crate) url: Url,
    /// Headers other than `Authorization`.
    pub(crate) headers: HeaderMap,
    /// What a token must grant.
    pub(crate) scope: Scope,
    /// What is asked for, for messages.
    pub(crate) what: &'a str,
}

/// A response, and whether credentials went with the request.
pub(crate) struct Answer {
    pub(crate) response: Response,
    pub(crate) had_credentials: bool,
}

impl Answer {
    /// The response if it succeeded, else the registry's own error about
    /// `what`.
    pub(crate) async fn success(
        self,
        registry: &Registry,
        what: &str,
    ) -> Result<Response, RegistryError> {
        if self.response.status().is_success() {
            return Ok(self.response);
        }
        Err(error::from_response(self.response, &registry.name, what, self.had_credentials).await)
    }
}

impl RegistryClient {
    /// A client with `config`.
    pub fn new(config: ClientConfig) -> Result<RegistryClient, RegistryError> {
        let transport = Transport::new(
            &config.user_agent,
            config.destination_policy.clone(),
            config.retry.clone(),
        )
        .map_err(|e| RegistryError::InvalidConfig {
            message: format!(
                "cannot build the HTTP client: {}",
                super::transport::error_chain(&e)
            ),
        })?;
        Ok(RegistryClient {
            inner: Arc::new(Inner {
                config,
                transport,
                registries: Mutex::new(HashMap::new()),
                rate_limits: RateLimits::default(),
            }),
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The latest rate limit each registry announced (`ratelimit-remaining`
    /// and `ratelimit-limit` on any response), by registry name.
    pub fn rate_limits(&self) -> Vec<shared::api::RateLimit> {
        self.inner.rate_limits.all()
    }

    /// The state of the registry `domain`, made on first use.
    pub(crate) async fn registry(&self, domain: &str) -> Result<Arc<Registry>, RegistryError> {
        let name = domain.to_ascii_lowercase();
        if let Some(registry) = self.known_registry(&name) {
            return Ok(registry);
        }
        let mut endpoint = Endpoint::resolve(&name, &self.inner.config)?;
        // Docker treats loopback registries as insecure: HTTPS first, then
        // plain HTTP when nothing answers HTTPS there. A certificate that is
        // not trusted is accepted there (a self-signed test registry), as
        // Docker does: traffic that plain HTTP would carry anyway. When
        // neither answers (the registry is down), nothing is remembered and
        // the next request asks again.
        if endpoint.base().scheme() == "https" && super::endpoint::is_loopback(&name) {
            let https = self.inner.transport.probe(&endpoint.url("/v2/")?).await;
            if https == Probe::CertificateRejected {
                tracing::warn!(registry = %name, "the loopback registry's certificate is not trusted; using HTTPS without checking it, as Docker does for loopback registries");
                self.inner
                    .transport
                    .accept_untrusted_certificate(endpoint.base());
            }
            if https == Probe::Failed {
                let http = endpoint.plain_http();
                let answered = self.inner.transport.probe(&http.url("/v2/")?).await;
                if answered != Probe::Answered {
                    return Ok(Arc::new(Registry::new(name, http)));
                }
                endpoint = http;
            }
        }
        let mut registries = self
            .inner
            .registries
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !registries.contains_key(&name) {
            super::registries::make_room(&mut registries);
        }
        let registry = registries
            .entry(name.clone())
            .or_insert_with(|| Arc::new(Registry::new(name, endpoint)));
        Ok(registry.clone())
    }

    /// The registry `name` if this client has talked to it already.
    fn known_registry(&self, name: &str) -> Option<Arc<Registry>> {
        self.inner
            .registries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// Sends `call` like [`execute`](Self::execute), for a request whose
    /// 404 means "no such thing": `None` on 404, the response on success,
    /// the registry's own error otherwise.
    pub(crate) async fn execute_found(
        &self,
        registry: &Registry,
        call: Call<'_>,
    ) -> Result<Option<Response>, RegistryError> {
        let what = call.what;
        let answer = self.execute(registry, call).await?;
        if answer.response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        answer.success(registry, what).await.map(Some)
    }

    /// Sends `call` like [`execute`](Self::execute): the response on
    /// success, the registry's own error otherwise.
    pub(crate) async fn execute_ok(
        &self,
        registry: &Registry,
        call: Call<'_>,
    ) -> Result<Response, RegistryError> {
        let what = call.what;
        self.execute(registry, call)
            .await?
            .success(registry, what)
            .await
    }

    /// Sends `call` with authentication, answering one 401 challenge.
    pub(crate) async fn execute(
        &self,
        registry: &Registry,
        call: Call<'_>,
    ) -> Result<Answer, RegistryError> {
        let challenge = self.challenge(registry).await?;
        // Credentials are looked up only for a registry that asks for auth,
        // so a broken credential helper cannot break open registries.
        let credential = match challenge {
            Some(_) => self.credential(registry).await?,
            None => None,
        };
        let same_origin = call.url.origin() == registry.endpoint.base().origin();
        let auth = if same_origin {
            self.authorization(
                registry,
                challenge.as_ref(),
                &call,
                credential.as_ref(),
                false,
            )
            .await?
        } else {
            None
        };
        let response = self.send(registry, &call, auth.as_ref()).await?;
        // A 401 counts only from the registry's own origin: decided by the
        // URL that answered, since a redirect target (a storage host) must
        // not get to name the realm strata sends the credentials to.
        let answered_by_registry = response.url().origin() == registry.endpoint.base().origin();
        if response.status() != StatusCode::UNAUTHORIZED || !same_origin || !answered_by_registry {
            return Ok(Answer {
                response,
                had_credentials: auth.is_some() && credential.is_some(),
            });
        }

        let fresh = Challenge::from_headers(response.headers()).or(challenge);
        if let Some(fresh) = &fresh {
            *registry.challenge.lock().await = Some(Some(fresh.clone()));
        }
        let credential = self.credential(registry).await?;
        let retry = self
            .authorization(registry, fresh.as_ref(), &call, credential.as_ref(), true)
            .await?;
        match retry {
            Some(retry) if Some(&retry) != auth.as_ref() => {
                tracing::debug!(registry = %registry.name, what = call.what, "401; retrying with fresh authorization");
                let response = self.send(registry, &call, Some(&retry)).await?;
                Ok(Answer {
                    response,
                    had_credentials: credential.is_some(),
                })
            }
            _ => Ok(Answer {
                response,
                had_credentials: auth.is_some() && credential.is_some(),
            }),
        }
    }

    /// The registry's challenge, pinging `/v2/` the first time.
    async fn challenge(&self, registry: &Registry) -> Result<Option<Challenge>, RegistryError> {
        let mut known = registry.challenge.lock().await;
        if let Some(challenge) = known.as_ref() {
            return Ok(challenge.clone());
        }
        let challenge = self.ping(registry).await?;
        *known = Some(challenge.clone());
        Ok(challenge)
    }

    /// `GET /v2/`: `None` for an open registry, else its challenge.
    pub(crate) async fn ping(
        &self,
        registry: &Registry,
    ) -> Result<Option<Challenge>, RegistryError> {
        let url = registry.endpoint.url("/v2/")?;
        let what = "the registry API (/v2/)";
        let call = Call {
            method: Method::GET,
            url,
            headers: HeaderMap::new(),
            scope: Scope::Login,
            what,
        };
        let response = self.send(registry, &call, None).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(None);
        }
        if status == StatusCode::UNAUTHORIZED
            && response.url().origin() != registry.endpoint.base().origin()
        {
            return Err(RegistryError::InvalidResponse {
                registry: registry.name.clone(),
                what: what.to_owned(),
                message: format!(
                    "it redirected to {}, which asked for credentials; strata answers challenges only from the registry's own address",
                    response.url().origin().ascii_serialization()
                ),
            });
        }
        if status == StatusCode::UNAUTHORIZED {
            return match Challenge::from_headers(response.headers()) {
                Some(challenge) => {
                    tracing::debug!(registry = %registry.name, ?challenge, "registry requires auth");
                    Ok(Some(challenge))
                }
                None => Err(RegistryError::InvalidResponse {
                    registry: registry.name.clone(),
                    what: what.to_owned(),
                    message: "401 without a Basic or Bearer WWW-Authenticate challenge".into(),
                }),
            };
        }
        Err(error::from_response(response, &registry.name, what, false).await)
    }

    /// The credentials for the registry, looked up once.
    async fn credential(&self, registry: &Registry) -> Result<Option<Credential>, RegistryError> {
        registry
            .credential
            .get_or_try_init(|| async {
                let store = self.inner.config.credentials.clone();
                let name = registry.name.clone();
                tokio::task::spawn_blocking(move || store.get(&name))
                    .await
                    .map_err(|e| RegistryError::InvalidConfig {
                        message: format!(
                            "the credential lookup for {} did not finish: {e}",
                            registry.name
                        ),
                    })?
                    .map_err(RegistryError::from)
            })
            .await
            .cloned()
    }

    /// The `Authorization` for `call` under `challenge`, if any applies.
    pub(crate) async fn authorization(
        &self,
        registry: &Registry,
        challenge: Option<&Challenge>,
        call: &Call<'_>,
        credential: Option<&Credential>,
        refresh: bool,
    ) -> Result<Option<HeaderValue>, RegistryError> {
        match challenge {
            None => Ok(None),
            Some(Challenge::Basic { .. }) => Ok(match credential {
                Some(Credential::Password { username, password }) => {
                    token::basic_header(username, password)
                }
                _ => None,
            }),
            Some(Challenge::Bearer(bearer)) => {
                let token = registry
                    .tokens
                    .get(&call.scope, refresh, || {
                        token::fetch(
                            &self.inner.transport,
                            bearer,
                            &call.scope,
                            credential,
                            |host| super::endpoint::listed_insecure_host(&self.inner.config, host),
                        )
                    })
                    .await
                    .map_err(|e| self.token_error(registry, e, call.what, credential.is_some()))?;
                Ok(token.header())
            }
        }
    }

    /// Sends without auth handling; maps transport failures.
    async fn send(
        &self,
        registry: &Registry,
        call: &Call<'_>,
        auth: Option<&HeaderValue>,
    ) -> Result<Response, RegistryError> {
        self.inner
            .transport
            .send(
                call.method.clone(),
                call.url.clone(),
                &call.headers,
                auth,
                None,
            )
            .await
            .map_err(|e| transport_error(&registry.name, e))
            .inspect(|response| {
                self.inner
                    .rate_limits
                    .observe(&registry.name, response.headers())
            })
    }

    pub(crate) fn token_error(
        &self,
        registry: &Registry,
        error: TokenError,
        what: &str,
        had_credentials: bool,
    ) -> RegistryError {
        match error {
            TokenError::BadRealm(message) => RegistryError::InvalidResponse {
                registry: registry.name.clone(),
                what: "its token challenge".into(),
                message: format!("invalid realm {message}"),
            },
            TokenError::Transport(e) => transport_error(&registry.name, e),
            TokenError::Status { status, message } => error::for_status(
                status,
                &registry.name,
                what,
                format!("its token service says: {message}"),
                had_credentials,
                None,
            ),
            TokenError::Invalid(message) => RegistryError::InvalidResponse {
                registry: registry.name.clone(),
                what: format!("a token for {what}"),
                message,
            },
        }
    }

    /// The transport, for operations that send their own requests.
    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }
}

/// `manifest docker.io/library/redis:7`, `…@sha256:…`.
pub(crate) fn describe_manifest(reference: &Reference) -> String {
    let name = reference.canonical_name();
    match reference.manifest_reference() {
        shared::reference::TagOrDigest::Tag(tag) => format!("manifest {name}:{tag}"),
        shared::reference::TagOrDigest::Digest(digest) => format!("manifest {name}@{digest}"),
    }
}

pub(crate) fn transport_error(registry: &str, error: TransportError) -> RegistryError {
    match error {
        TransportError::Refused { url, reason } => RegistryError::Refused {
            url: url.to_string(),
            reason,
        },
        TransportError::Connect { url, reason } => RegistryError::Unreachable {
            registry: registry.to_owned(),
            url: url.to_string(),
            reason,
        },
        TransportError::Redirect { url, message } => RegistryError::InvalidResponse {
            registry: registry.to_owned(),
            what: url.to_string(),
            message,
        },
    }
}

impl fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registries: Vec<String> = self
            .inner
            .registries
            .lock()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("RegistryClient")
            .field("config", &self.inner.config)
            .field("registries", &registries)
            .finish()
    }
}
