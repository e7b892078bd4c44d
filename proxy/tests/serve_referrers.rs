//! `GET /v2/<name>/referrers/<digest>` through `strata serve`, against the
//! real distribution registry, which has no referrers API (2.8): strata
//! falls back to the referrers tag schema (`sha256-<hex>`), filters by
//! `artifactType` itself and says so, answers an empty index for a
//! manifest nothing refers to, and serves the last list it saw while the
//! upstream is down, after a restart and a garbage collection too.

use reqwest::StatusCode;
use serde_json::{Value, json};
use test_support::cli::Cli;
use test_support::fixtures::layer::sha256;
use test_support::signing::upload_blob;
use test_support::{Auth, Registry, fixtures};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{serve, v2};

const SIGNATURE: &str = "application/vnd.example.signature.v1+json";
const SBOM: &str = "application/spdx+json";

/// Uploads `bytes` as a blob of `repo`; its digest.
async fn upload(http: &reqwest::Client, registry: &Registry, repo: &str, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    upload_blob(http, registry, repo, &digest, bytes)
        .await
        .expect("upload a blob");
    digest
}

/// Puts `document` under `reference` (a tag or digest) of `repo`; its
/// digest and size.
async fn put_manifest(
    http: &reqwest::Client,
    registry: &Registry,
    repo: &str,
    reference: Option<&str>,
    media_type: &str,
    document: &Value,
) -> (String, usize) {
    let bytes = serde_json::to_vec(document).expect("json");
    let digest = sha256(&bytes);
    let answer = http
        .put(format!(
            "{}/v2/{repo}/manifests/{}",
            registry.url(),
            reference.unwrap_or(&digest)
        ))
        .header("content-type", media_type)
        .body(bytes.clone())
        .send()
        .await
        .expect("put manifest");
    assert_eq!(
        answer.status(),
        StatusCode::CREATED,
        "{:?}",
        answer.text().await
    );
    (digest, bytes.len())
}

/// Pushes an artifact of `artifact_type` whose subject is `subject`; its
/// descriptor as a referrers list names it.
async fn push_artifact(
    http: &reqwest::Client,
    registry: &Registry,
    subject: &Value,
    artifact_type: &str,
    payload: &[u8],
) -> Value {
    let repo = "library/redis";
    let empty = upload(http, registry, repo, b"{}").await;
    let layer = upload(http, registry, repo, payload).await;
    let media_type = "application/vnd.oci.image.manifest.v1+json";
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": media_type,
        "artifactType": artifact_type,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [{"mediaType": artifact_type, "digest": layer, "size": payload.len()}],
        "subject": subject,
    });
    let (digest, size) = put_manifest(http, registry, repo, None, media_type, &manifest).await;
    json!({"mediaType": media_type, "digest": digest, "size": size, "artifactType": artifact_type})
}

async fn referrers(url: &str) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let answer = reqwest::get(url).await.expect("GET referrers");
    let (status, headers) = (answer.status(), answer.headers().clone());
    let body = answer.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn digests(index: &Value) -> Vec<String> {
    index["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["digest"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrers_pass_through_filter_and_outlive_the_upstream() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push redis");
    let alpine = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push alpine");
    let http = reqwest::Client::new();
    let subject_bytes = registry
        .raw_manifest("library/redis", &redis.digest)
        .expect("raw manifest");
    let subject = json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": redis.digest,
        "size": subject_bytes.len(),
    });
    let signature = push_artifact(&http, &registry, &subject, SIGNATURE, b"signed").await;
    let sbom = push_artifact(
        &http,
        &registry,
        &subject,
        SBOM,
        b"{\"spdxVersion\":\"SPDX-2.3\"}",
    )
    .await;
    // The referrers tag schema, as clients maintain it on a registry
    // without the referrers API.
    let tag = redis.digest.replace(':', "-");
    let index_type = "application/vnd.oci.image.index.v1+json";
    put_manifest(
        &http,
        &registry,
        "library/redis",
        Some(&tag),
        index_type,
        &json!({"schemaVersion": 2, "mediaType": index_type, "manifests": [signature, sbom]}),
    )
    .await;

    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let host = registry.host();
    let base = v2(&server, &host, "library/redis");
    let all_url = format!("{base}/referrers/{}", redis.digest);
    let (status, headers, all) = referrers(&all_url).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(headers["content-type"], index_type);
    assert_eq!(
        digests(&all),
        vec![
            signature["digest"].as_str().expect("digest").to_owned(),
            sbom["digest"].as_str().expect("digest").to_owned()
        ]
    );
    assert!(!headers.contains_key("oci-filters-applied"));

    let sbom_url = format!("{all_url}?artifactType={}", SBOM.replace('+', "%2B"));
    let (status, headers, sboms) = referrers(&sbom_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        digests(&sboms),
        vec![sbom["digest"].as_str().expect("digest").to_owned()]
    );
    assert_eq!(headers["oci-filters-applied"], "artifactType");
    assert_eq!(sboms["manifests"][0]["artifactType"], SBOM);

    // Nothing refers to alpine: an empty index, not a 404.
    let (status, _, none) = referrers(&format!(
        "{}/referrers/{}",
        v2(&server, &registry.host(), "library/alpine"),
        alpine.digest
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["manifests"], json!([]));
    assert_eq!(none["schemaVersion"], 2);

    drop(registry);
    let (status, headers, cached) = referrers(&sbom_url).await;
    assert_eq!(status, StatusCode::OK, "{cached}");
    assert_eq!(digests(&cached), digests(&sboms));
    assert!(
        headers["warning"]
            .to_str()
            .is_ok_and(|w| w.contains("upstream unreachable")),
        "{headers:?}"
    );

    // Kept across a restart (kill -9) and a garbage collection.
    let server = server.restart().expect("restart");
    let gc = cli
        .command(&[])
        .env("STRATA_STORE", server.store())
        .arg("gc")
        .output()
        .expect("strata gc");
    assert!(
        gc.status.success(),
        "{}",
        String::from_utf8_lossy(&gc.stderr)
    );
    let base = v2(&server, &host, "library/redis");
    let (status, headers, restarted) =
        referrers(&format!("{base}/referrers/{}", redis.digest)).await;
    assert_eq!(status, StatusCode::OK, "{restarted}");
    assert_eq!(digests(&restarted), digests(&all));
    assert!(headers.contains_key("warning"), "{headers:?}");
}
