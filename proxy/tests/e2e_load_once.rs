//! End to end: the image page, its Verify panel and the explorer read an
//! image once per page. In headless Chromium, through strata's `/v2` in
//! front of a real registry: opening a multi-platform image by digest, then
//! following its "Browse filesystem" link, fetches the index, the chosen
//! platform's manifest and the config once each, whatever reads them.

use std::collections::BTreeMap;
use std::time::Duration;

use test_support::DashboardStack;

const LONG: Duration = Duration::from_secs(60);

/// How often the page (not its workers) fetched each `/v2` manifest or
/// blob, by path.
async fn v2_fetches(stack: &DashboardStack) -> BTreeMap<String, usize> {
    let paths: Vec<String> = stack
        .browser()
        .json(
            "return performance.getEntriesByType('resource')
                .map(e => new URL(e.name).pathname)
                .filter(p => p.startsWith('/v2/'))",
        )
        .await
        .expect("resource list");
    let mut counts = BTreeMap::new();
    for path in paths {
        *counts.entry(path).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn the_image_page_verify_and_the_explorer_read_an_image_once() {
    let (stack, pushed) =
        DashboardStack::start(env!("CARGO_BIN_EXE_strata"), ["library/multi:latest"])
            .await
            .expect("dashboard stack");
    let host = stack.registry().host();
    let reference = format!("{host}/library/multi@{}", pushed[0].digest);
    stack
        .open(&format!("/i/{reference}"))
        .await
        .expect("open the image page");
    // Verify runs on its own once the facts show; wait for its verdict.
    stack
        .browser()
        .wait_text("[data-test=verify-verdict][data-done=true]", LONG)
        .await
        .expect("Verify settles");
    // So does the signatures panel (the index's attestation is unsigned).
    stack
        .browser()
        .wait_text("[data-test=signature-verdict][data-state=unsigned]", LONG)
        .await
        .expect("the signatures panel settles");
    let on_the_page = v2_fetches(&stack).await;
    // The signatures panel reads other documents: the referrers, cosign's
    // tags and the index's attestation manifests (each once too).
    let index: serde_json::Value = serde_json::from_slice(
        &stack
            .registry()
            .raw_manifest("library/multi", &pushed[0].digest)
            .expect("raw index"),
    )
    .expect("json");
    let attestations: Vec<String> = index["manifests"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|d| d["annotations"]["vnd.docker.reference.type"] == "attestation-manifest")
        .filter_map(|d| d["digest"].as_str().map(str::to_owned))
        .collect();
    assert!(
        !attestations.is_empty(),
        "the fixture has an attestation entry"
    );
    let manifests: Vec<&String> = on_the_page
        .keys()
        .filter(|p| p.contains("/manifests/") && !p.contains("/manifests/sha256-"))
        .filter(|p| !attestations.iter().any(|a| p.ends_with(a.as_str())))
        .collect();
    assert_eq!(
        manifests.len(),
        2,
        "the index and the chosen platform's manifest: {on_the_page:?}"
    );
    assert!(
        on_the_page.values().all(|n| *n == 1),
        "the image page and Verify each read what the other read: {on_the_page:?}"
    );

    // The explorer, opened from the page, reads the same documents again
    // from the page's copy: no manifest or config is fetched anew.
    stack
        .browser()
        .click("[data-test=browse-fs]", LONG)
        .await
        .expect("follow Browse filesystem");
    let status = stack
        .browser()
        .wait_text("[data-test=explorer-status]", LONG)
        .await
        .expect("the explorer reads the layers");
    assert!(!status.is_empty(), "{status}");
    let after = v2_fetches(&stack).await;
    // The layers are streamed again (the explorer reads their files; Verify
    // only hashed them), but the documents are not.
    let child = manifests
        .iter()
        .map(|p| p.rsplit('/').next().unwrap_or_default())
        .find(|d| *d != pushed[0].digest)
        .expect("the platform's manifest");
    let raw = stack
        .registry()
        .raw_manifest("library/multi", child)
        .expect("raw manifest");
    let manifest: serde_json::Value = serde_json::from_slice(&raw).expect("json");
    let config = manifest["config"]["digest"]
        .as_str()
        .expect("config digest");
    for (path, n) in &after {
        if path.contains("/manifests/") || path.ends_with(config) {
            assert_eq!(
                Some(*n),
                on_the_page.get(path).copied(),
                "{path} was fetched again for the explorer: {after:?}"
            );
        }
    }
    assert!(
        after.keys().any(|p| p.ends_with(config)),
        "the config was read once, on the page: {after:?}"
    );
    stack.close().await.expect("close");
}
