//! The faulty registry's own tests: a reset mid-body, `500` and `429`
//! answers, random faults dealt in turns, each counted; and the real
//! registry restarted on the same port with the same storage.

use test_support::faulty::{Fault, FaultyRegistry};
use test_support::fixtures::layer::sha256;
use test_support::{Auth, Registry};

const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json";

/// The config and first layer digests of alpine in `registry`.
fn alpine_blobs(registry: &Registry, digest: &str) -> (String, String) {
    let raw = registry
        .raw_manifest("library/alpine", digest)
        .expect("manifest");
    let manifest: serde_json::Value = serde_json::from_slice(&raw).expect("json");
    let digest = |v: &serde_json::Value| v["digest"].as_str().expect("digest").to_owned();
    (digest(&manifest["config"]), digest(&manifest["layers"][0]))
}

#[tokio::test(flavor = "multi_thread")]
async fn resets_and_error_statuses_are_injected_and_counted() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let (_, layer) = alpine_blobs(&registry, &pushed.digest);
    let faulty = FaultyRegistry::start(
        &registry.url(),
        vec![
            Fault::ResetBlob(layer.clone()),
            Fault::Status("/manifests/latest".to_owned(), 429),
            Fault::Status("/manifests/sha256:".to_owned(), 500),
        ],
    )
    .expect("faulty");
    let base = format!("http://{}/v2/library/alpine", faulty.host());
    let http = reqwest::Client::new();

    let reset = http
        .get(format!("{base}/blobs/{layer}"))
        .send()
        .await
        .expect("headers");
    assert_eq!(reset.status(), 200);
    assert!(reset.bytes().await.is_err(), "the body should be cut");

    let busy = http
        .get(format!("{base}/manifests/latest"))
        .header("accept", ACCEPT)
        .send()
        .await
        .expect("429");
    assert_eq!(busy.status(), 429);
    assert_eq!(busy.headers()["retry-after"], "1");
    let body: serde_json::Value = busy.json().await.expect("json");
    assert_eq!(body["errors"][0]["code"], "TOOMANYREQUESTS");

    let broken = http
        .get(format!("{base}/manifests/{}", pushed.digest))
        .header("accept", ACCEPT)
        .send()
        .await
        .expect("500");
    assert_eq!(broken.status(), 500);

    let counted: Vec<(String, u64)> = faulty.injected().into_iter().collect();
    assert_eq!(
        counted,
        [
            ("reset".to_owned(), 1),
            ("status 429".to_owned(), 1),
            ("status 500".to_owned(), 1)
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn random_faults_take_turns_and_a_restarted_registry_serves_what_it_held() {
    let mut registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let (config, _) = alpine_blobs(&registry, &pushed.digest);
    // Every request draws a fault (one in one); a manifest can only get the status.
    let faulty = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::AtRandom {
            seed: 15,
            one_in: 1,
            faults: vec![
                Fault::CorruptBlob(String::new()),
                Fault::ResetBlob(String::new()),
                Fault::Status(String::new(), 500),
            ],
        }],
    )
    .expect("faulty");
    let url = format!("http://{}/v2/library/alpine/blobs/{config}", faulty.host());
    let http = reqwest::Client::new();
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        let response = http.get(&url).send().await.expect("headers");
        let status = response.status().as_u16();
        outcomes.push(match response.bytes().await {
            Ok(body) if status == 200 && sha256(&body) != config => "corrupt",
            Ok(_) => "status",
            Err(_) => "reset",
        });
    }
    assert_eq!(outcomes, ["corrupt", "reset", "status"]);
    let manifest = http
        .get(format!(
            "http://{}/v2/library/alpine/manifests/{}",
            faulty.host(),
            pushed.digest
        ))
        .header("accept", ACCEPT)
        .send()
        .await
        .expect("manifest");
    assert_eq!(manifest.status(), 500);
    let counted: Vec<(String, u64)> = faulty.injected().into_iter().collect();
    assert_eq!(
        counted,
        [
            ("corrupt blob".to_owned(), 1),
            ("reset".to_owned(), 1),
            ("status 500".to_owned(), 2)
        ]
    );

    let before = registry.url();
    registry.restart().expect("restart");
    assert_eq!(registry.url(), before);
    let raw = registry
        .raw_manifest("library/alpine", "latest")
        .expect("the image is still there");
    assert_eq!(sha256(&raw), pushed.digest);
}
