//! `strata serve`'s `/v2` against the real distribution registry: every
//! fixture passed through with its digest, verified caching (served from
//! the store with the upstream stopped), ranges, tag paging, HEAD and
//! error shapes. Faults are in `serve_v2_faults`, skopeo and podman in
//! `serve_v2_peers`.

use reqwest::StatusCode;
use serde_json::Value;
use test_support::cli::Cli;
use test_support::fixtures::layer::sha256;
use test_support::{Auth, Registry, fixtures};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{
    ACCEPT, Redis, children, get, images_listing, ingest_files, redis_registry, send, serve,
    stored, v2, wait_stored,
};

/// Fetches the image `repo:tag` through strata, checking every digest;
/// returns every `(url, bytes)` fetched by digest.
async fn fetch_image(base: &str, tag: &str, want_digest: &str) -> Vec<(String, Vec<u8>)> {
    let top = get(&format!("{base}/manifests/{tag}")).await;
    assert_eq!(
        top.status,
        StatusCode::OK,
        "{base}:{tag}: {:?}",
        top.body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    );
    assert_eq!(
        top.header("docker-content-digest"),
        want_digest,
        "{base}:{tag}"
    );
    assert_eq!(sha256(top.bytes()), want_digest, "{base}:{tag}");
    assert_eq!(top.header("cache-control"), "no-cache");
    assert_eq!(
        top.header("content-type"),
        top.json()["mediaType"]
            .as_str()
            .unwrap_or("application/vnd.oci.image.manifest.v1+json")
    );
    assert_eq!(top.header("content-length"), top.bytes().len().to_string());
    let mut fetched = Vec::new();
    let mut manifests = vec![top.json()];
    while let Some(manifest) = manifests.pop() {
        let (children, blobs) = children(&manifest);
        for digest in children {
            let url = format!("{base}/manifests/{digest}");
            let child = get(&url).await;
            assert_eq!(child.status, StatusCode::OK, "{url}");
            assert_eq!(sha256(child.bytes()), digest, "{url}");
            assert_eq!(
                child.header("cache-control"),
                "max-age=31536000, immutable",
                "{url}"
            );
            assert_eq!(child.header("etag"), format!("\"{digest}\""), "{url}");
            manifests.push(child.json());
            fetched.push((url, child.bytes().to_vec()));
        }
        for (digest, size) in blobs {
            let url = format!("{base}/blobs/{digest}");
            let blob = get(&url).await;
            assert_eq!(blob.status, StatusCode::OK, "{url}");
            assert_eq!(sha256(blob.bytes()), digest, "{url}");
            assert_eq!(blob.bytes().len() as u64, size, "{url}");
            assert_eq!(blob.header("docker-content-digest"), digest, "{url}");
            // Streamed as it arrived (cold): never to be cached, since its
            // bytes verify only at the end. From the store: immutable.
            let cold = blob.header("cache-control") == "no-store";
            assert!(
                cold || blob.header("cache-control") == "max-age=31536000, immutable",
                "{url}: {}",
                blob.header("cache-control")
            );
            let again = get(&url).await;
            assert_eq!(sha256(again.bytes()), digest, "{url}");
            assert_eq!(
                again.header("cache-control"),
                "max-age=31536000, immutable",
                "{url}"
            );
            assert_eq!(again.header("etag"), format!("\"{digest}\""), "{url}");
            fetched.push((url, blob.bytes().to_vec()));
        }
    }
    fetched
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_every_fixture_through_in_every_auth_variant() {
    for auth in Auth::ALL {
        let registry = Registry::start(auth).expect("registry");
        let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
        let server = serve(&registry.trusted_hosts(), &cli);
        for (fixture, pushed) in fixtures::all()
            .expect("fixtures")
            .iter()
            .zip(registry.push_all().expect("push"))
        {
            let base = v2(&server, &registry.host(), fixture.repo);
            fetch_image(&base, fixture.tag, &pushed.digest).await;
            // The same bytes the registry serves.
            let ours = get(&format!("{base}/manifests/{}", fixture.tag)).await;
            assert_eq!(
                ours.bytes(),
                registry
                    .raw_manifest(fixture.repo, fixture.tag)
                    .expect("raw"),
                "{auth:?} {}",
                fixture.name()
            );
        }
        assert_eq!(ingest_files(&server), Vec::<std::path::PathBuf>::new());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caches_verified_content_and_serves_it_with_the_upstream_stopped() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    // Tags asked about every time (no --tag-ttl), so the tag below meets
    // the stopped upstream.
    let server = test_support::strata::StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .arg("--tag-ttl")
        .arg("0")
        .start()
        .expect("strata serve");
    let mut fetched = Vec::new();
    let mut redis_digest = String::new();
    for name in ["library/redis:latest", "library/multi:latest"] {
        let fixture = fixtures::get(name).expect("fixture");
        let pushed = registry.push(fixture).expect("push");
        if fixture.repo == "library/redis" {
            redis_digest = pushed.digest.clone();
        }
        fetched.extend(
            fetch_image(
                &v2(&server, &registry.host(), fixture.repo),
                fixture.tag,
                &pushed.digest,
            )
            .await,
        );
    }
    for (url, _) in &fetched {
        let digest = url.rsplit('/').next().unwrap_or_default();
        assert!(wait_stored(&server, digest).await, "{url} is in the store");
    }
    let redis_tag = format!(
        "{}/manifests/latest",
        v2(&server, &registry.host(), "library/redis")
    );
    images_listing(&cli, &server, &redis_digest).await;
    drop(registry);

    for (url, bytes) in &fetched {
        let again = get(url).await;
        assert_eq!(again.status, StatusCode::OK, "{url}");
        assert_eq!(again.bytes(), bytes, "{url}");
        let head = send(reqwest::Method::HEAD, url, &[]).await;
        assert_eq!(head.status, StatusCode::OK, "{url}");
        assert_eq!(
            head.header("content-length"),
            bytes.len().to_string(),
            "{url}"
        );
    }
    // The image cached through /v2 was recorded with its tag, so the tag
    // is served as the store recorded it, with a warning.
    let tag = get(&redis_tag).await;
    assert_eq!(tag.status, StatusCode::OK);
    assert_eq!(tag.header("docker-content-digest"), redis_digest);
    assert!(tag.header("warning").contains("upstream unreachable"));
    // A tag nothing recorded needs the upstream.
    let unknown = get(&redis_tag.replace("/manifests/latest", "/manifests/other")).await;
    assert_eq!(unknown.status, StatusCode::BAD_GATEWAY);
    assert_eq!(unknown.code(), "UNAVAILABLE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serves_ranges_cold_and_warm() {
    let Redis {
        registry,
        layer,
        size,
        ..
    } = redis_registry();
    assert!(size > 100, "a layer of {size} bytes");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let url = format!(
        "{}/blobs/{layer}",
        v2(&server, &registry.host(), "library/redis")
    );
    let whole = reqwest::get(format!("{}/v2/library/redis/blobs/{layer}", registry.url()))
        .await
        .expect("direct")
        .bytes()
        .await
        .expect("bytes");

    #[rustfmt::skip]
    let cases = [
        // The first asks for a blob strata does not hold yet.
        ("bytes=10-19".to_owned(), 10, 20),
        ("bytes=10-19".to_owned(), 10, 20),
        (format!("bytes={}-", size - 7), size - 7, size),
        ("bytes=-5".to_owned(), size - 5, size),
        (format!("bytes=0-{}", size * 2), 0, size),
    ];
    for (range, start, end) in cases {
        let got = send(reqwest::Method::GET, &url, &[("range", &range)]).await;
        assert_eq!(got.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            got.header("content-range"),
            format!("bytes {start}-{}/{size}", end - 1),
            "{range}"
        );
        assert_eq!(got.bytes(), &whole[start as usize..end as usize], "{range}");
        assert_eq!(got.header("docker-content-digest"), layer);
    }
    let past = send(
        reqwest::Method::GET,
        &url,
        &[("range", &format!("bytes={size}-"))],
    )
    .await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.header("content-range"), format!("bytes */{size}"));
    let several = send(reqwest::Method::GET, &url, &[("range", "bytes=0-1,4-5")]).await;
    assert_eq!(
        several.status,
        StatusCode::OK,
        "several ranges: the whole blob"
    );
    assert_eq!(several.bytes(), &whole[..]);
}

/// Clients that send `Accept-Encoding: gzip` (every Go client: skopeo,
/// podman) must get the blob's own bytes: gzip over an already compressed
/// layer costs ~45x the time and drops `Content-Length`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn blobs_are_sent_as_stored_whatever_the_accept_encoding() {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let base = v2(&server, &registry.host(), "library/redis");
    for round in ["cold", "warm"] {
        for (digest, size) in &blobs {
            let got = send(
                reqwest::Method::GET,
                &format!("{base}/blobs/{digest}"),
                &[("accept-encoding", "gzip, br")],
            )
            .await;
            assert_eq!(got.header("content-encoding"), "", "{round} {digest}");
            assert_eq!(
                got.header("content-length"),
                size.to_string(),
                "{round} {digest}"
            );
            assert_eq!(sha256(got.bytes()), *digest, "{round} {digest}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_tag_lists() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::get("library/alpine:latest").expect("fixture");
    for tag in ["v3", "v1", "v5", "v2", "v4"] {
        registry.push_as(fixture, "paging/app", tag).expect("push");
    }
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let name = format!("{}/paging/app", registry.host().replace(':', "_"));

    let all = get(&format!(
        "{}/tags/list",
        v2(&server, &registry.host(), "paging/app")
    ))
    .await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.json(),
        serde_json::json!({"name": name, "tags": ["v1", "v2", "v3", "v4", "v5"]})
    );
    assert_eq!(all.header("link"), "");
    assert_eq!(all.header("cache-control"), "no-cache");

    let mut next = Some(format!("/v2/{name}/tags/list?n=2"));
    let mut pages = Vec::new();
    while let Some(path) = next.take() {
        let page = get(&format!("{}{path}", server.url())).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        pages.push(page.json()["tags"].clone());
        let link = page.header("link");
        if !link.is_empty() {
            assert!(link.ends_with(">; rel=\"next\""), "{link}");
            next = link
                .strip_prefix('<')
                .and_then(|l| l.split_once('>'))
                .map(|(url, _)| url.to_owned());
        }
        assert!(pages.len() < 10, "paging ends");
    }
    assert_eq!(
        pages,
        [
            serde_json::json!(["v1", "v2"]),
            serde_json::json!(["v3", "v4"]),
            serde_json::json!(["v5"])
        ]
    );

    let unknown = get(&format!(
        "{}/tags/list",
        v2(&server, &registry.host(), "no/such")
    ))
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "NAME_UNKNOWN");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn head_requests_answer_without_bodies_or_downloads() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let raw = registry
        .raw_manifest("library/redis", "latest")
        .expect("raw");
    let manifest: Value = serde_json::from_slice(&raw).expect("json");
    let (_, blobs) = children(&manifest);
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let base = v2(&server, &registry.host(), "library/redis");

    for (reference, caching) in [
        ("latest", "no-cache"),
        (pushed.digest.as_str(), "max-age=31536000, immutable"),
    ] {
        let head = send(
            reqwest::Method::HEAD,
            &format!("{base}/manifests/{reference}"),
            &[("accept", ACCEPT)],
        )
        .await;
        assert_eq!(head.status, StatusCode::OK, "{reference}");
        assert_eq!(head.bytes(), b"", "{reference}");
        assert_eq!(
            head.header("content-length"),
            raw.len().to_string(),
            "{reference}"
        );
        assert_eq!(
            head.header("docker-content-digest"),
            pushed.digest,
            "{reference}"
        );
        assert_eq!(
            head.header("content-type"),
            "application/vnd.oci.image.manifest.v1+json",
            "{reference}"
        );
        assert_eq!(head.header("cache-control"), caching, "{reference}");
    }
    for (digest, size) in &blobs {
        let head = send(
            reqwest::Method::HEAD,
            &format!("{base}/blobs/{digest}"),
            &[],
        )
        .await;
        assert_eq!(head.status, StatusCode::OK, "{digest}");
        assert_eq!(head.header("content-length"), size.to_string(), "{digest}");
        assert_eq!(head.header("docker-content-digest"), *digest);
        assert!(!stored(&server, digest), "HEAD does not download {digest}");
    }
    assert!(
        !stored(&server, &pushed.digest),
        "HEAD does not download the manifest"
    );
    let missing = send(
        reqwest::Method::HEAD,
        &format!("{base}/manifests/nope"),
        &[],
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_have_the_distribution_shape() {
    let open = Registry::start(Auth::Open).expect("registry");
    let token = Registry::start(Auth::Token).expect("registry");
    let basic = Registry::start(Auth::Basic).expect("registry");
    for registry in [&open, &token, &basic] {
        registry
            .push(fixtures::get("library/alpine:latest").expect("fixture"))
            .expect("push");
    }
    // No credentials for the token registry; wrong ones for the basic one.
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let config = serde_json::json!({"auths": {basic.host(): {"auth": "c3RyYXRhOndyb25n"}}});
    std::fs::write(
        cli.dir.path().join("docker/config.json"),
        config.to_string(),
    )
    .expect("config");
    let trusted = [
        open.trusted_hosts(),
        token.trusted_hosts(),
        basic.trusted_hosts(),
    ]
    .concat();
    let server = serve(&trusted, &cli);
    let unknown_digest = format!("sha256:{}", "0".repeat(64));
    let open_base = v2(&server, &open.host(), "library/alpine");

    #[rustfmt::skip]
    let cases = [
        (format!("{open_base}/manifests/nope"), StatusCode::NOT_FOUND, "MANIFEST_UNKNOWN"),
        (format!("{open_base}/manifests/{unknown_digest}"), StatusCode::NOT_FOUND, "MANIFEST_UNKNOWN"),
        (format!("{open_base}/blobs/{unknown_digest}"), StatusCode::NOT_FOUND, "BLOB_UNKNOWN"),
        (format!("{}/tags/list", v2(&server, &open.host(), "no/such")), StatusCode::NOT_FOUND, "NAME_UNKNOWN"),
        (format!("{}/v2/library/alpine/manifests/latest?ns=nohost", server.url()), StatusCode::BAD_REQUEST, "NAME_INVALID"),
        (format!("{open_base}/blobs/sha256:abc"), StatusCode::BAD_REQUEST, "DIGEST_INVALID"),
        // An upstream's 401 (strata's credentials missing or wrong) is no challenge for the client.
        (format!("{}/manifests/latest", v2(&server, &token.host(), "library/alpine")), StatusCode::FORBIDDEN, "DENIED"),
        (format!("{}/manifests/latest", v2(&server, &basic.host(), "library/alpine")), StatusCode::FORBIDDEN, "DENIED"),
        // Not listed as an insecure (so trusted) registry: strata serve refuses a loopback upstream.
        (format!("{}/v2/10.255.255.1_5000/x/manifests/latest", server.url()), StatusCode::FORBIDDEN, "DENIED"),
    ];
    for (url, status, code) in cases {
        let got = get(&url).await;
        assert_eq!(
            (got.status, got.code()),
            (status, code.to_owned()),
            "{url}: {}",
            String::from_utf8_lossy(got.bytes())
        );
        assert!(
            got.header("content-type").starts_with("application/json"),
            "{url}"
        );
        let text = String::from_utf8_lossy(got.bytes()).into_owned();
        assert!(
            !text.contains("Bearer")
                && !text.contains("c3RyYXRhOndyb25n")
                && !text.contains("wrong"),
            "{url}: {text}"
        );
        assert!(
            got.headers.get("www-authenticate").is_none(),
            "{url}: never the upstream's challenge"
        );
        assert!(
            got.json()["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{url}"
        );
    }
    // A name that resolves to loopback is refused too, after DNS: 403 with
    // what to do, and no retries.
    let local = get(&format!(
        "{}/v2/localhost_{}/library/alpine/manifests/latest",
        server.url(),
        open.addr().port()
    ))
    .await;
    assert_eq!(
        (local.status, local.code()),
        (StatusCode::FORBIDDEN, "DENIED".to_owned()),
        "{}",
        String::from_utf8_lossy(local.bytes())
    );
    let message = local.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for part in ["not allowed", "loopback", "--allow-registry localhost"] {
        assert!(message.contains(part), "{part}: {message}");
    }
    let blob = get(&format!(
        "{}/v2/localhost_{}/library/alpine/blobs/{unknown_digest}",
        server.url(),
        open.addr().port()
    ))
    .await;
    assert_eq!(blob.status, StatusCode::FORBIDDEN);
    let sha = format!("sha256:{}", "1".repeat(64));
    for (method, url) in [
        (
            reqwest::Method::PUT,
            format!("{open_base}/manifests/latest"),
        ),
        (reqwest::Method::POST, format!("{open_base}/blobs/uploads/")),
        (
            reqwest::Method::PATCH,
            format!("{open_base}/blobs/uploads/x"),
        ),
        (reqwest::Method::DELETE, format!("{open_base}/blobs/{sha}")),
    ] {
        let got = send(method.clone(), &url, &[]).await;
        assert_eq!(
            (got.status, got.code()),
            (StatusCode::METHOD_NOT_ALLOWED, "UNSUPPORTED".to_owned()),
            "{method} {url}"
        );
    }
}
