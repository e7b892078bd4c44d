//! The harness's own tests: every registry variant serves every fixture to
//! skopeo, token auth refuses anonymous clients and accepts issued tokens,
//! and fixtures are byte-for-byte reproducible.

use std::collections::BTreeMap;

use test_support::fixtures::{self, Format};
use test_support::{Auth, PASSWORD, Registry, USER};

fn skopeo_inspect(registry: &Registry, reference: &str) -> serde_json::Value {
    let output = registry
        .skopeo("inspect")
        .arg(format!("docker://{reference}"))
        .output()
        .expect("run skopeo");
    assert!(
        output.status.success(),
        "skopeo inspect {reference}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("skopeo prints JSON")
}

#[test]
fn every_variant_serves_every_fixture_to_skopeo() {
    let fixtures = fixtures::all().expect("fixtures build");
    for auth in Auth::ALL {
        let registry = Registry::start(auth).expect("registry starts");
        for fixture in fixtures {
            let pushed = registry.push(fixture).expect("push");
            let inspected = skopeo_inspect(&registry, &pushed.reference);
            assert_eq!(
                inspected["Digest"],
                pushed.digest,
                "{auth:?} {}",
                fixture.name()
            );
            if fixture.format == Format::Oci {
                // Pushing as-is keeps the layout's digest.
                assert_eq!(
                    pushed.digest,
                    fixture.layout_digest,
                    "{auth:?} {}",
                    fixture.name()
                );
            }
            let layers = inspected["Layers"].as_array().expect("Layers");
            assert!(!layers.is_empty(), "{} has layers", fixture.name());
        }
    }
}

#[test]
fn docker_v2_fixture_has_docker_media_types() {
    let registry = Registry::start(Auth::Open).expect("registry starts");
    let pushed = registry
        .push(fixtures::get("test/docker-v2:latest").expect("fixture"))
        .expect("push");
    let raw = registry
        .raw_manifest("test/docker-v2", "latest")
        .expect("manifest");
    let manifest: serde_json::Value = serde_json::from_slice(&raw).expect("json");
    assert_eq!(
        manifest["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.docker.image.rootfs.diff.tar.gzip"
    );
    assert!(pushed.digest.starts_with("sha256:"));
}

#[test]
fn multi_fixture_is_an_index_with_an_attestation() {
    let registry = Registry::start(Auth::Open).expect("registry starts");
    registry
        .push(fixtures::get("library/multi:latest").expect("fixture"))
        .expect("push");
    let raw = registry
        .raw_manifest("library/multi", "latest")
        .expect("index");
    let index: serde_json::Value = serde_json::from_slice(&raw).expect("json");
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| {
            let p = &m["platform"];
            let variant = p["variant"]
                .as_str()
                .map(|v| format!("/{v}"))
                .unwrap_or_default();
            format!(
                "{}/{}{variant}",
                p["os"].as_str().unwrap_or(""),
                p["architecture"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        platforms,
        ["linux/amd64", "linux/arm64/v8", "unknown/unknown"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn token_variant_refuses_anonymous_and_accepts_issued_tokens() {
    let registry = Registry::start(Auth::Token).expect("registry starts");
    registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let manifest_url = format!("{}/v2/library/alpine/manifests/latest", registry.url());
    let accept = "application/vnd.oci.image.manifest.v1+json";
    let http = reqwest::Client::new();

    // No token at all: a challenge naming the issuer.
    let anonymous = http
        .get(&manifest_url)
        .header("Accept", accept)
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
    let challenge = anonymous.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let issuer = registry.token_issuer().expect("issuer");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains(&issuer.realm()), "{challenge}");

    let token_url = format!(
        "{}?service={}&scope=repository:library/alpine:pull",
        issuer.realm(),
        test_support::TokenIssuer::SERVICE
    );
    // An anonymous token grants nothing.
    let anon_token: serde_json::Value = http
        .get(&token_url)
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    let refused = http
        .get(&manifest_url)
        .header("Accept", accept)
        .bearer_auth(anon_token["token"].as_str().expect("token"))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);

    // Wrong credentials are refused by the issuer itself.
    let wrong = http
        .get(&token_url)
        .basic_auth(USER, Some("nope"))
        .send()
        .await
        .expect("token");
    assert_eq!(wrong.status(), 401);

    // The right credentials get a token the registry accepts.
    let token: serde_json::Value = http
        .get(&token_url)
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    for field in ["token", "access_token", "expires_in", "issued_at"] {
        assert!(
            token.get(field).is_some(),
            "token response lacks {field}: {token}"
        );
    }
    let ok = http
        .get(&manifest_url)
        .header("Accept", accept)
        .bearer_auth(token["token"].as_str().expect("token"))
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
    assert!(issuer.issued() >= 2);

    // skopeo without credentials cannot read it.
    let output = std::process::Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--no-creds"])
        .arg(format!(
            "docker://{}/library/alpine:latest",
            registry.host()
        ))
        .output()
        .expect("skopeo");
    assert!(
        !output.status.success(),
        "anonymous skopeo inspect must fail"
    );
}

#[test]
fn basic_variant_refuses_wrong_password() {
    let registry = Registry::start(Auth::Basic).expect("registry starts");
    registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let output = std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            &format!("--creds={USER}:wrong"),
        ])
        .arg(format!(
            "docker://{}/library/alpine:latest",
            registry.host()
        ))
        .output()
        .expect("skopeo");
    assert!(!output.status.success());
}

#[test]
fn fixtures_are_reproducible() {
    let digests = |dir: &std::path::Path| -> BTreeMap<String, String> {
        fixtures::build_into(dir)
            .expect("build")
            .into_iter()
            .map(|f| (f.name(), f.layout_digest))
            .collect()
    };
    let a = tempfile::tempdir().expect("tmp");
    let b = tempfile::tempdir().expect("tmp");
    let first = digests(a.path());
    assert_eq!(first.len(), fixtures::all().expect("fixtures").len());
    assert_eq!(first, digests(b.path()));
}

#[test]
fn webserver_versions_share_their_bottom_two_layers() {
    let layers = |name: &str| -> Vec<String> {
        let f = fixtures::get(name).expect("fixture");
        let hex = f.layout_digest.trim_start_matches("sha256:");
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(f.layout.join("blobs/sha256").join(hex)).expect("read"),
        )
        .expect("json");
        manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| l["digest"].to_string())
            .collect()
    };
    let v1 = layers("lovelearnlinux/webserver:v1");
    let v2 = layers("lovelearnlinux/webserver:v2");
    assert_eq!(v1.len(), 3);
    assert_eq!(v2.len(), 3);
    assert_eq!(v1[..2], v2[..2]);
    assert_ne!(v1[2], v2[2]);
}
