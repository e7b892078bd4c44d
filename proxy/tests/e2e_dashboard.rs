//! End to end: the dashboard from `strata serve` against the real registry,
//! in headless Chromium. Pull with live progress, filter, pin, remove with a
//! conflict then force, share a digest-pinned link, reload a deep URL, and
//! render an untrusted label as text.

use std::time::Duration;

use test_support::{Browser, DashboardStack};

const SHORT: Duration = Duration::from_secs(15);
const LONG: Duration = Duration::from_secs(60);

/// Types `reference` into the pull box, checks the live preview, pulls, and
/// waits until `n` pull cards have finished; returns the newest card's layer lines.
async fn pull(browser: &Browser, reference: &str, n: usize) -> Vec<String> {
    browser
        .type_into("[data-test=pull-ref]", reference, SHORT)
        .await
        .expect("type reference");
    browser
        .wait_texts("[data-test=ref-canonical]", SHORT, |t| {
            t.first().is_some_and(|c| c == reference)
        })
        .await
        .expect("the normalised reference shows while typing");
    browser
        .click("[data-test=pull-submit]", SHORT)
        .await
        .expect("pull");
    // Newest first: the card count grows to n, then the first card finishes.
    browser
        .wait_text(&format!(".pulls > article:nth-child({n})"), SHORT)
        .await
        .expect("a card per pull");
    browser
        .wait_text(".pulls > article:first-child[data-state=done]", LONG)
        .await
        .expect("the pull finishes");
    browser
        .texts(".pulls > article:first-child [data-test=layer]")
        .await
        .expect("layers")
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_pulls_filters_removes_and_shares() {
    let (stack, [v1, v2, labels]) = DashboardStack::start(
        env!("CARGO_BIN_EXE_strata"),
        [
            "lovelearnlinux/webserver:v1",
            "lovelearnlinux/webserver:v2",
            "test/labels:c",
        ],
    )
    .await
    .expect("dashboard stack");
    let browser = stack.browser();
    let host = stack.registry().host();

    // Pull: a bad reference is refused inline, before anything is sent.
    stack.open("/pull").await.expect("open /pull");
    browser
        .type_into("[data-test=pull-ref]", "Not A Ref", SHORT)
        .await
        .expect("type");
    let error = browser
        .wait_text("[data-test=ref-error]", SHORT)
        .await
        .expect("inline error");
    assert!(!error.is_empty());

    let first = pull(browser, &v1.reference, 1).await;
    assert_eq!(
        first.iter().filter(|l| l.contains("Pull complete")).count(),
        3,
        "{first:?}"
    );
    let second = pull(browser, &v2.reference, 2).await;
    assert_eq!(
        second
            .iter()
            .filter(|l| l.contains("Already exists"))
            .count(),
        2,
        "{second:?}"
    );
    assert_eq!(
        second
            .iter()
            .filter(|l| l.contains("Pull complete"))
            .count(),
        1,
        "{second:?}"
    );
    let digest = browser
        .wait_text(
            ".pulls > article:first-child [data-test=pull-digest]",
            SHORT,
        )
        .await
        .expect("digest");
    assert_eq!(digest, format!("Digest: {}", v2.digest));
    let status = browser
        .wait_text(
            ".pulls > article:first-child [data-test=pull-status]",
            SHORT,
        )
        .await
        .expect("status");
    assert!(
        status.starts_with("Status: Downloaded newer image for"),
        "{status}"
    );
    pull(browser, &labels.reference, 3).await;
    browser
        .screenshot("dashboard-pull")
        .await
        .expect("screenshot");

    // A shareable pull link fills the box.
    stack
        .open(&format!("/pull?ref={}", v1.reference))
        .await
        .expect("open pull link");
    let canonical = browser
        .wait_text("[data-test=ref-canonical]", SHORT)
        .await
        .expect("prefilled");
    assert_eq!(canonical, v1.reference);

    // Images: a bad filter is refused in the browser; a good one leaves one row.
    stack.open("/").await.expect("open /");
    browser
        .wait_texts("[data-test=col-tag]", SHORT, |t| t.len() == 3)
        .await
        .expect("three images");
    let usage = browser
        .wait_text("[data-test=usage]", SHORT)
        .await
        .expect("usage");
    assert!(usage.contains("saved by shared layers"), "{usage}");
    // SIZE is the unpacked size and BLOB SIZE the compressed one, as the
    // CLI prints them for the same store.
    let cli_sizes: Vec<String> = stack
        .server()
        .cli(
            env!("CARGO_BIN_EXE_strata"),
            &host,
            &["images", "--format", "{{.Size}} {{.BlobSize}}"],
        )
        .lines()
        .map(str::to_owned)
        .collect();
    let sizes = browser.texts("[data-test=col-size]").await.expect("sizes");
    let blob_sizes = browser
        .texts("[data-test=col-blob-size]")
        .await
        .expect("blob sizes");
    let shown: Vec<String> = sizes
        .iter()
        .zip(&blob_sizes)
        .map(|(s, b)| format!("{s} {b}"))
        .collect();
    assert_eq!(shown, cli_sizes, "newest first, as the CLI");
    assert!(
        sizes
            .iter()
            .all(|s| s != "unknown" && !blob_sizes.contains(s)),
        "{shown:?}"
    );
    browser
        .type_into("[data-test=filter-input]", "dangling=maybe", SHORT)
        .await
        .expect("type filter");
    let error = browser
        .wait_text("[data-test=filter-error]", SHORT)
        .await
        .expect("filter error");
    assert!(error.contains("dangling=maybe"), "{error}");
    browser
        .type_into("[data-test=filter-input]", "reference=*/*/*:v1", SHORT)
        .await
        .expect("type filter");
    browser
        .click("[data-test=filter-apply]", SHORT)
        .await
        .expect("apply");
    let tags = browser
        .wait_texts("[data-test=col-tag]", SHORT, |t| t == ["v1"])
        .await
        .expect("one row for v1");
    assert_eq!(tags, ["v1"]);
    let chips = browser
        .texts("[data-test=filter-chip]")
        .await
        .expect("chips");
    assert!(chips[0].contains("reference=*/*/*:v1"), "{chips:?}");
    browser
        .screenshot("dashboard-images-filtered")
        .await
        .expect("screenshot");

    // Pin v1, remove it without force (the pin blocks it), then with force.
    browser
        .click("[data-test=row-select]", SHORT)
        .await
        .expect("select row");
    browser
        .type_into("[data-test=pin-by]", "prod", SHORT)
        .await
        .expect("pin by");
    browser.click("[data-test=pin]", SHORT).await.expect("pin");
    browser
        .wait_texts("[data-test=outcome-ok]", SHORT, |t| {
            t.iter().any(|l| l.contains("Pinned"))
        })
        .await
        .expect("pinned");
    browser
        .click("[data-test=rm]", SHORT)
        .await
        .expect("remove");
    let conflict = browser
        .wait_texts("[data-test=outcome-error]", SHORT, |t| !t.is_empty())
        .await
        .expect("the pin conflict is shown");
    assert!(
        conflict[0].contains("prod"),
        "the conflict names the pin: {conflict:?}"
    );
    browser
        .screenshot("dashboard-rm-conflict")
        .await
        .expect("screenshot");
    browser
        .click("[data-test=rm-force]", SHORT)
        .await
        .expect("force");
    browser
        .click("[data-test=rm]", SHORT)
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
        removed
            .iter()
            .any(|l| l.contains(":v1") || l.starts_with("Deleted")),
        "{removed:?}"
    );
    browser
        .wait_text("[data-test=no-images]", SHORT)
        .await
        .expect("no v1 row left");

    // The image page of v2 links to itself pinned to the digest.
    stack
        .open(&format!("/i/{}", v2.reference))
        .await
        .expect("open image page");
    let shown = browser
        .wait_text("[data-test=image-digest]", SHORT)
        .await
        .expect("digest");
    assert_eq!(shown, v2.digest);
    let layers = browser
        .texts("[data-test=shared-with]")
        .await
        .expect("layers");
    assert_eq!(layers.len(), 3, "{layers:?}");
    let share = browser
        .wait_text("[data-test=share-link]", SHORT)
        .await
        .expect("share link");
    assert!(
        share.ends_with(&format!("/lovelearnlinux/webserver@{}", v2.digest)),
        "{share}"
    );
    browser
        .screenshot("dashboard-image")
        .await
        .expect("screenshot");
    browser
        .scroll_to("[data-test=layers]", SHORT)
        .await
        .expect("scroll");
    browser
        .screenshot("dashboard-image-layers")
        .await
        .expect("screenshot");

    // A fresh browser opening the link sees the same digest, and again after a reload.
    let other = Browser::start().await.expect("second chromium");
    other.open(&share).await.expect("open share link");
    let shown = other
        .wait_text("[data-test=image-digest]", SHORT)
        .await
        .expect("digest");
    assert_eq!(shown, v2.digest);
    other.client().refresh().await.expect("reload");
    let shown = other
        .wait_text("[data-test=image-digest]", SHORT)
        .await
        .expect("digest after reload");
    assert_eq!(shown, v2.digest);
    other.close().await.expect("close");

    // An untrusted label is text, not markup.
    stack
        .open(&format!("/i/{}", labels.reference))
        .await
        .expect("open labels image");
    let values = browser
        .wait_texts("[data-test=label-value]", SHORT, |t| t.len() == 3)
        .await
        .expect("labels");
    assert!(
        values.iter().any(|v| v == "<script>alert(1)</script>"),
        "{values:?}"
    );
    assert_eq!(browser.alert_text().await, None, "no script ran");
    let scripts = browser
        .texts("[data-test=labels] script")
        .await
        .expect("query");
    assert!(scripts.is_empty(), "a label became a script element");
    browser
        .scroll_to("[data-test=labels]", SHORT)
        .await
        .expect("scroll");
    browser
        .screenshot("dashboard-labels")
        .await
        .expect("screenshot");

    // A name the store does not hold says so and offers to pull it.
    stack
        .open(&format!("/i/{host}/nope:1"))
        .await
        .expect("open missing image");
    let missing = browser
        .wait_text("[data-test=image-not-found]", SHORT)
        .await
        .expect("not-found page");
    assert!(missing.contains("nope:1"), "{missing}");
    let pull_it = browser
        .attr("[data-test=pull-it]", "href", SHORT)
        .await
        .expect("pull link");
    assert_eq!(
        pull_it.as_deref(),
        Some(
            format!(
                "/pull?ref={}",
                test_support_encode(&format!("{host}/nope:1"))
            )
            .as_str()
        )
    );
    browser
        .screenshot("dashboard-not-found")
        .await
        .expect("screenshot");

    // Phone width: the images page still fits.
    browser.resize(390, 844).await.expect("resize");
    stack.open("/").await.expect("open /");
    browser
        .wait_texts("[data-test=col-tag]", SHORT, |t| t.len() == 2)
        .await
        .expect("two images left");
    browser
        .screenshot("dashboard-images-phone")
        .await
        .expect("screenshot");
    stack.close().await.expect("close");
}

/// `encodeURIComponent` for the characters a reference can hold.
fn test_support_encode(s: &str) -> String {
    s.replace(':', "%3A")
        .replace('/', "%2F")
        .replace('@', "%40")
}
