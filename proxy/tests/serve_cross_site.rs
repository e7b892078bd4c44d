//! Requests that pages on other sites make a browser send never reach the
//! upstream nor record an image: with `Sec-Fetch-Site: cross-site` or
//! `same-site`, or a foreign `Origin` (sent with reqwest), and from a real
//! hostile page in headless Chromium (`<img>` and a `no-cors` fetch). The
//! same request from a registry client (no such headers) goes through.
//! The upstream is a real registry behind a pass-through that counts the
//! requests strata makes. Every response carries the headers against
//! framing, sniffing and referrer leaks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use test_support::strata::StrataOptions;
use test_support::{Auth, Browser, Registry, StrataServer, eventually_async, fixtures};

/// A pass-through to `registry` counting the requests it forwards.
async fn counting_upstream(registry: &Registry) -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let upstream = registry.url();
    let http = reqwest::Client::new();
    let router = Router::new().fallback(any(move |request: Request| {
        counter.fetch_add(1, Ordering::SeqCst);
        let url = format!("{upstream}{}", request.uri());
        let forwarded = http.get(url).headers(request.headers().clone());
        async move {
            match forwarded.send().await {
                Ok(r) => {
                    let status = r.status();
                    let headers = r.headers().clone();
                    let body = r.bytes().await.unwrap_or_default();
                    (status, headers, body).into_response()
                }
                Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
            }
        }
    }));
    let addr = test_support::spawn_router(router).await.expect("serve");
    (addr, hits)
}

/// The number of images the store records.
async fn recorded_images(server: &StrataServer) -> usize {
    let listing: serde_json::Value = reqwest::get(format!("{}/api/v1/images", server.url()))
        .await
        .expect("images")
        .json()
        .await
        .expect("json");
    let total = listing["total"].as_u64().expect("a total");
    usize::try_from(total).expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_neither_fetch_nor_record() {
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let (upstream, hits) = counting_upstream(&registry).await;
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", upstream.to_string())
        .start()
        .expect("strata serve");
    let manifest = format!(
        "{}/v2/{}/library/alpine/manifests/latest",
        server.url(),
        upstream.to_string().replace(':', "_")
    );
    let http = reqwest::Client::new();
    for path in ["/", "/v2/", "/api/v1/version"] {
        let response = http
            .get(format!("{}{path}", server.url()))
            .send()
            .await
            .expect("send");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    #[rustfmt::skip]
    let foreign: [(&str, &[(&str, &str)]); 4] = [
        ("/v2, cross-site", &[("sec-fetch-site", "cross-site")]),
        ("/v2, same-site", &[("sec-fetch-site", "same-site")]),
        ("/v2, foreign Origin", &[("origin", "http://evil.example")]),
        ("/v2, null Origin", &[("origin", "null")]),
    ];
    for (case, headers) in foreign {
        let mut request = http.get(&manifest);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("send");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{case}");
        let body = response.text().await.expect("body");
        assert!(
            body.contains("DENIED") && body.contains("--allow-origin"),
            "{case}: {body}"
        );
    }
    let api = http
        .get(format!("{}/api/v1/images", server.url()))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .expect("send");
    assert_eq!(api.status(), StatusCode::FORBIDDEN, "/api/v1, cross-site");

    // A hostile page in a real browser, on another site (localhost is not
    // 127.0.0.1): an image and a no-cors fetch pointing at strata's /v2.
    let page = format!(
        r#"<img src="{manifest}" onerror="document.title += 'img '">
<script>fetch("{manifest}", {{mode: "no-cors"}}).then(() => document.title += 'fetch ', () => document.title += 'fetch ');</script>"#
    );
    let hostile = test_support::spawn_router(
        Router::new().route("/", get(move || async move { Html(page) })),
    )
    .await
    .expect("serve");
    let browser = Browser::start().await.expect("browser");
    browser
        .open(&format!("http://localhost:{}/", hostile.port()))
        .await
        .expect("open the hostile page");
    eventually_async(
        Duration::from_secs(20),
        "the page's requests to end",
        async || {
            let title = browser.client().title().await.unwrap_or_default();
            (title.contains("img") && title.contains("fetch")).then_some(())
        },
    )
    .await;
    browser.close().await.expect("close");

    assert_eq!(hits.load(Ordering::SeqCst), 0, "no upstream request");
    assert_eq!(recorded_images(&server).await, 0, "no image recorded");

    // A registry client's request (no such headers) is served from upstream.
    let response: Response = {
        let r = http.get(&manifest).send().await.expect("send");
        (r.status(), r.bytes().await.unwrap_or_default()).into_response()
    };
    assert_eq!(response.status(), StatusCode::OK);
    assert!(hits.load(Ordering::SeqCst) > 0, "the upstream was asked");
}
