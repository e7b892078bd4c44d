//! Registry names as the Docker config spells them.
//!
//! `docker login` keys Docker Hub as `https://index.docker.io/v1/` and
//! every other registry as its `host[:port]`. Older clients and hand-edited
//! files also use URLs (`https://host:5000`, `http://host/v2/`), so a key is
//! compared by its host name, the way Docker's `ConvertToHostname` does:
//! drop `scheme://`, then everything from the first `/`. Case is ignored.

/// The key Docker writes for Docker Hub.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

/// Host names that all mean Docker Hub.
const HUB_HOSTS: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// Normalises what a user typed for a registry (`docker.io`,
/// `https://index.docker.io/v1/`, `Localhost:5000`) to the host name strata
/// uses: lower case, no scheme or path, and `docker.io` for every Hub alias.
pub fn normalize_registry(input: &str) -> String {
    let host = hostname(input.trim()).to_ascii_lowercase();
    if HUB_HOSTS.contains(&host.as_str()) {
        "docker.io".to_owned()
    } else {
        host
    }
}

/// The server address Docker uses for `registry` (a reference's domain):
/// the key written under `auths` and the argument given to a credential
/// helper.
pub fn server_address(registry: &str) -> String {
    let registry = normalize_registry(registry);
    if registry == "docker.io" {
        DOCKER_HUB_SERVER.to_owned()
    } else {
        registry
    }
}

/// Whether a config key (`auths` or `credHelpers`) names `registry`.
pub(crate) fn key_matches(key: &str, registry: &str) -> bool {
    normalize_registry(key) == normalize_registry(registry)
}

/// Docker's `ConvertToHostname`: `https://host:5000/v2/` → `host:5000`.
fn hostname(key: &str) -> &str {
    let rest = match key.split_once("://") {
        Some((_, rest)) => rest,
        None => key,
    };
    rest.split('/').next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_registry_names() {
        #[rustfmt::skip]
        let cases = [
            ("docker.io", "docker.io", DOCKER_HUB_SERVER),
            ("index.docker.io", "docker.io", DOCKER_HUB_SERVER),
            ("https://index.docker.io/v1/", "docker.io", DOCKER_HUB_SERVER),
            ("registry-1.docker.io", "docker.io", DOCKER_HUB_SERVER),
            ("localhost:5000", "localhost:5000", "localhost:5000"),
            ("http://LocalHost:5000/v2/", "localhost:5000", "localhost:5000"),
            ("https://ghcr.io", "ghcr.io", "ghcr.io"),
            (" quay.io ", "quay.io", "quay.io"),
            ("127.0.0.1:41234", "127.0.0.1:41234", "127.0.0.1:41234"),
        ];
        for (input, normal, server) in cases {
            assert_eq!(normalize_registry(input), normal, "{input}");
            assert_eq!(server_address(input), server, "{input}");
        }
    }

    #[test]
    fn matches_keys_by_host_name() {
        #[rustfmt::skip]
        let cases = [
            ("https://index.docker.io/v1/", "docker.io", true),
            ("index.docker.io", "docker.io", true),
            ("localhost:5000", "localhost:5000", true),
            ("https://localhost:5000", "localhost:5000", true),
            ("http://localhost:5000/v2/", "localhost:5000", true),
            ("localhost:5001", "localhost:5000", false),
            ("localhost", "localhost:5000", false),
            ("ghcr.io", "docker.io", false),
        ];
        for (key, registry, want) in cases {
            assert_eq!(key_matches(key, registry), want, "{key} vs {registry}");
        }
    }
}
