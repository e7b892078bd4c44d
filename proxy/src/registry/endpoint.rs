//! Where a registry's API lives: from a reference's domain to a base URL.
//!
//! 1. `docker.io` → `https://registry-1.docker.io`, or the
//!    `STRATA_HUB_REGISTRY` URL used exactly as given (`http://` allowed,
//!    so tests can point Hub names at a loopback fixture).
//! 2. A domain listed as an insecure registry (`--insecure-registry
//!    HOST[:PORT]`, `STRATA_INSECURE_REGISTRIES`) → `http://DOMAIN`.
//! 3. Any other domain → `https://DOMAIN`. Plain http is never tried on
//!    its own, except for a loopback domain (`localhost`, `127.0.0.0/8`,
//!    `[::1]`, with any port): as Docker does, HTTPS is tried first and, if
//!    nothing answers it there, plain HTTP ([`is_loopback`], and the
//!    client's `registry`).
//!
//! Domains compare case-insensitively.

use url::Url;

use super::config::ClientConfig;
use super::error::RegistryError;

/// Docker Hub's domain in references.
const HUB_DOMAIN: &str = "docker.io";
/// Where Docker Hub's registry API is.
pub const HUB_REGISTRY: &str = "https://registry-1.docker.io";

/// A registry's base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    base: Url,
}

impl Endpoint {
    /// The endpoint of `domain` under `config` (see the module doc).
    pub(crate) fn resolve(domain: &str, config: &ClientConfig) -> Result<Endpoint, RegistryError> {
        let domain = domain.to_ascii_lowercase();
        let (base, source) = if domain == HUB_DOMAIN {
            match &config.hub_registry {
                Some(url) => (url.clone(), "STRATA_HUB_REGISTRY"),
                None => (HUB_REGISTRY.to_owned(), "the Docker Hub default"),
            }
        } else if config
            .insecure_registries
            .iter()
            .any(|r| normalize_insecure(r) == domain)
        {
            (format!("http://{domain}"), "the registry name")
        } else {
            (format!("https://{domain}"), "the registry name")
        };
        let base = Url::parse(&base).map_err(|e| RegistryError::InvalidConfig {
            message: format!("{base:?} (from {source}) is not a URL: {e}"),
        })?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(RegistryError::InvalidConfig {
                message: format!("{base} (from {source}) is not an http or https URL with a host"),
            });
        }
        Ok(Endpoint { base })
    }

    /// `base` + `path` (an absolute path such as `/v2/`, with any query).
    pub(crate) fn url(&self, path: &str) -> Result<Url, RegistryError> {
        self.base
            .join(path)
            .map_err(|e| RegistryError::InvalidConfig {
                message: format!("cannot build a URL from {} and {path:?}: {e}", self.base),
            })
    }

    /// The base URL.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// The same endpoint over plain http.
    pub(crate) fn plain_http(&self) -> Endpoint {
        let mut base = self.base.clone();
        // http and https are both special schemes: switching cannot fail.
        let _ = base.set_scheme("http");
        Endpoint { base }
    }
}

/// Whether `domain` (`HOST[:PORT]`) is this machine: `localhost`, an
/// address in `127.0.0.0/8`, or `[::1]`. Docker treats these registries as
/// insecure without being told.
pub(crate) fn is_loopback(domain: &str) -> bool {
    let host = match domain.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => domain.rsplit_once(':').map_or(domain, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host` (a name or IP, without port) is the host of an entry
/// listed as insecure (`host` or `host:port`): the hosts strata may send a
/// password to over plain HTTP.
pub(crate) fn listed_insecure_host(config: &ClientConfig, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    config.insecure_registries.iter().any(|entry| {
        let entry = normalize_insecure(entry);
        let entry_host = match entry.rsplit_once(':') {
            Some((h, port))
                if port.parse::<u16>().is_ok() && (!h.contains(':') || h.ends_with(']')) =>
            {
                h
            }
            _ => entry.as_str(),
        };
        entry_host.trim_start_matches('[').trim_end_matches(']') == host.to_ascii_lowercase()
    })
}

/// An insecure-registry entry as a domain: lower case, with any `http://`
/// or `https://` and trailing `/` dropped.
pub(crate) fn normalize_insecure(entry: &str) -> String {
    let entry = entry.trim();
    let entry = entry
        .strip_prefix("http://")
        .or_else(|| entry.strip_prefix("https://"))
        .unwrap_or(entry);
    entry.trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::CredentialStore;

    fn config(insecure: &[&str], hub: Option<&str>) -> ClientConfig {
        ClientConfig {
            insecure_registries: insecure.iter().map(|s| s.to_string()).collect(),
            hub_registry: hub.map(str::to_owned),
            ..ClientConfig::new(CredentialStore::empty())
        }
    }

    #[test]
    fn loopback_domains() {
        for d in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "LOCALHOST:1",
        ] {
            assert!(is_loopback(d), "{d}");
        }
        for d in [
            "registry.example",
            "10.0.0.1:5000",
            "localhost.example:5000",
            "[::2]:5000",
            "docker.io",
        ] {
            assert!(!is_loopback(d), "{d}");
        }
        let https = Endpoint::resolve("127.0.0.1:5000", &config(&[], None)).expect("endpoint");
        assert_eq!(https.base().as_str(), "https://127.0.0.1:5000/");
        assert_eq!(https.plain_http().base().as_str(), "http://127.0.0.1:5000/");
    }

    #[test]
    fn resolves_base_urls() {
        #[rustfmt::skip]
        let cases = [
            ("docker.io", config(&[], None), "https://registry-1.docker.io/"),
            ("docker.io", config(&[], Some("http://127.0.0.1:5000")), "http://127.0.0.1:5000/"),
            ("docker.io", config(&["docker.io"], None), "https://registry-1.docker.io/"),
            ("ghcr.io", config(&[], None), "https://ghcr.io/"),
            ("localhost:5000", config(&[], None), "https://localhost:5000/"),
            ("localhost:5000", config(&["localhost:5000"], None), "http://localhost:5000/"),
            ("LocalHost:5000", config(&["http://localhost:5000/"], None), "http://localhost:5000/"),
            ("localhost:5001", config(&["localhost:5000"], None), "https://localhost:5001/"),
            ("127.0.0.1:41234", config(&[" 127.0.0.1:41234 "], None), "http://127.0.0.1:41234/"),
            ("[::1]:5000", config(&["[::1]:5000"], None), "http://[::1]:5000/"),
        ];
        for (domain, config, want) in cases {
            let endpoint =
                Endpoint::resolve(domain, &config).unwrap_or_else(|e| panic!("{domain}: {e}"));
            assert_eq!(endpoint.base().as_str(), want, "{domain}");
        }
    }

    #[test]
    fn rejects_bad_hub_overrides() {
        for hub in ["not a url", "ftp://x", "file:///tmp"] {
            let err = Endpoint::resolve("docker.io", &config(&[], Some(hub)));
            assert!(
                matches!(&err, Err(RegistryError::InvalidConfig { message }) if message.contains("STRATA_HUB_REGISTRY")),
                "{hub}: {err:?}"
            );
        }
    }
}
