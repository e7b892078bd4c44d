//! [`ClientConfig`]: what the registry client needs to know, and where it
//! comes from in the environment.

use std::sync::Arc;

use crate::credentials::CredentialStore;

use super::error::RegistryError;
use super::transport::{AllowAll, DestinationPolicy, RetryPolicy};

/// The environment variable listing insecure registries, comma-separated.
pub const INSECURE_REGISTRIES_ENV: &str = "STRATA_INSECURE_REGISTRIES";
/// The environment variable overriding Docker Hub's registry URL.
pub const HUB_REGISTRY_ENV: &str = "STRATA_HUB_REGISTRY";

/// How a [`super::RegistryClient`] reaches registries.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `host[:port]` of registries reached over plain http, like dockerd's
    /// `insecure-registries`. Everything else is https.
    pub insecure_registries: Vec<String>,
    /// Base URL used for `docker.io` instead of `https://registry-1.docker.io`,
    /// exactly as given (http allowed).
    pub hub_registry: Option<String>,
    /// Where credentials come from.
    pub credentials: CredentialStore,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Which destinations may be contacted ([`AllowAll`] for the CLI).
    pub destination_policy: Arc<dyn DestinationPolicy>,
}

impl ClientConfig {
    /// Defaults: https everywhere, Docker Hub at its usual URL, the given
    /// credentials, `strata/VERSION`, default retries, any destination.
    pub fn new(credentials: CredentialStore) -> ClientConfig {
        ClientConfig {
            insecure_registries: Vec::new(),
            hub_registry: None,
            credentials,
            user_agent: format!("strata/{}", crate::VERSION),
            retry: RetryPolicy::default(),
            destination_policy: Arc::new(AllowAll),
        }
    }

    /// The configuration of the CLI: `insecure_flags` (from
    /// `--insecure-registry`) plus `STRATA_INSECURE_REGISTRIES`,
    /// `STRATA_HUB_REGISTRY`, and the Docker config's credentials
    /// (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`).
    pub fn from_env(insecure_flags: &[String]) -> Result<ClientConfig, RegistryError> {
        let credentials = CredentialStore::from_env()?;
        let mut config = ClientConfig::new(credentials);
        config.insecure_registries = merge_insecure(
            insecure_flags,
            std::env::var(INSECURE_REGISTRIES_ENV).ok().as_deref(),
        );
        config.hub_registry = std::env::var(HUB_REGISTRY_ENV)
            .ok()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        Ok(config)
    }
}

impl Default for ClientConfig {
    /// [`ClientConfig::new`] without credentials.
    fn default() -> Self {
        ClientConfig::new(CredentialStore::empty())
    }
}

/// The flags, then the comma-separated environment list; blanks and
/// repeats dropped.
fn merge_insecure(flags: &[String], env: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from_env = env.into_iter().flat_map(|v| v.split(','));
    for entry in flags.iter().map(String::as_str).chain(from_env) {
        let entry = entry.trim();
        if !entry.is_empty() && !out.iter().any(|e| e == entry) {
            out.push(entry.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_insecure_registries() {
        let flags = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        #[rustfmt::skip]
        let cases: Vec<(Vec<String>, Option<&str>, Vec<&str>)> = vec![
            (flags(&[]), None, vec![]),
            (flags(&["a:5000"]), None, vec!["a:5000"]),
            (flags(&[]), Some("a:5000, b ,,c"), vec!["a:5000", "b", "c"]),
            (flags(&["a:5000"]), Some("b,a:5000"), vec!["a:5000", "b"]),
            (flags(&[" "]), Some(" "), vec![]),
        ];
        for (flags, env, want) in cases {
            assert_eq!(merge_insecure(&flags, env), want, "{flags:?} {env:?}");
        }
    }
}
