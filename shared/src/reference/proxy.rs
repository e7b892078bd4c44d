//! The proxy path form of a repository: `docker.io/library/redis`,
//! `127.0.0.1_5000/team/app`.
//!
//! The proxy serves each upstream repository under a path that always
//! starts with its registry host, so no defaulting is needed to read it
//! back. A host's `:` (port, IPv6) is written `_`, which no valid host holds,
//! so the mapping is reversible; the host is lower-cased, since host names
//! are case-insensitive. The path never carries a tag or digest: those go in
//! the registry URL's `manifests/<tag or digest>` part.

use super::Reference;
use super::domain::looks_like_domain;
use super::error::{ReferenceError, echo};
use super::tag_or_digest::TagOrDigest;

impl Reference {
    /// The repository as a proxy path: `docker.io/library/redis`,
    /// `127.0.0.1_5000/team/app`, `[__1]_5000/foo`.
    ///
    /// A host with only capital letters and no `.` or `:` (`FOO/bar`, a
    /// host only because of its case) keeps its case, so the path still
    /// reads back as a host.
    pub fn proxy_path(&self) -> String {
        let lower = self.domain.to_ascii_lowercase();
        let host = if looks_like_domain(&lower) {
            lower
        } else {
            self.domain.clone()
        };
        format!("{}/{}", host.replace(':', "_"), self.path)
    }

    /// Reads a proxy path back, with the tag or digest from the registry
    /// URL if there is one.
    ///
    /// The first component must be a registry host (it holds `.` or `_`
    /// for `:`, is `localhost`, or has a capital letter), and the rest is a
    /// repository path; the usual rules then apply (`docker.io/redis` is
    /// `docker.io/library/redis`).
    pub fn from_proxy_path(
        path: &str,
        reference: Option<TagOrDigest>,
    ) -> Result<Reference, ReferenceError> {
        let without_domain = || ReferenceError::ProxyPathWithoutDomain { path: echo(path) };
        let (host, repository) = path.split_once('/').ok_or_else(without_domain)?;
        let domain = host.replace('_', ":");
        if !looks_like_domain(&domain) {
            return Err(without_domain());
        }
        // A tag or digest never rides in the path itself.
        if let Some(component) = repository.split('/').find(|c| c.contains([':', '@'])) {
            return Err(ReferenceError::InvalidPathComponent {
                input: echo(path),
                component: echo(component),
            });
        }
        let name: Reference = format!("{domain}/{repository}").parse()?;
        Ok(match reference {
            Some(reference) => name.with_tag_or_digest(reference),
            None => name,
        })
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const SHA: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    fn r(s: &str) -> Reference {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn proxy_paths() {
        #[rustfmt::skip]
        let cases = [
            ("redis", "docker.io/library/redis"),
            ("redis:7", "docker.io/library/redis"),
            ("user/repo", "docker.io/user/repo"),
            ("127.0.0.1:5000/team/app", "127.0.0.1_5000/team/app"),
            ("localhost:5000/x:v1", "localhost_5000/x"),
            ("localhost/x", "localhost/x"),
            ("Registry.Example.COM:443/a/b", "registry.example.com_443/a/b"),
            ("[::1]:5000/foo", "[__1]_5000/foo"),
            ("[FC00::1]/foo", "[fc00__1]/foo"),
            ("LOCALHOST/foo", "localhost/foo"),
            ("FOO/bar", "FOO/bar"),
            ("ghcr.io/owner/image", "ghcr.io/owner/image"),
        ];
        for (input, expected) in cases {
            let reference = r(input);
            let path = reference.proxy_path();
            assert_eq!(path, expected, "{input}");
            let back =
                Reference::from_proxy_path(&path, None).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(back.proxy_path(), path, "{input}");
            assert_eq!(back.tag(), None, "{input}");
        }
    }

    #[test]
    fn reads_proxy_paths_back() {
        let tag = || TagOrDigest::Tag(crate::reference::Tag::latest());
        let digest = || SHA.parse::<TagOrDigest>().ok();
        #[rustfmt::skip]
        let cases = [
            ("docker.io/library/redis", None, "docker.io/library/redis".to_owned()),
            ("docker.io/library/redis", Some(tag()), "docker.io/library/redis:latest".into()),
            ("docker.io/library/redis", digest(), format!("docker.io/library/redis@{SHA}")),
            ("docker.io/redis", None, "docker.io/library/redis".into()),
            ("index.docker.io/redis", None, "docker.io/library/redis".into()),
            ("127.0.0.1_5000/team/app", None, "127.0.0.1:5000/team/app".into()),
            ("[__1]_5000/foo", Some(tag()), "[::1]:5000/foo:latest".into()),
            ("localhost/x", None, "localhost/x".into()),
            ("localhost_5000/x", None, "localhost:5000/x".into()),
            ("FOO/bar", None, "FOO/bar".into()),
        ];
        for (path, reference, expected) in cases {
            let parsed = Reference::from_proxy_path(path, reference)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(parsed.to_string(), expected, "{path}");
        }
    }

    #[test]
    fn rejects_bad_proxy_paths() {
        #[rustfmt::skip]
        let cases = [
            ("", "invalid proxy path \"\": it must start with a registry host"),
            ("redis", "invalid proxy path \"redis\": it must start with a registry host"),
            ("library/redis", "invalid proxy path \"library/redis\""),
            ("docker.io", "invalid proxy path \"docker.io\""),
            ("docker.io/", "the repository name is missing"),
            ("docker.io/Library/redis", "must be lowercase"),
            ("docker.io/library/redis:7", "path component \"redis:7\""),
            ("docker.io/library/redis@sha256:abc", "path component \"redis@sha256:abc\""),
            ("host_x/foo", "port \"x\" must be digits"),
        ];
        for (path, message) in cases {
            let err = Reference::from_proxy_path(path, None)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(message), "{path}: {err}");
        }
    }
}
