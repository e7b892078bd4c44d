//! `strata serve --redirect-blobs` on a real SeaweedFS, the real
//! distribution registry and the real binary: a cold blob streams through
//! strata into the bucket, a warm one is a `307` to a presigned URL that
//! works without credentials (ranges too), skopeo pulls through the
//! redirects, a server without the flag streams the same warm blob (and
//! hashes it on the way out: one changed in the bucket is cut short), and
//! the flag is refused without an S3 blob store.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use test_support::fixtures::layer::sha256;
use test_support::s3::{ACCESS_KEY, REGION, S3, SECRET_KEY};
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, eventually_async, run};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{get, redis_registry, v2};

/// The key prefix in every test's bucket.
const PREFIX: &str = "cache";

/// `strata serve` with its blobs in `bucket` on `s3`, reaching `registry`
/// over plain http, with `--redirect-blobs` when `redirect`.
fn serve_from_bucket(s3: &S3, bucket: &str, registry: &Registry, redirect: bool) -> StrataServer {
    s3.create_bucket(bucket).expect("bucket");
    let mut options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .env("STRATA_BLOB_STORE", format!("s3://{bucket}/{PREFIX}"))
        .env("AWS_ENDPOINT_URL", s3.endpoint())
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_REGION", REGION);
    if redirect {
        options = options.arg("--redirect-blobs");
    }
    options.start().expect("strata serve")
}

/// A client that reports redirects instead of following them, and sends
/// no credentials.
fn not_following() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `GET url` (with `Range` if given) until strata answers `307`, once the
/// blob is committed to the bucket; the redirect.
async fn redirected(url: &str, range: Option<&str>) -> reqwest::Response {
    let http = not_following();
    eventually_async(
        Duration::from_secs(20),
        "the blob committed to the bucket and redirected",
        async || {
            let mut request = http.get(url);
            if let Some(range) = range {
                request = request.header("Range", range);
            }
            let response = request.send().await.expect("GET");
            match response.status() {
                StatusCode::TEMPORARY_REDIRECT => Ok(response),
                other => Err(other),
            }
        },
    )
    .await
}

/// A response header, empty when absent.
fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The `strata_proxy_<name>_total{type="blob"}` counter of `server`.
async fn blob_counter(server: &StrataServer, name: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text");
    let series = format!("strata_proxy_{name}_total{{type=\"blob\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(series.as_str()))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series}in:\n{text}"))
}

/// alpine on a registry, behind `strata serve --redirect-blobs` with its
/// blobs in a bucket of their own.
struct Alpine {
    s3: S3,
    registry: Registry,
    server: StrataServer,
    /// `http://strata/v2/<registry>/library/alpine`.
    base: String,
    /// Its first layer (the manifest fetched through strata).
    layer: String,
}

impl Alpine {
    async fn start(bucket: &str) -> Alpine {
        let s3 = S3::start().expect("SeaweedFS");
        let registry = Registry::start(Auth::Open).expect("registry");
        registry
            .push_fixture("library/alpine:latest")
            .expect("push");
        let server = serve_from_bucket(&s3, bucket, &registry, true);
        let base = v2(&server, &registry.host(), "library/alpine");
        let manifest = get(&format!("{base}/manifests/latest")).await;
        assert_eq!(manifest.status, StatusCode::OK);
        let layer = manifest.json()["layers"][0]["digest"]
            .as_str()
            .expect("layer")
            .to_owned();
        Alpine {
            s3,
            registry,
            server,
            base,
            layer,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_blob_is_a_307_to_a_presigned_url_that_needs_no_credentials() {
    let Alpine {
        s3,
        registry: _registry,
        server,
        base,
        layer,
    } = Alpine::start("strata-redirect").await;
    let url = format!("{base}/blobs/{layer}");

    // Cold: streamed through strata while it is written to the bucket,
    // and never to be cached (its bytes verify only at the end).
    let cold = not_following().get(&url).send().await.expect("cold GET");
    assert_eq!(cold.status(), StatusCode::OK);
    assert_eq!(header(&cold, "cache-control"), "no-store");
    assert_eq!(header(&cold, "etag"), "");
    assert_eq!(header(&cold, "accept-ranges"), "");
    let cold = cold.bytes().await.expect("body");
    assert_eq!(sha256(&cold), layer);

    // Warm: a redirect to the bucket, never cached.
    let warm = redirected(&url, None).await;
    assert_eq!(header(&warm, "docker-content-digest"), layer);
    assert_eq!(header(&warm, "cache-control"), "no-store");
    let location = header(&warm, "location").to_owned();
    let object = format!(
        "{}/strata-redirect/{PREFIX}/blobs/sha256/{}?",
        s3.endpoint(),
        layer.trim_start_matches("sha256:")
    );
    assert!(location.starts_with(&object), "{location}");
    assert!(location.contains("X-Amz-Signature="), "{location}");
    assert!(location.contains("X-Amz-Expires=1200"), "{location}");

    // The URL alone fetches exactly the blob; without its signature the
    // bucket refuses.
    let direct = reqwest::get(&location).await.expect("GET the location");
    assert_eq!(direct.status(), StatusCode::OK);
    assert_eq!(sha256(&direct.bytes().await.expect("body")), layer);
    let (unsigned, _) = location.split_once('?').expect("query");
    let refused = reqwest::get(unsigned).await.expect("GET unsigned");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // A range: redirected as well, and the client sends its Range again.
    let ranged = redirected(&url, Some("bytes=10-19")).await;
    let slice = reqwest::Client::new()
        .get(header(&ranged, "location"))
        .header("Range", "bytes=10-19")
        .send()
        .await
        .expect("GET the range");
    assert_eq!(slice.status(), StatusCode::PARTIAL_CONTENT);
    let total = format!("bytes 10-19/{}", cold.len());
    assert_eq!(header(&slice, "content-range"), total);
    assert_eq!(slice.bytes().await.expect("body"), &cold[10..20]);
    // A client that follows redirects (reqwest's default, as Go's) gets
    // the same 206 through strata.
    let followed = reqwest::Client::new()
        .get(&url)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .expect("GET following");
    assert_eq!(followed.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(followed.bytes().await.expect("body"), &cold[10..20]);

    // HEAD is answered by strata itself.
    let head = not_following().head(&url).send().await.expect("HEAD");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(header(&head, "content-length"), cold.len().to_string());
    assert_eq!(header(&head, "location"), "");

    // Redirects and the HEAD are hits; no blob byte went through strata
    // once the blob was warm.
    assert!(blob_counter(&server, "hits").await >= 4.0);
    assert_eq!(blob_counter(&server, "hit_bytes").await, 0.0);
    assert!(
        test_support::cli::blob_sizes(server.store()).is_empty(),
        "no blob in the server's folder"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_a_warm_blob_streams_through_strata() {
    // One server warms the bucket; another, without the flag, shares it.
    let Alpine {
        s3,
        registry,
        server: _redirecting,
        base,
        layer,
    } = Alpine::start("strata-plain").await;
    assert_eq!(
        get(&format!("{base}/blobs/{layer}")).await.status,
        StatusCode::OK
    );
    redirected(&format!("{base}/blobs/{layer}"), None).await;

    let plain = serve_from_bucket(&s3, "strata-plain", &registry, false);
    let base = v2(&plain, &registry.host(), "library/alpine");
    let warm = not_following()
        .get(format!("{base}/blobs/{layer}"))
        .send()
        .await
        .expect("warm GET");
    assert_eq!(warm.status(), StatusCode::OK);
    assert_eq!(header(&warm, "location"), "");
    assert_eq!(
        header(&warm, "cache-control"),
        "max-age=31536000, immutable"
    );
    assert_eq!(header(&warm, "etag"), format!("\"{layer}\""));
    assert_eq!(sha256(&warm.bytes().await.expect("body")), layer);
    // From the bucket, not from the upstream.
    assert_eq!(blob_counter(&plain, "hits").await, 1.0);
    assert_eq!(blob_counter(&plain, "misses").await, 0.0);
}

/// `skopeo copy` of `reference` into the OCI layout `dir` (tag `copied`).
fn skopeo_copy_oci(reference: &str, dir: &Path) {
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--src-tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .arg(format!("oci:{}:copied", dir.display())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_pulls_through_the_redirects() {
    let s3 = S3::start().expect("SeaweedFS");
    let redis = redis_registry();
    let server = serve_from_bucket(&s3, "strata-skopeo", &redis.registry, true);
    let through = format!(
        "{}/{}/library/redis:latest",
        server.host(),
        redis.registry.host().replace(':', "_")
    );
    let tmp = tempfile::tempdir().expect("tmp");

    // Cold: every blob streams through strata into the bucket.
    skopeo_copy_oci(&through, &tmp.path().join("cold"));
    let base = v2(&server, &redis.registry.host(), "library/redis");
    for (digest, _) in &redis.blobs {
        redirected(&format!("{base}/blobs/{digest}"), None).await;
    }

    // Warm: every blob comes from the bucket through a redirect.
    let hits = blob_counter(&server, "hits").await;
    let layout = tmp.path().join("warm");
    skopeo_copy_oci(&through, &layout);
    assert!(blob_counter(&server, "hits").await - hits >= redis.blobs.len() as f64);
    assert_eq!(
        blob_counter(&server, "hit_bytes").await,
        0.0,
        "no blob streamed by strata"
    );

    // The layout holds the image as pushed, every blob verified.
    let index: Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index.json"))
            .expect("json");
    assert_eq!(
        index["manifests"][0]["digest"],
        redis.pushed.digest.as_str()
    );
    let blobs = layout.join("blobs/sha256");
    for entry in std::fs::read_dir(&blobs).expect("blobs") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_string_lossy();
        let bytes = std::fs::read(&path).expect("blob");
        assert_eq!(sha256(&bytes), format!("sha256:{name}"));
    }
    for (digest, size) in &redis.blobs {
        let path = blobs.join(digest.trim_start_matches("sha256:"));
        assert_eq!(std::fs::metadata(&path).map(|m| m.len()).ok(), Some(*size));
    }
}

#[test]
fn redirect_blobs_needs_an_s3_blob_store() {
    let store = tempfile::tempdir().expect("tmp");
    let flag = |c: &mut Command| {
        c.arg("--redirect-blobs")
            .env_remove("STRATA_REDIRECT_BLOBS");
    };
    let env = |c: &mut Command| {
        c.env("STRATA_REDIRECT_BLOBS", "1");
    };
    for (how, set) in [("flag", &flag as &dyn Fn(&mut Command)), ("env", &env)] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_strata"));
        command
            .args(["serve", "--listen=127.0.0.1:0"])
            .arg(format!("--store={}", store.path().display()))
            .env_remove("STRATA_BLOB_STORE");
        set(&mut command);
        let output = command.output().expect("run strata serve");
        assert!(!output.status.success(), "{how}: it started");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains("--redirect-blobs"), "{how}: {err}");
        assert!(err.contains("--blob-store s3://BUCKET"), "{how}: {err}");
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains("listening"),
            "{how}"
        );
    }
}

/// A warm blob streamed from the bucket is hashed on the way out: one
/// changed in the bucket behind strata's back (same length, other bytes)
/// ends its response with an error instead of completing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_changed_in_the_bucket_is_refused_on_the_way_out() {
    let s3 = S3::start().expect("SeaweedFS");
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let bucket = "strata-tampered";
    let server = serve_from_bucket(&s3, bucket, &registry, false);
    let base = v2(&server, &registry.host(), "library/alpine");
    let manifest = get(&format!("{base}/manifests/latest")).await;
    let layer = manifest.json()["layers"][0]["digest"]
        .as_str()
        .expect("layer")
        .to_owned();
    let url = format!("{base}/blobs/{layer}");
    let cold = get(&url).await;
    assert_eq!(sha256(cold.bytes()), layer);
    let warm = get(&url).await;
    assert_eq!(sha256(warm.bytes()), layer, "the untouched blob verifies");

    // Another writer of the bucket flips the first byte.
    let mut changed = cold.bytes().to_vec();
    changed[0] ^= 0xff;
    let file = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(file.path(), &changed).expect("write");
    let key = format!(
        "{}/{bucket}/{PREFIX}/blobs/sha256/{}",
        s3.endpoint(),
        layer.trim_start_matches("sha256:")
    );
    run(Command::new("curl")
        .args(["-fsS", "-X", "PUT"])
        .args([
            "-H",
            "x-amz-content-sha256: UNSIGNED-PAYLOAD",
            "--aws-sigv4",
        ])
        .arg(format!("aws:amz:{REGION}:s3"))
        .arg("--user")
        .arg(format!("{ACCESS_KEY}:{SECRET_KEY}"))
        .arg("--data-binary")
        .arg(format!("@{}", file.path().display()))
        .arg(&key));

    // The response is cut: before its headers went out (a blob of one
    // chunk: there was nothing to send before the verdict), or in its body;
    // never complete.
    match reqwest::get(&url).await {
        Err(e) => assert!(e.is_request() || e.is_connect() || e.is_body(), "{e}"),
        Ok(response) => {
            assert_eq!(response.status(), StatusCode::OK);
            if let Ok(body) = response.bytes().await {
                panic!("a changed blob arrived complete: {} bytes", body.len());
            }
        }
    }
}
