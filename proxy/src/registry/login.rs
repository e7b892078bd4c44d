//! Checking credentials before `strata login` saves them, as `docker
//! login` does.
//!
//! Ping the registry; then, for Basic auth, `GET /v2/` with the
//! credentials; for token auth, ask the token service for a token with no
//! scope. An open registry accepts anything.

use reqwest::Method;
use reqwest::header::HeaderMap;

use crate::credentials::{Credential, normalize_registry};

use super::challenge::Challenge;
use super::client::{RegistryClient, transport_error};
use super::error::{self, RegistryError};
use super::token::{self, Scope};

impl RegistryClient {
    /// Whether the registry `registry` (`docker.io`, `host:5000`, or a URL
    /// a user typed) accepts `credential`. `Ok` for an open registry.
    pub async fn check_login(
        &self,
        registry: &str,
        credential: &Credential,
    ) -> Result<(), RegistryError> {
        let registry = self.registry(&normalize_registry(registry)).await?;
        let what = "login";
        match self.ping(&registry).await? {
            None => Ok(()),
            Some(Challenge::Basic { .. }) => {
                let auth = match credential {
                    Credential::Password { username, password } => {
                        token::basic_header(username, password)
                    }
                    Credential::IdentityToken { .. } => None,
                };
                let url = registry.endpoint.url("/v2/")?;
                let response = self
                    .transport()
                    .send(Method::GET, url, &HeaderMap::new(), auth.as_ref(), None)
                    .await
                    .map_err(|e| transport_error(&registry.name, e))?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(error::from_response(response, &registry.name, what, true).await)
                }
            }
            Some(Challenge::Bearer(bearer)) => {
                let insecure =
                    |host: &str| super::endpoint::listed_insecure_host(self.config(), host);
                token::fetch(
                    self.transport(),
                    &bearer,
                    &Scope::Login,
                    Some(credential),
                    insecure,
                )
                .await
                .map(|_| ())
                .map_err(|e| self.token_error(&registry, e, what, true))
            }
        }
    }
}
