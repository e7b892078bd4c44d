//! A registry on loopback serving HTTPS with a self-signed certificate (the
//! real `docker-registry`, certificate made with `openssl`): strata accepts
//! it there without `--insecure-registry`, as Docker does for loopback
//! registries, in the CLI's client and through `strata serve`'s `/v2`
//! (which must still be allowed to reach it with `--allow-registry`).

use shared::reference::Reference;
use strata::registry::{ClientConfig, RegistryClient};
use test_support::strata::StrataOptions;
use test_support::{Registry, fixtures};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_registry_with_an_untrusted_certificate_is_used() {
    let registry = Registry::start_tls().expect("TLS registry");
    assert!(registry.url().starts_with("https://"));
    let pushed = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push over TLS");

    let client = RegistryClient::new(ClientConfig::default()).expect("client");
    let reference: Reference = pushed.reference.parse().expect("reference");
    let manifest = client
        .get_manifest(&reference)
        .await
        .expect("manifest over TLS");
    assert_eq!(manifest.digest.to_string(), pushed.digest);

    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--allow-registry")
        .arg(registry.host())
        .start()
        .expect("strata serve");
    let response = reqwest::Client::new()
        .get(format!(
            "{}/v2/{}/library/alpine/manifests/latest",
            server.url(),
            registry.host().replace(':', "_")
        ))
        .header("accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json")
        .send()
        .await
        .expect("through /v2");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok()),
        Some(pushed.digest.as_str())
    );
}
