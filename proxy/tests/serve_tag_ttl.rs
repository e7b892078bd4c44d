//! Hub rate limits: how often `strata serve` asks the upstream about a
//! tag, counted at a proxy in front of the real registry
//! (`test_support::faulty`, no faults) while skopeo pulls through strata.
//!
//! - With `--tag-ttl 0`, a warm pull re-checks the tag with a `HEAD`
//!   (which Docker Hub does not count) and never `GET`s a manifest.
//! - Within the tag's TTL (default 5 minutes), a warm pull does not ask
//!   the upstream at all.

use test_support::faulty::FaultyRegistry;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, fixtures};

/// Copies `reference` through strata with skopeo; the requests the
/// upstream received meanwhile.
fn pull_counting(upstream: &FaultyRegistry, server: &StrataServer) -> Vec<String> {
    let before = upstream.requests().len();
    let out = tempfile::tempdir().expect("tmp");
    server.skopeo_copy(&upstream.host(), "library/redis:latest", out.path());
    upstream.requests()[before..].to_vec()
}

fn manifest_requests(requests: &[String]) -> Vec<&String> {
    requests
        .iter()
        .filter(|r| r.contains("/manifests/"))
        .collect()
}

/// Redis in the real registry, a counting proxy in front, and strata
/// with `args` reaching it.
fn stack(args: &[&str]) -> (Registry, FaultyRegistry, StrataServer) {
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let upstream = FaultyRegistry::start(&registry.url(), Vec::new()).expect("proxy");
    let mut options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", upstream.host());
    for arg in args {
        options = options.arg(*arg);
    }
    let server = options.start().expect("strata serve");
    (registry, upstream, server)
}

#[test]
fn a_warm_tag_pull_rechecks_with_head_only() {
    let (_registry, upstream, server) = stack(&["--tag-ttl", "0"]);
    let cold = pull_counting(&upstream, &server);
    assert!(
        manifest_requests(&cold)
            .iter()
            .any(|r| r.starts_with("GET ")),
        "the cold pull fetched the manifest: {cold:?}"
    );
    let warm = pull_counting(&upstream, &server);
    let manifests = manifest_requests(&warm);
    assert!(!manifests.is_empty(), "the tag was re-checked: {warm:?}");
    assert!(
        manifests
            .iter()
            .all(|r| r.starts_with("HEAD ") && r.ends_with("/manifests/latest")),
        "a warm pull asks with HEAD only: {warm:?}"
    );
    assert!(
        !warm.iter().any(|r| r.contains("/blobs/")),
        "nor fetches a blob: {warm:?}"
    );
}

#[test]
fn within_the_tag_ttl_a_warm_pull_asks_nothing() {
    let (_registry, upstream, server) = stack(&[]);
    let cold = pull_counting(&upstream, &server);
    assert!(!manifest_requests(&cold).is_empty(), "{cold:?}");
    let warm = pull_counting(&upstream, &server);
    assert_eq!(
        warm,
        Vec::<String>::new(),
        "the default 5m TTL: nothing asked"
    );
}
