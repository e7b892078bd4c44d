//! The registry client against the real distribution registry (open, basic
//! and token auth). The misbehaviours no installable registry shows (429,
//! 5xx, cross-host redirects, oversized manifests, wrong digests) are in
//! `registry_client_faults`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use shared::digest::{Digest, Hasher};
use shared::manifest::Manifest;
use strata::registry::{
    ClientConfig, DestinationPolicy, RegistryClient, RegistryError, RetryPolicy,
};
use test_support::{Auth, PASSWORD, Registry, USER, fixtures};

mod registry_client_support;

use registry_client_support::*;

/// The right credentials for `registry`'s auth variant.
fn right_creds(registry: &Registry) -> Option<(&'static str, &'static str)> {
    (registry.auth() != Auth::Open).then_some((USER, PASSWORD))
}

fn digest(s: &str) -> Digest {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

// ------------------------------------------------- the real registry, all auth variants

async fn exercise(auth: Auth) {
    let registry = Registry::start(auth).expect("registry");
    let host = registry.host();
    let redis = fixtures::get("library/redis:latest").expect("fixture");
    let pushed = registry.push(redis).expect("push redis");
    let alpine = fixtures::get("library/alpine:latest").expect("fixture");
    let tags = ["1", "2", "3", "4", "5"];
    for tag in tags {
        registry
            .push_as(alpine, "team/alpine", tag)
            .expect("push alpine");
    }
    let (_config, client) = client_for(&host, right_creds(&registry));
    let by_tag = reference(&format!("{host}/library/redis:latest"));
    let issued_before = registry.token_issuer().map(|t| t.issued());

    // Manifest by tag: bytes hash to the pushed digest.
    let fetched = client
        .get_manifest(&by_tag)
        .await
        .expect("get_manifest by tag");
    assert_eq!(fetched.digest, digest(&pushed.digest), "{auth:?}");
    assert_eq!(Digest::sha256_of(&fetched.bytes), fetched.digest);
    assert!(
        fetched.media_type.is_manifest() || fetched.media_type.is_index(),
        "{}",
        fetched.media_type
    );
    let issued_after_first = registry.token_issuer().map(|t| t.issued());

    // By digest: the same bytes.
    let by_digest = reference(&format!("{host}/library/redis@{}", pushed.digest));
    let again = client
        .get_manifest(&by_digest)
        .await
        .expect("get_manifest by digest");
    assert_eq!(again.bytes, fetched.bytes);
    assert_eq!(again.digest, fetched.digest);

    // HEAD: digest, type and size without the body.
    let head = client
        .head_manifest(&by_tag)
        .await
        .expect("head")
        .expect("present");
    assert_eq!(head.digest, fetched.digest);
    assert_eq!(head.size, fetched.bytes.len() as u64);
    assert_eq!(head.media_type, fetched.media_type);

    // Blobs stream bytes that hash to their digest; a range is a slice.
    let Manifest::Image(image) = &fetched.manifest else {
        panic!("redis is an image manifest, got {:?}", fetched.media_type)
    };
    for descriptor in std::iter::once(&image.config).chain(&image.layers) {
        let (size, bytes) = collect(&client, &by_tag, &descriptor.digest, None).await;
        assert_eq!(size, Some(descriptor.size), "{}", descriptor.digest);
        let mut hasher = Hasher::sha256();
        hasher.update(&bytes);
        assert_eq!(hasher.finish(), descriptor.digest);
    }
    let layer = &image.layers[0];
    let (_, whole) = collect(&client, &by_tag, &layer.digest, None).await;
    let end = whole.len().min(100) as u64;
    let (size, part) = collect(&client, &by_tag, &layer.digest, Some(10..end)).await;
    assert_eq!(part, whole[10..end as usize]);
    assert_eq!(size, Some(end - 10));

    // Repeated calls for the same repository reuse the token.
    if let (Some(before), Some(after)) = (issued_before, issued_after_first) {
        assert_eq!(after, before + 1, "one token for the first request");
        assert_eq!(
            registry.token_issuer().map(|t| t.issued()),
            Some(after),
            "token reused for digest, HEAD and blobs"
        );
    }

    // Tags, all at once and in pages of two (the Link header is followed).
    let alpine_ref = reference(&format!("{host}/team/alpine"));
    let want: BTreeSet<String> = tags.iter().map(|t| t.to_string()).collect();
    let all: BTreeSet<String> = client
        .list_tags(&alpine_ref)
        .await
        .expect("tags")
        .into_iter()
        .collect();
    assert_eq!(all, want);
    let paged = client
        .list_tags_paged(&alpine_ref, Some(2))
        .await
        .expect("paged tags");
    assert_eq!(paged.iter().cloned().collect::<BTreeSet<_>>(), want);
    assert_eq!(paged.len(), tags.len(), "no tag twice: {paged:?}");

    // The catalog, whole and one repository per page.
    let want_repos: BTreeSet<String> = ["library/redis", "team/alpine"].map(String::from).into();
    let catalog: BTreeSet<String> = client
        .catalog(&host)
        .await
        .expect("catalog")
        .into_iter()
        .collect();
    assert_eq!(catalog, want_repos);
    let paged = client
        .catalog_paged(&host, Some(1))
        .await
        .expect("paged catalog");
    assert_eq!(paged.into_iter().collect::<BTreeSet<_>>(), want_repos);

    // A missing tag is NotFound with the registry's message; HEAD says None.
    let missing = reference(&format!("{host}/library/redis:nope"));
    match client.get_manifest(&missing).await {
        Err(RegistryError::NotFound { message, what, .. }) => {
            assert!(message.contains("manifest unknown"), "{message}");
            assert!(what.contains("library/redis:nope"), "{what}");
        }
        other => panic!("{auth:?}: expected NotFound, got {other:?}"),
    }
    assert_eq!(
        client
            .head_manifest(&missing)
            .await
            .expect("head of a missing tag"),
        None
    );
    let unknown_blob = Digest::sha256_of(b"no such blob");
    match client.get_blob(&by_tag, &unknown_blob, None).await {
        Err(RegistryError::NotFound { message, .. }) => {
            assert!(message.contains("blob unknown"), "{message}")
        }
        other => panic!("{auth:?}: expected NotFound, got {other:?}"),
    }
    let unknown_repo = reference(&format!("{host}/no/such/repo:latest"));
    assert!(
        matches!(
            client.list_tags(&unknown_repo).await,
            Err(RegistryError::NotFound { .. })
        ),
        "{auth:?}: tags of an unknown repository"
    );
}

#[tokio::test]
async fn open_registry() {
    exercise(Auth::Open).await;
}

#[tokio::test]
async fn basic_auth_registry() {
    exercise(Auth::Basic).await;
}

#[tokio::test]
async fn token_auth_registry() {
    exercise(Auth::Token).await;
}

#[tokio::test]
async fn refused_credentials_are_unauthorized() {
    for auth in [Auth::Basic, Auth::Token] {
        let registry = Registry::start(auth).expect("registry");
        let host = registry.host();
        registry
            .push(fixtures::get("library/alpine:latest").expect("fixture"))
            .expect("push");
        let target = reference(&format!("{host}/library/alpine:latest"));

        for (creds, had_credentials) in [(Some((USER, "wrong-horse")), true), (None, false)] {
            let (_config, client) = client_for(&host, creds);
            let error = client.get_manifest(&target).await.expect_err("refused");
            let RegistryError::Unauthorized {
                had_credentials: had,
                ..
            } = &error
            else {
                panic!("{auth:?} {creds:?}: expected Unauthorized, got {error:?}")
            };
            assert_eq!(*had, had_credentials, "{auth:?} {creds:?}: {error}");
            let message = error.to_string();
            assert!(
                message.contains(&format!("strata login {host}")),
                "{message}"
            );
            assert!(
                !message.contains("wrong-horse"),
                "the password never shows: {message}"
            );
        }

        // check_login: right credentials pass, wrong ones are refused.
        let (_config, client) = client_for(&host, None);
        let right = strata::credentials::Credential::password(USER, PASSWORD);
        client
            .check_login(&host, &right)
            .await
            .unwrap_or_else(|e| panic!("{auth:?}: {e}"));
        let wrong = strata::credentials::Credential::password(USER, "wrong-horse");
        assert!(
            matches!(
                client.check_login(&host, &wrong).await,
                Err(RegistryError::Unauthorized {
                    had_credentials: true,
                    ..
                })
            ),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn open_registry_accepts_any_login() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let (_config, client) = client_for(&registry.host(), None);
    let any = strata::credentials::Credential::password("anyone", "anything");
    client
        .check_login(&registry.host(), &any)
        .await
        .expect("open registry");
}

#[tokio::test]
async fn docker_hub_names_follow_the_hub_override() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let config = ClientConfig {
        hub_registry: Some(registry.url()),
        retry: quick_retries(),
        ..ClientConfig::default()
    };
    let client = RegistryClient::new(config).expect("client");
    let fetched = client
        .get_manifest(&reference("redis"))
        .await
        .expect("redis via the Hub override");
    assert_eq!(fetched.digest, digest(&pushed.digest));
}

#[tokio::test]
async fn unreachable_registries_say_how_they_were_tried() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let host = format!("127.0.0.1:{port}");
    let target = reference(&format!("{host}/library/redis:latest"));

    // A registry on this machine needs no --insecure-registry (as with
    // Docker): https is tried first, then plain http, and the message says so.
    let config = ClientConfig {
        retry: quick_retries(),
        ..ClientConfig::default()
    };
    let client = RegistryClient::new(config).expect("client");
    match client.get_manifest(&target).await {
        Err(error @ RegistryError::Unreachable { .. }) => {
            let message = error.to_string();
            assert!(message.contains(&format!("http://{host}/v2/")), "{message}");
            assert!(message.contains("plain http"), "{message}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }

    // An http-only registry on this machine is reached over plain http.
    let http_only = serve(open_v2()).await;
    let target_http = reference(&format!("{http_only}/library/redis:latest"));
    match client.get_manifest(&target_http).await {
        Err(RegistryError::NotFound { .. }) => {}
        other => panic!("expected the registry's own 404, got {other:?}"),
    }

    // An insecure registry is tried over plain http.
    let (_config, insecure) = client_for(&host, None);
    match insecure.get_manifest(&target).await {
        Err(error @ RegistryError::Unreachable { .. }) => {
            let message = error.to_string();
            assert!(message.contains(&format!("http://{host}/v2/")), "{message}");
            assert!(message.contains("plain http"), "{message}");
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }

    // Nothing was remembered by the first client about the registry that was down: once it is
    // up (plain http, on the same port), the same client reaches it.
    let listener = tokio::net::TcpListener::bind(&host)
        .await
        .expect("bind the port again");
    tokio::spawn(async move {
        let _ = axum::serve(listener, open_v2()).await;
    });
    match client.get_manifest(&target).await {
        Err(RegistryError::NotFound { .. }) => {}
        other => panic!("expected the registry's own 404, got {other:?}"),
    }
}

#[tokio::test]
async fn a_destination_policy_can_refuse_addresses() {
    #[derive(Debug)]
    struct NoLoopback;
    impl DestinationPolicy for NoLoopback {
        fn check_addr(&self, _host: &str, addr: std::net::IpAddr) -> Result<(), String> {
            if addr.is_loopback() {
                Err("loopback addresses are not allowed".into())
            } else {
                Ok(())
            }
        }
    }
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let addr = serve(Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { StatusCode::OK }
    }))
    .await;
    for host in [addr.to_string(), format!("localhost:{}", addr.port())] {
        let config = ClientConfig {
            insecure_registries: vec![host.clone()],
            destination_policy: Arc::new(NoLoopback),
            retry: RetryPolicy {
                attempts: 1,
                ..quick_retries()
            },
            ..ClientConfig::default()
        };
        let client = RegistryClient::new(config).expect("client");
        let error = client
            .get_manifest(&reference(&format!("{host}/a:b")))
            .await
            .err();
        let message = error.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(
            message.contains("loopback addresses are not allowed"),
            "{host}: {message}"
        );
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached the server");
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let (_config, client) = client_for("127.0.0.1:1", Some(("user", "hunter2-secret")));
    let debug = format!("{client:?}");
    assert!(!debug.contains("hunter2-secret"), "{debug}");
    let credentials = client
        .config()
        .credentials
        .get("127.0.0.1:1")
        .expect("get")
        .expect("present");
    assert!(!format!("{credentials:?}").contains("hunter2-secret"));
}
