//! Reading a `/v2` request path.
//!
//! ```text
//! /v2/<name>/manifests/<tag or digest>[?ns=<registry>]
//! /v2/<name>/blobs/<digest>[?ns=<registry>]
//! /v2/<name>/tags/list[?ns=<registry>]
//! /v2/<name>/referrers/<digest>[?artifactType=<type>&ns=<registry>]
//! name := <host>/<repository>   a proxy path (Reference::proxy_path)
//!       | <repository>          on ?ns=, else on --mirror-default
//! host := registry host, ':' written '_'   (127.0.0.1_5000, docker.io)
//! ```
//!
//! The operation is read from the end of the path, since a repository may
//! itself hold components named `manifests` or `blobs`; a tag or digest
//! never holds `/`. The path is read as sent (not percent-decoded): no
//! valid name, tag or digest needs escaping. Names are parsed with
//! [`Reference::from_mirror_path`]: a first component that is a host
//! (Docker's rule: it holds `.` or `_` for `:`, or is `localhost`) makes a
//! proxy path, so `docker.io/redis` means `docker.io/library/redis`;
//! otherwise the name is a repository on the registry `ns` names, or on
//! the mirror's default registry, normalised as Docker does (`redis` is
//! `docker.io/library/redis`).

use serde_json::json;
use shared::digest::Digest;
use shared::reference::{MirrorRoute, Reference, TagOrDigest};

use super::error::{ErrorCode, V2Error};

/// Paths echoed back in errors are cut to this many characters.
const ECHO_MAX: usize = 200;

/// What a `/v2/<name>/…` path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `manifests/<tag or digest>`.
    Manifest(TagOrDigest),
    /// `blobs/<digest>`.
    Blob(Digest),
    /// `tags/list`.
    Tags,
    /// `referrers/<digest>`.
    Referrers(Digest),
}

/// A parsed `/v2` path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V2Path {
    /// The name as the client wrote it (echoed in `tags/list` and `Link`).
    pub name: String,
    /// The upstream repository, with the tag or digest of a manifest
    /// request.
    pub reference: Reference,
    /// The operation.
    pub target: Target,
    /// How the name found its registry (a proxy path, `ns`, or the
    /// mirror's default).
    pub route: MirrorRoute,
}

impl V2Path {
    /// Parses a request path (`/v2/…`) and its query's `ns`, names
    /// without a host being on `default_registry`
    /// ([`Reference::from_mirror_path`]). Fails with `NAME_INVALID`,
    /// `TAG_INVALID`, `DIGEST_INVALID`, or `NAME_UNKNOWN` for a path that is
    /// no route at all.
    pub fn parse(
        path: &str,
        query: Option<&str>,
        default_registry: &str,
    ) -> Result<V2Path, V2Error> {
        let rest = path
            .strip_prefix("/v2/")
            .ok_or_else(|| V2Error::no_route(path))?;
        let segments: Vec<&str> = rest.split('/').collect();
        let (name_len, target) = match segments.as_slice() {
            [name @ .., "tags", "list"] if !name.is_empty() => (name.len(), None),
            [name @ .., "manifests", reference] if !name.is_empty() => (
                name.len(),
                Some(Target::Manifest(tag_or_digest(reference)?)),
            ),
            [name @ .., "blobs", digest] if !name.is_empty() => {
                (name.len(), Some(Target::Blob(digest_in_path(digest)?)))
            }
            [name @ .., "referrers", digest] if !name.is_empty() => {
                (name.len(), Some(Target::Referrers(digest_in_path(digest)?)))
            }
            _ => return Err(V2Error::no_route(path)),
        };
        let name = segments[..name_len].join("/");
        let manifest_reference = match &target {
            Some(Target::Manifest(r)) => Some(r.clone()),
            _ => None,
        };
        let ns = query.and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(key, _)| key == "ns")
                .map(|(_, value)| value.into_owned())
        });
        let (reference, route) = Reference::from_mirror_path(
            &name,
            manifest_reference,
            ns.as_deref(),
            default_registry,
        )
        .map_err(|e| {
            V2Error::new(
                ErrorCode::NameInvalid,
                format!("{e} (a /v2 name is an image's repository, on the registry `?ns=` names or else on strata's --mirror-default, or starts with the upstream host, ':' written '_': /v2/library/redis/…, /v2/docker.io/library/redis/…, /v2/127.0.0.1_5000/team/app/…)"),
            )
            .with_detail(json!({ "name": echo(&name) }))
        })?;
        Ok(V2Path {
            name,
            reference,
            target: target.unwrap_or(Target::Tags),
            route,
        })
    }
}

fn tag_or_digest(s: &str) -> Result<TagOrDigest, V2Error> {
    if s.contains(':') {
        return digest_in_path(s).map(TagOrDigest::Digest);
    }
    s.parse().map_err(|e: shared::reference::ReferenceError| {
        V2Error::new(ErrorCode::TagInvalid, e.to_string()).with_detail(json!({ "tag": echo(s) }))
    })
}

fn digest_in_path(s: &str) -> Result<Digest, V2Error> {
    s.parse().map_err(|e: shared::digest::DigestError| {
        V2Error::new(ErrorCode::DigestInvalid, e.to_string())
            .with_detail(json!({ "digest": echo(s) }))
    })
}

/// `s` cut to [`ECHO_MAX`] characters, for error details.
pub fn echo(s: &str) -> String {
    s.chars().take(ECHO_MAX).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    #[test]
    fn parses_routes() {
        let manifest = |r: &str| Target::Manifest(r.parse().expect("tag or digest"));
        let blob = || Target::Blob(SHA.parse().expect("digest"));
        #[rustfmt::skip]
        let cases = [
            ("/v2/docker.io/library/redis/manifests/latest", "docker.io/library/redis", "docker.io/library/redis:latest", manifest("latest")),
            ("/v2/docker.io/redis/manifests/7", "docker.io/redis", "docker.io/library/redis:7", manifest("7")),
            (&format!("/v2/127.0.0.1_5000/team/app/manifests/{SHA}"), "127.0.0.1_5000/team/app", &format!("127.0.0.1:5000/team/app@{SHA}"), manifest(SHA)),
            (&format!("/v2/127.0.0.1_5000/team/app/blobs/{SHA}"), "127.0.0.1_5000/team/app", "127.0.0.1:5000/team/app", blob()),
            ("/v2/ghcr.io/o/tags/list", "ghcr.io/o", "ghcr.io/o", Target::Tags),
            ("/v2/localhost_5000/manifests/blobs/manifests/v1", "localhost_5000/manifests/blobs", "localhost:5000/manifests/blobs:v1", manifest("v1")),
            ("/v2/quay.io/tags/list/tags/list", "quay.io/tags/list", "quay.io/tags/list", Target::Tags),
        ];
        for (path, name, reference, target) in cases {
            let parsed =
                V2Path::parse(path, None, "docker.io").unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(parsed.name, name, "{path}");
            assert_eq!(parsed.reference.to_string(), reference, "{path}");
            assert_eq!(parsed.target, target, "{path}");
        }
    }

    #[test]
    fn names_without_a_host_are_mirror_requests() {
        #[rustfmt::skip]
        let cases = [
            ("/v2/library/redis/manifests/latest", None, "docker.io/library/redis:latest", MirrorRoute::Default),
            ("/v2/redis/manifests/7", None, "docker.io/library/redis:7", MirrorRoute::Default),
            ("/v2/library/redis/manifests/latest", Some("ns=docker.io"), "docker.io/library/redis:latest", MirrorRoute::Namespace("docker.io".into())),
            ("/v2/owner/app/tags/list", Some("n=10&ns=ghcr.io"), "ghcr.io/owner/app", MirrorRoute::Namespace("ghcr.io".into())),
            ("/v2/team/app/manifests/v1", Some("ns=127.0.0.1%3A5000"), "127.0.0.1:5000/team/app:v1", MirrorRoute::Namespace("127.0.0.1:5000".into())),
            ("/v2/docker.io/library/redis/manifests/latest", Some("ns=docker.io"), "docker.io/library/redis:latest", MirrorRoute::ProxyPath),
        ];
        for (path, query, reference, route) in cases {
            let parsed =
                V2Path::parse(path, query, "docker.io").unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(parsed.reference.to_string(), reference, "{path}");
            assert_eq!(parsed.route, route, "{path}");
        }
        let err = V2Path::parse("/v2/redis/manifests/latest", Some("ns=nohost"), "docker.io")
            .expect_err("an ns that is no host");
        assert_eq!(err.code(), ErrorCode::NameInvalid);
        assert!(err.message().contains("not a registry host"), "{err}");
    }

    #[test]
    fn rejects_bad_paths() {
        use ErrorCode::*;
        #[rustfmt::skip]
        let cases = [
            ("/v2/Redis/manifests/latest", NameInvalid),
            ("/v2/docker.io/Library/redis/manifests/latest", NameInvalid),
            ("/v2/docker.io//redis/manifests/latest", NameInvalid),
            ("/v2/docker.io/library/redis:7/manifests/latest", NameInvalid),
            ("/v2/docker.io/library/redis/manifests/sha256:abc", DigestInvalid),
            ("/v2/docker.io/library/redis/manifests/md5:abc", DigestInvalid),
            ("/v2/docker.io/library/redis/manifests/.bad", TagInvalid),
            ("/v2/docker.io/library/redis/blobs/latest", DigestInvalid),
            ("/v2/docker.io/library/redis/blobs/", DigestInvalid),
            ("/v2/docker.io/library/redis", NameUnknown),
            ("/v2/docker.io/library/redis/tags/list/", NameUnknown),
            ("/v2/manifests/latest", NameUnknown),
            ("/v2/_catalog", NameUnknown),
            ("/v2/docker.io/library/redis/blobs/uploads/", NameUnknown),
            ("/v3/docker.io/library/redis/manifests/latest", NameUnknown),
        ];
        for (path, code) in cases {
            let err = V2Path::parse(path, None, "docker.io").expect_err(path);
            assert_eq!(err.code(), code, "{path}: {err}");
        }
    }
}
