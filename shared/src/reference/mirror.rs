//! The names a registry mirror is asked for.
//!
//! Docker, containerd and podman send a mirror the image's own repository
//! path, without its registry host: `/v2/library/redis/manifests/latest`,
//! and containerd adds `?ns=docker.io` (the registry the image is from).
//! strata's own proxy paths, which start with the host
//! (`/v2/docker.io/library/redis/…`, [`Reference::from_proxy_path`]), keep
//! working beside them. Which form a name is in follows Docker's rule for
//! the first component of a reference: it is a host when it holds `.` or
//! `:` (written `_` in a proxy path), or is `localhost`.

use super::Reference;
use super::domain::looks_like_domain;
use super::error::{ReferenceError, echo};
use super::tag_or_digest::TagOrDigest;

/// How a `/v2` name found its upstream registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorRoute {
    /// The name starts with the registry host (strata's proxy path).
    ProxyPath,
    /// The name is a repository path on the registry the request's `ns`
    /// names (containerd's mirror requests).
    Namespace(String),
    /// The name has no host and no `ns`: it is on the mirror's default
    /// registry (Docker's and podman's mirror requests).
    Default,
}

impl Reference {
    /// Reads the name of a `/v2` request to a mirror, with the tag or
    /// digest from the URL if there is one, the request's `ns` if it has
    /// one, and the registry that names without a host are on.
    ///
    /// - With `ns`, the name is a repository on that registry, unless it
    ///   starts with that same registry's host (a proxy path that also
    ///   carries `ns`, as containerd sends with `override_path`).
    /// - Without `ns`, a name whose first component is a host is a proxy
    ///   path; any other name is on `default_registry`, with Docker's
    ///   `library/` for one-component names on Docker Hub.
    pub fn from_mirror_path(
        path: &str,
        reference: Option<TagOrDigest>,
        ns: Option<&str>,
        default_registry: &str,
    ) -> Result<(Reference, MirrorRoute), ReferenceError> {
        let first = path.split('/').next().unwrap_or_default().replace('_', ":");
        let route = match ns {
            Some(ns) => {
                let ns = mirror_registry(ns)?;
                if path.contains('/') && mirror_registry(&first).is_ok_and(|host| host == ns) {
                    MirrorRoute::ProxyPath
                } else {
                    MirrorRoute::Namespace(ns)
                }
            }
            None if path.contains('/') && looks_like_domain(&first) => MirrorRoute::ProxyPath,
            None => MirrorRoute::Default,
        };
        let on = |registry: &str| -> Result<Reference, ReferenceError> {
            // A tag or digest never rides in the path itself.
            if let Some(component) = path.split('/').find(|c| c.contains([':', '@'])) {
                return Err(ReferenceError::InvalidPathComponent {
                    input: echo(path),
                    component: echo(component),
                });
            }
            let name: Reference = format!("{registry}/{path}").parse()?;
            Ok(match reference.clone() {
                Some(reference) => name.with_tag_or_digest(reference),
                None => name,
            })
        };
        let reference = match &route {
            MirrorRoute::ProxyPath => Reference::from_proxy_path(path, reference.clone())?,
            MirrorRoute::Namespace(ns) => on(ns)?,
            MirrorRoute::Default => on(&mirror_registry(default_registry)?)?,
        };
        Ok((reference, route))
    }
}

/// A registry host as a mirror is told it (`ns`, `--mirror-default`):
/// lower-cased, `index.docker.io` read as `docker.io`; an error if it is
/// not a `host[:port]` a reference could start with.
pub fn mirror_registry(host: &str) -> Result<String, ReferenceError> {
    let host = host.trim().to_ascii_lowercase();
    let not_a_host = || ReferenceError::NotARegistry { input: echo(&host) };
    if !looks_like_domain(&host) || host.contains('/') {
        return Err(not_a_host());
    }
    let probe: Reference = format!("{host}/probe").parse().map_err(|_| not_a_host())?;
    Ok(probe.domain().to_owned())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const SHA: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    fn read(path: &str, ns: Option<&str>, default: &str) -> (String, MirrorRoute) {
        let (r, route) =
            Reference::from_mirror_path(path, Some("latest".parse().expect("tag")), ns, default)
                .unwrap_or_else(|e| panic!("{path} {ns:?}: {e}"));
        (r.to_string(), route)
    }

    #[test]
    fn names_without_a_host_are_on_the_default_registry_as_docker_normalises() {
        #[rustfmt::skip]
        let cases = [
            ("redis", "docker.io/library/redis:latest"),
            ("library/redis", "docker.io/library/redis:latest"),
            ("bitnami/redis", "docker.io/bitnami/redis:latest"),
            ("team/sub/app", "docker.io/team/sub/app:latest"),
        ];
        for (path, want) in cases {
            assert_eq!(
                read(path, None, "docker.io"),
                (want.to_owned(), MirrorRoute::Default),
                "{path}"
            );
        }
        assert_eq!(
            read("redis", None, "mirror.example:5000").0,
            "mirror.example:5000/redis:latest",
            "library/ is Docker Hub's alone"
        );
        assert_eq!(
            read("redis", None, "index.docker.io").0,
            "docker.io/library/redis:latest"
        );
    }

    #[test]
    fn proxy_paths_keep_working() {
        #[rustfmt::skip]
        let cases = [
            ("docker.io/library/redis", "docker.io/library/redis:latest"),
            ("docker.io/redis", "docker.io/library/redis:latest"),
            ("127.0.0.1_5000/team/app", "127.0.0.1:5000/team/app:latest"),
            ("localhost/app", "localhost/app:latest"),
        ];
        for (path, want) in cases {
            assert_eq!(
                read(path, None, "docker.io"),
                (want.to_owned(), MirrorRoute::ProxyPath),
                "{path}"
            );
        }
    }

    #[test]
    fn ns_names_the_registry_of_a_name_without_a_host() {
        assert_eq!(
            read("library/redis", Some("docker.io"), "quay.io"),
            (
                "docker.io/library/redis:latest".to_owned(),
                MirrorRoute::Namespace("docker.io".into())
            )
        );
        assert_eq!(
            read("redis", Some("docker.io"), "quay.io").0,
            "docker.io/library/redis:latest"
        );
        assert_eq!(
            read("owner/app", Some("GHCR.io"), "docker.io"),
            (
                "ghcr.io/owner/app:latest".to_owned(),
                MirrorRoute::Namespace("ghcr.io".into())
            )
        );
        assert_eq!(
            read("team/app", Some("127.0.0.1:5000"), "docker.io").0,
            "127.0.0.1:5000/team/app:latest"
        );
        // A path with a dotted first component is a repository on ns…
        assert_eq!(
            read("foo.bar/app", Some("quay.io"), "docker.io").0,
            "quay.io/foo.bar/app:latest"
        );
        // …unless it is ns itself (a proxy path that also carries ns).
        assert_eq!(
            read("docker.io/library/redis", Some("docker.io"), "quay.io"),
            (
                "docker.io/library/redis:latest".to_owned(),
                MirrorRoute::ProxyPath
            )
        );
        assert_eq!(
            read(
                "index.docker.io/library/redis",
                Some("docker.io"),
                "quay.io"
            )
            .1,
            MirrorRoute::ProxyPath
        );
    }

    #[test]
    fn bad_names_and_namespaces_say_what_is_wrong() {
        let digest = Some(TagOrDigest::Digest(SHA.parse().expect("digest")));
        let e =
            Reference::from_mirror_path("redis", digest.clone(), Some("not-a-host"), "docker.io")
                .expect_err("ns without a dot");
        assert!(
            e.to_string()
                .contains("\"not-a-host\" is not a registry host"),
            "{e}"
        );
        let e = Reference::from_mirror_path("Redis", digest.clone(), None, "docker.io")
            .expect_err("uppercase");
        assert!(e.to_string().contains("must be lowercase"), "{e}");
        let e =
            Reference::from_mirror_path("app:v1/x", digest.clone(), Some("quay.io"), "docker.io")
                .expect_err("a tag in the path");
        assert!(
            matches!(e, ReferenceError::InvalidPathComponent { .. }),
            "{e}"
        );
        let e = Reference::from_mirror_path("redis", digest, None, "http://x").expect_err("a URL");
        assert!(e.to_string().contains("is not a registry host"), "{e}");
        assert_eq!(mirror_registry(" Docker.IO ").as_deref(), Ok("docker.io"));
    }
}
