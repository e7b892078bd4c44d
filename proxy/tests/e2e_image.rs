//! End to end: the image page (`/i/{reference}`) in headless Chromium,
//! against `strata serve` in front of a real registry. An index lists its
//! platforms (the attestation as what it is) and the choice lives in the
//! URL, through a click and a reload; the raw JSON panels link every
//! digest; an image the store does not hold shows its config through
//! `/v2`; Pull stores it, Remove is refused by a pin (naming it) and then
//! forced.

use std::time::Duration;

use test_support::{Browser, DashboardStack};

const SHORT: Duration = Duration::from_secs(20);
const LONG: Duration = Duration::from_secs(60);

/// `[attribute, text]` of every element matching `css`.
async fn attr_texts(browser: &Browser, css: &str, attribute: &str) -> Vec<(String, String)> {
    let script = format!(
        "return Array.from(document.querySelectorAll({css:?})).map(e => [e.getAttribute({attribute:?}) || '', e.textContent]);"
    );
    browser
        .json(&script)
        .await
        .unwrap_or_else(|e| panic!("pairs: {e}"))
}

/// Waits until the shown platform starts with `want`.
async fn shown_platform(browser: &Browser, want: &str) {
    browser
        .wait_texts("[data-test=image-platform]", SHORT, |t| {
            t.first().is_some_and(|p| p.starts_with(want))
        })
        .await
        .unwrap_or_else(|e| panic!("platform {want} is shown: {e}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn index_platforms_live_in_the_url_and_raw_json_digests_link() {
    let (stack, [multi, labels]) = DashboardStack::start(
        env!("CARGO_BIN_EXE_strata"),
        ["library/multi:latest", "test/labels:c"],
    )
    .await
    .expect("dashboard stack");
    let browser = stack.browser();
    let host = stack.registry().host();

    // By tag: the index's platforms, amd64 shown by default, the attestation apart.
    stack
        .open(&format!("/i/{host}/library/multi:latest"))
        .await
        .expect("open the index");
    browser
        .wait_text("[data-test=platforms]", LONG)
        .await
        .expect("platform list");
    shown_platform(browser, "linux/amd64").await;
    let platforms = attr_texts(browser, "[data-test=platform]", "data-platform").await;
    let names: Vec<&str> = platforms.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["linux/amd64", "linux/arm64/v8"], "{platforms:?}");
    let others = browser
        .texts("[data-test=attestation]")
        .await
        .expect("attestations");
    assert_eq!(others.len(), 1, "{others:?}");
    assert!(
        others[0].contains("Attestation") && others[0].contains("for linux/amd64"),
        "{others:?}"
    );
    assert!(others[0].contains("not a platform"), "{others:?}");
    let index_digest = browser
        .wait_text("[data-test=index-digest]", SHORT)
        .await
        .expect("index digest");
    assert_eq!(index_digest, multi.digest);
    browser.screenshot("image-index").await.expect("screenshot");

    // A click picks arm64: the URL says so, and a reload shows the same view.
    browser
        .click(
            "[data-platform='linux/arm64/v8'] [data-test=platform-pick]",
            SHORT,
        )
        .await
        .expect("pick arm64");
    browser
        .wait_url(SHORT, |u| u.ends_with("?platform=linux/arm64/v8"))
        .await
        .expect("the URL names arm64");
    shown_platform(browser, "linux/arm64/v8").await;
    let arm_digest = browser
        .wait_text("[data-test=image-digest]", SHORT)
        .await
        .expect("digest");
    let share = browser
        .wait_text("[data-test=share-link]", SHORT)
        .await
        .expect("share link");
    assert!(
        share.ends_with(&format!(
            "/library/multi@{}?platform=linux/arm64/v8",
            multi.digest
        )),
        "the link pins the index and keeps the platform: {share}"
    );
    browser.client().refresh().await.expect("reload");
    shown_platform(browser, "linux/arm64/v8").await;
    let after_reload = browser
        .wait_text("[data-test=image-digest]", SHORT)
        .await
        .expect("digest after reload");
    assert_eq!(after_reload, arm_digest);
    let current = browser
        .texts("[data-test=platform].current")
        .await
        .expect("current");
    assert_eq!(current.len(), 1, "{current:?}");
    assert!(current[0].contains("linux/arm64/v8"), "{current:?}");
    browser
        .screenshot("image-index-arm64")
        .await
        .expect("screenshot");
    browser.resize(390, 844).await.expect("phone width");
    browser
        .scroll_to("[data-test=platforms]", SHORT)
        .await
        .expect("scroll");
    browser
        .screenshot("image-index-phone")
        .await
        .expect("screenshot");
    browser
        .scroll_to("[data-test=raw-manifest]", SHORT)
        .await
        .expect("scroll");
    browser
        .screenshot("image-raw-json-phone")
        .await
        .expect("screenshot");
    browser.resize(1280, 900).await.expect("desktop width");

    // The share link in a fresh page, spelled the short way, shows the same.
    stack
        .open(&format!(
            "/i/{host}/library/multi@{}?platform=linux/arm64",
            multi.digest
        ))
        .await
        .expect("open the pinned link");
    shown_platform(browser, "linux/arm64/v8").await;
    assert_eq!(
        browser
            .wait_text("[data-test=image-digest]", SHORT)
            .await
            .expect("digest"),
        arm_digest
    );

    // Raw JSON: the index's digests lead to image pages (three entries, and
    // the attestation's annotation); clicking the arm64 one opens it.
    browser
        .wait_text("[data-test=raw-index] [data-test=json-digest]", LONG)
        .await
        .expect("raw index");
    let index_links = attr_texts(
        browser,
        "[data-test=raw-index] [data-test=json-digest]",
        "href",
    )
    .await;
    assert_eq!(index_links.len(), 4, "{index_links:?}");
    for (href, digest) in &index_links {
        assert_eq!(
            href,
            &format!("/i/{host}/library/multi@{digest}"),
            "{index_links:?}"
        );
    }
    let raw_index = browser
        .wait_text("[data-test=raw-index] [data-test=raw-json-text]", SHORT)
        .await
        .expect("raw index text");
    let reparsed: serde_json::Value =
        serde_json::from_str(&raw_index).expect("the panel shows JSON");
    let original: serde_json::Value = serde_json::from_slice(
        &stack
            .registry()
            .raw_manifest("library/multi", &multi.digest)
            .expect("raw"),
    )
    .expect("json");
    assert_eq!(reparsed, original, "the same document, re-indented");

    // The manifest's layers lead to the explorer, its config to the blob.
    let manifest_links = attr_texts(
        browser,
        "[data-test=raw-manifest] [data-test=json-digest]",
        "data-role",
    )
    .await;
    let roles: Vec<&str> = manifest_links.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(roles, ["config", "layer"], "{manifest_links:?}");
    let layer_href = browser
        .attr("[data-test=raw-manifest] [data-role=layer]", "href", SHORT)
        .await
        .expect("layer link");
    assert_eq!(
        layer_href.as_deref(),
        Some(format!("/i/{host}/library/multi@{arm_digest}/layers/0").as_str())
    );
    let config_href = browser
        .attr("[data-test=raw-manifest] [data-role=config]", "href", SHORT)
        .await
        .expect("config link")
        .unwrap_or_default();
    let host_path = host.replace(':', "_");
    assert!(
        config_href.starts_with(&format!("/v2/{host_path}/library/multi/blobs/sha256:")),
        "{config_href}"
    );
    let diff_ids = attr_texts(
        browser,
        "[data-test=raw-config] [data-test=json-digest]",
        "href",
    )
    .await;
    let hrefs: Vec<&str> = diff_ids.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(
        hrefs,
        [format!("/i/{host}/library/multi@{arm_digest}/layers/0")],
        "the config's diff_id leads to its layer: {diff_ids:?}"
    );
    browser
        .scroll_to("[data-test=raw-manifest]", SHORT)
        .await
        .expect("scroll");
    browser
        .screenshot("image-raw-json")
        .await
        .expect("screenshot");

    // Clicking an index entry's digest opens that manifest's own page.
    browser
        .scroll_to("[data-test=raw-index]", SHORT)
        .await
        .expect("scroll");
    let position = index_links
        .iter()
        .position(|(_, d)| d == &arm_digest)
        .expect("the arm64 entry is linked")
        + 1;
    browser
        .click(
            &format!("[data-test=raw-index] [data-test=json-digest]:nth-of-type({position})"),
            SHORT,
        )
        .await
        .expect("click the arm64 digest");
    browser
        .wait_url(SHORT, |u| {
            u.ends_with(&format!("/i/{host}/library/multi@{arm_digest}"))
        })
        .await
        .expect("the URL names the arm64 manifest");
    browser
        .wait_texts("[data-test=image-digest]", SHORT, |t| {
            t.first() == Some(&arm_digest)
        })
        .await
        .expect("the manifest's page");
    assert!(
        browser
            .texts("[data-test=platforms]")
            .await
            .expect("query")
            .is_empty(),
        "a single manifest has no platform list"
    );

    // The config link leaves the app (the router must not take it) for the
    // raw blob, which is the config.
    assert_eq!(
        browser
            .attr("[data-test=raw-manifest] [data-role=config]", "rel", SHORT)
            .await
            .expect("rel")
            .as_deref(),
        Some("external")
    );
    let blob = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));",
            vec![serde_json::Value::String(config_href.clone())],
        )
        .await
        .expect("fetch the config blob");
    let config: serde_json::Value =
        serde_json::from_str(blob.as_str().unwrap_or_default()).expect("the config JSON");
    assert_eq!(config["architecture"], "arm64", "{blob}");

    // Untrusted strings in the raw JSON are text, never markup.
    stack
        .open(&format!("/i/{}", labels.reference))
        .await
        .expect("open the labels image");
    let raw_config = browser
        .wait_text("[data-test=raw-config] [data-test=raw-json-text]", LONG)
        .await
        .expect("raw config");
    assert!(
        raw_config.contains("<script>alert(1)</script>")
            || raw_config.contains("\\u003cscript\\u003e"),
        "{raw_config}"
    );
    assert!(
        browser
            .texts("[data-test=raw-config] script")
            .await
            .expect("query")
            .is_empty(),
        "a label became a script element"
    );
    assert_eq!(browser.alert_text().await, None, "no script ran");
    stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_not_stored_image_shows_its_config_then_pull_and_remove() {
    let (stack, [redis]) =
        DashboardStack::start(env!("CARGO_BIN_EXE_strata"), ["library/redis:latest"])
            .await
            .expect("dashboard stack");
    let browser = stack.browser();
    let host = stack.registry().host();

    // Not in the store: the facts come through /v2.
    stack
        .open(&format!("/i/{}", redis.reference))
        .await
        .expect("open redis");
    browser
        .wait_text("[data-test=image-not-found][data-found=true]", LONG)
        .await
        .expect("not stored, found through /v2");
    let text = |css: &'static str| async move { browser.wait_text(css, LONG).await.expect(css) };
    assert!(
        text("[data-test=config-entrypoint]")
            .await
            .contains("docker-entrypoint.sh")
    );
    assert!(
        text("[data-test=config-cmd]")
            .await
            .contains("redis-server")
    );
    assert_eq!(text("[data-test=config-user]").await, "redis");
    assert_eq!(text("[data-test=config-workdir]").await, "/data");
    assert!(text("[data-test=config-ports]").await.contains("6379/tcp"));
    assert!(
        text("[data-test=config-env]")
            .await
            .contains("REDIS_VERSION=7.2.4")
    );
    let labels = browser
        .texts("[data-test=label-value]")
        .await
        .expect("labels");
    assert_eq!(labels, ["redis", "7.2.4"]);
    let empty: Vec<(String, String)> =
        attr_texts(browser, "[data-test=history-row]", "data-empty").await;
    let marked = empty.iter().filter(|(e, _)| e == "true").count();
    assert_eq!(
        marked, 6,
        "ENV, VOLUME, WORKDIR, ENTRYPOINT, EXPOSE, CMD: {empty:?}"
    );
    assert!(
        empty
            .iter()
            .filter(|(e, _)| e == "true")
            .all(|(_, t)| t.contains("empty layer")),
        "{empty:?}"
    );
    let types = browser
        .texts("[data-test=layer-media-type]")
        .await
        .expect("media types");
    assert_eq!(types.len(), 6, "{types:?}");
    assert!(
        types.iter().all(|t| t.starts_with("application/vnd.")),
        "{types:?}"
    );
    let browse = attr_texts(browser, "[data-test=browse-layer]", "href").await;
    for (n, (href, _)) in browse.iter().enumerate() {
        assert_eq!(
            href,
            &format!("/i/{host}/library/redis@{}/layers/{n}", redis.digest)
        );
    }
    assert_eq!(
        browser
            .attr("[data-test=browse-fs]", "href", SHORT)
            .await
            .expect("fs link")
            .as_deref(),
        Some(format!("/i/{host}/library/redis@{}/fs/", redis.digest).as_str())
    );
    assert!(
        text("[data-test=image-stored]")
            .await
            .contains("not stored")
    );
    assert!(
        browser
            .texts("[data-test=image-rm]")
            .await
            .expect("query")
            .is_empty(),
        "nothing to remove"
    );
    browser
        .screenshot("image-not-stored")
        .await
        .expect("screenshot");

    // Pull: the card runs to the end, then the page shows the stored image.
    let pull = browser
        .wait_text("[data-test=image-pull]", SHORT)
        .await
        .expect("pull button");
    assert_eq!(pull, "Pull");
    browser
        .click("[data-test=image-pull]", SHORT)
        .await
        .expect("pull");
    browser
        .wait_text(".pulls > article[data-state=done]", LONG)
        .await
        .expect("the pull finishes");
    browser
        .wait_texts("[data-test=image-tags]", SHORT, |t| {
            t.first()
                .is_some_and(|t| t.contains("library/redis:latest"))
        })
        .await
        .expect("the stored image's tags");
    assert_eq!(
        text("[data-test=image-digest]").await,
        redis.digest,
        "the same manifest"
    );
    assert_eq!(
        text("[data-test=image-pull]").await,
        "Pull again",
        "opened by tag, pulling refreshes"
    );
    browser
        .screenshot("image-pulled")
        .await
        .expect("screenshot");

    // A pin blocks Remove, and the refusal names it; Force removes it.
    let pinned = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/api/v1/session').then(r => r.json())
               .then(s => fetch('/api/v1/pins', {method: 'POST',
                 headers: {'Content-Type': 'application/json', 'X-Strata-Csrf': s.csrf_token},
                 body: JSON.stringify({image: arguments[0], by: 'prod'})}))
               .then(r => done(r.status), e => done(String(e)));",
            vec![serde_json::Value::String(redis.reference.clone())],
        )
        .await
        .expect("pin through the API");
    assert_eq!(pinned, serde_json::json!(200), "pin: {pinned}");
    browser.client().refresh().await.expect("reload");
    browser
        .wait_texts("[data-test=image-pins]", SHORT, |t| {
            t.first().is_some_and(|t| t.contains("prod"))
        })
        .await
        .expect("the pin shows");
    browser
        .click("[data-test=image-rm]", SHORT)
        .await
        .expect("remove");
    let refused = browser
        .wait_texts("[data-test=outcome-error]", SHORT, |t| !t.is_empty())
        .await
        .expect("the pin conflict");
    assert!(refused[0].contains("prod"), "names the pin: {refused:?}");
    assert!(
        browser
            .texts("[data-test=image-tags]")
            .await
            .expect("tags")
            .first()
            .is_some_and(|t| t.contains("redis:latest")),
        "still stored"
    );
    browser
        .screenshot("image-rm-conflict")
        .await
        .expect("screenshot");
    browser
        .click("[data-test=image-rm-force]", SHORT)
        .await
        .expect("force");
    browser
        .click("[data-test=image-rm]", SHORT)
        .await
        .expect("remove with force");
    let removed = browser
        .wait_texts("[data-test=outcome-ok]", SHORT, |t| {
            t.iter()
                .any(|l| l.starts_with("Untagged") || l.starts_with("Deleted"))
        })
        .await
        .expect("removed");
    assert!(
        removed.iter().any(|l| l.contains("redis:latest")),
        "{removed:?}"
    );
    browser
        .wait_text("[data-test=image-not-found][data-found=true]", SHORT)
        .await
        .expect("back to not stored, still readable through /v2");
    browser
        .wait_text("[data-test=image-pull]", SHORT)
        .await
        .expect("pull offered again");
    assert!(
        browser
            .texts("[data-test=image-rm]")
            .await
            .expect("query")
            .is_empty(),
        "nothing left to remove"
    );
    browser
        .screenshot("image-removed")
        .await
        .expect("screenshot");
    stack.close().await.expect("close");
}
