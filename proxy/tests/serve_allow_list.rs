//! `strata serve` with `STRATA_INSECURE_REGISTRIES=127.0.0.1:PORT` (what
//! `scripts/demo.sh` sets): the listed port is trusted, the host's other
//! ports are not, whether a client names them, a listed registry redirects
//! a blob to one, or its challenge names a token realm on one. The other
//! port is a bystander (a Docker socket, say) that counts what reaches it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use test_support::fixtures;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry};

/// Serves `router` on a free loopback port for the rest of the test.
async fn serve(router: Router) -> SocketAddr {
    test_support::spawn_router(router).await.expect("serve")
}

/// A server on another port of 127.0.0.1 counting the requests it gets.
async fn bystander() -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let addr = serve(Router::new().fallback(any(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { r#"{"token":"t"}"# }
    })))
    .await;
    (addr, hits)
}

async fn status_of(url: &str) -> StatusCode {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"))
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listed_port_opens_only_that_port() {
    let (other, hits) = bystander().await;
    let other_port = other.port();
    // A listed registry that redirects blobs to the other port.
    let redirecting = serve(Router::new().route("/v2/", get(|| async { "{}" })).route(
        "/v2/a/blobs/{digest}",
        get(move || async move {
            let to = format!("http://127.0.0.1:{other_port}/containers/json");
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response()
        }),
    ))
    .await;
    // A listed registry whose challenge names a realm on the other port.
    let challenging = serve(Router::new().fallback(any(move || async move {
        let realm = format!("Bearer realm=\"http://127.0.0.1:{other_port}/token\"");
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, realm)],
        )
            .into_response()
    })))
    .await;
    // And a real registry on a listed port, which keeps working.
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");

    let listed = [
        redirecting.to_string(),
        challenging.to_string(),
        registry.host(),
    ];
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", listed.join(","))
        .start()
        .expect("strata serve");
    let v2 = |upstream: &str, rest: &str| {
        format!("{}/v2/{}/{rest}", server.url(), upstream.replace(':', "_"))
    };
    let digest = format!("sha256:{}", "a".repeat(64));

    assert_eq!(
        status_of(&v2(&registry.host(), "library/alpine/manifests/latest")).await,
        StatusCode::OK,
        "the listed port serves"
    );
    #[rustfmt::skip]
    let refused = [
        ("a client naming the other port", v2(&other.to_string(), "a/manifests/latest")),
        ("a redirect to the other port", v2(&redirecting.to_string(), &format!("a/blobs/{digest}"))),
        ("a token realm on the other port", v2(&challenging.to_string(), "a/manifests/latest")),
    ];
    for (case, url) in refused {
        assert_eq!(
            status_of(&url).await,
            StatusCode::FORBIDDEN,
            "{case}: {url}"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the other port"
    );
}
