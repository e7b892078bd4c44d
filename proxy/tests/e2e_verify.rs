//! End to end: the image page's "Verify" panel in headless Chromium, through
//! strata's `/v2` in front of a real registry. A link by digest shows every
//! node verified for each fixture (OCI gzip, zstd, Docker schema2, an
//! index); a link by tag says where trust starts; an upstream that changes
//! one byte of a layer, the config or the manifest turns exactly that node
//! red.

use std::time::Duration;

use test_support::faulty::{Fault, FaultyRegistry};
use test_support::strata::serve_dashboard;
use test_support::{Auth, Browser, DashboardStack, Registry};

const LONG: Duration = Duration::from_secs(60);

/// Opens `/i/{reference}`, waits until every node has settled, and returns it
/// with every node as `(data-test, data-state)`.
async fn verify(
    browser: &Browser,
    url: &str,
    reference: &str,
    shot: &str,
) -> (String, Vec<(String, String)>, usize) {
    browser
        .open(&format!("{url}/i/{reference}"))
        .await
        .expect("open the image page");
    browser
        .wait_text("[data-test=verify-verdict][data-done=true]", LONG)
        .await
        .unwrap_or_else(|e| panic!("{reference}: the verdict never settled: {e}"));
    let verdict = browser
        .attr("[data-test=verify-verdict]", "data-state", LONG)
        .await
        .expect("verdict")
        .unwrap_or_default();
    let nodes: Vec<(String, String)> = browser
        .json(
            "return Array.from(document.querySelectorAll('[data-test=verify-tree] > li')).map(li => [li.dataset.test, li.dataset.state]);",
        )
        .await
        .expect("read nodes");
    browser
        .client()
        .execute(
            "document.querySelector('[data-test=verify]').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll");
    browser.screenshot(shot).await.expect("screenshot");
    let workers = browser
        .attr("[data-test=verify-verdict]", "data-workers", LONG)
        .await
        .expect("workers")
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    (verdict, nodes, workers)
}

fn states_other_than<'a>(nodes: &'a [(String, String)], skip: &[&str]) -> Vec<&'a str> {
    nodes
        .iter()
        .filter(|(id, _)| !skip.contains(&id.as_str()))
        .map(|(_, state)| state.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn links_by_digest_verify_every_node() {
    let names = [
        ("library/redis:latest", "redis", false),
        ("test/zstd:latest", "zstd", false),
        ("test/docker-v2:latest", "docker-v2", false),
        ("library/multi:latest", "multi", true),
    ];
    let (stack, pushed) =
        DashboardStack::start(env!("CARGO_BIN_EXE_strata"), names.map(|(name, _, _)| name))
            .await
            .expect("dashboard stack");
    let browser = stack.browser();
    let url = stack.server().url();
    let host = stack.registry().host();

    for ((name, shot, is_index), p) in names.iter().zip(&pushed) {
        let repo = name.split(':').next().unwrap_or_default();
        let reference = format!("{host}/{repo}@{}", p.digest);
        let (verdict, nodes, _) =
            verify(browser, &url, &reference, &format!("verify-{shot}")).await;
        assert_eq!(verdict, "verified", "{name}: {nodes:?}");
        assert!(
            nodes.len() >= 4,
            "{name}: manifest, config, a layer and its diff: {nodes:?}"
        );
        assert!(
            nodes.iter().all(|(_, s)| s == "verified"),
            "{name}: {nodes:?}"
        );
        assert_eq!(nodes[0].0 == "verify-index", *is_index, "{name}: {nodes:?}");
        assert!(
            nodes.iter().any(|(id, _)| id == "verify-diff-0"),
            "{name}: {nodes:?}"
        );
    }

    // By tag: verified too, and the page says where trust starts.
    let by_tag = format!("{host}/library/redis:latest");
    let (verdict, nodes, _) = verify(browser, &url, &by_tag, "verify-by-tag").await;
    assert_eq!(verdict, "verified", "{nodes:?}");
    let note = browser
        .wait_text("[data-test=verify-trust-note]", LONG)
        .await
        .expect("trust note");
    assert!(note.contains(&pushed[0].digest), "{note}");
    stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_byte_turns_exactly_that_node_red() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry.push_fixture("library/redis:latest").expect("push");
    let raw = registry
        .raw_manifest("library/redis", "latest")
        .expect("manifest");
    let manifest: serde_json::Value = serde_json::from_slice(&raw).expect("json");
    let config = manifest["config"]["digest"]
        .as_str()
        .expect("config digest")
        .to_owned();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["digest"].as_str().map(str::to_owned))
        .collect();
    assert!(layers.len() >= 2, "{layers:?}");
    let last = layers.len() - 1;
    let layer_fault = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::CorruptBlob(layers[last].clone())],
    )
    .expect("faulty");
    let config_fault =
        FaultyRegistry::start(&registry.url(), vec![Fault::CorruptBlob(config)]).expect("faulty");
    let manifest_fault = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::CorruptManifest(redis.digest.clone())],
    )
    .expect("faulty");
    let browser = Browser::start().await.expect("chromium");
    let red = ["mismatch", "failed"];
    let at = |host: String| format!("{host}/library/redis@{}", redis.digest);
    // strata's store is shared by every upstream (content-addressed), so each
    // case gets a fresh server that has fetched nothing honest yet.
    let serve =
        |host: String| serve_dashboard(env!("CARGO_BIN_EXE_strata"), &host).expect("strata serve");

    // A layer: that layer is red, its diff unchecked, everything else
    // verified, with the layers checked in Web Workers (the page's pool).
    let (verdict, nodes, workers) = verify(
        &browser,
        &serve(layer_fault.host()).url(),
        &at(layer_fault.host()),
        "verify-tampered-layer",
    )
    .await;
    assert_eq!(verdict, "failed", "{nodes:?}");
    let layer_id = format!("verify-layer-{last}");
    let diff_id = format!("verify-diff-{last}");
    let state = |id: &str| nodes.iter().find(|(n, _)| n == id).map(|(_, s)| s.clone());
    assert!(
        state(&layer_id).is_some_and(|s| red.contains(&s.as_str())),
        "{nodes:?}"
    );
    assert_eq!(state(&diff_id).as_deref(), Some("unchecked"), "{nodes:?}");
    let others = states_other_than(&nodes, &[&layer_id, &diff_id]);
    assert!(others.iter().all(|s| *s == "verified"), "{nodes:?}");
    assert!(
        workers >= 1,
        "the layers were verified on the page's thread"
    );

    // The config: the config is red, the layers verified, the diffs (whose
    // expected digests the config lists) unchecked.
    let (verdict, nodes, _) = verify(
        &browser,
        &serve(config_fault.host()).url(),
        &at(config_fault.host()),
        "verify-tampered-config",
    )
    .await;
    assert_eq!(verdict, "failed", "{nodes:?}");
    for (id, s) in &nodes {
        let want: &[&str] = match id.as_str() {
            "verify-config" => &red,
            d if d.starts_with("verify-diff-") => &["unchecked"],
            _ => &["verified"],
        };
        assert!(want.contains(&s.as_str()), "{id} is {s}: {nodes:?}");
    }

    // The manifest: the manifest is red, nothing below it is trusted.
    let (verdict, nodes, _) = verify(
        &browser,
        &serve(manifest_fault.host()).url(),
        &at(manifest_fault.host()),
        "verify-tampered-manifest",
    )
    .await;
    assert_eq!(verdict, "failed", "{nodes:?}");
    assert_eq!(
        nodes.first().map(|(id, _)| id.as_str()),
        Some("verify-manifest"),
        "{nodes:?}"
    );
    assert!(red.contains(&nodes[0].1.as_str()), "{nodes:?}");
    assert!(
        states_other_than(&nodes, &["verify-manifest"])
            .iter()
            .all(|s| *s != "verified"),
        "{nodes:?}"
    );

    // The same image from the honest registry verifies.
    let (verdict, nodes, _) = verify(
        &browser,
        &serve(registry.host()).url(),
        &at(registry.host()),
        "verify-honest",
    )
    .await;
    assert_eq!(verdict, "verified", "{nodes:?}");
    browser.close().await.expect("close");
}
