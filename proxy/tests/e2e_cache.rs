//! End to end: the dashboard's `/cache` page in headless Chromium, after
//! skopeo pulled an image through `strata serve`'s `/v2` twice (the first
//! pull misses, the second is served from the store).

use std::process::Command;
use std::time::Duration;

use test_support::{DashboardStack, run};

const SHORT: Duration = Duration::from_secs(15);

/// `skopeo copy docker://<reference> oci:<fresh dir>`: a real client's pull.
fn skopeo_pull(reference: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--src-tls-verify=false"])
        .arg(format!("docker://{reference}"))
        .arg(format!("oci:{}:pulled", dir.path().display())));
}

/// The number shown in `css`, once the page shows one.
async fn number(stack: &DashboardStack, css: &str) -> u64 {
    let texts = stack
        .browser()
        .wait_texts(css, SHORT, |t| {
            t.first().is_some_and(|n| n.parse::<u64>().is_ok())
        })
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    texts[0].parse().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cache_page_shows_hits_after_a_second_pull() {
    let (stack, [webserver]) = DashboardStack::start(
        env!("CARGO_BIN_EXE_strata"),
        ["lovelearnlinux/webserver:v1"],
    )
    .await
    .expect("dashboard stack");
    // Before any pull: no requests counted, and the page says so.
    stack.open("/cache").await.expect("open /cache");
    assert_eq!(number(&stack, "[data-test=cache-hits]").await, 0);
    let ratio = stack
        .browser()
        .wait_text("[data-test=cache-hit-ratio]", SHORT)
        .await
        .expect("ratio");
    assert_eq!(ratio, "no requests yet");

    // `127.0.0.1:STRATA/127.0.0.1_REGISTRY/lovelearnlinux/webserver:v1`.
    let through = format!(
        "{}/{}",
        stack.server().host(),
        webserver.reference.replacen(':', "_", 1)
    );
    skopeo_pull(&through);
    skopeo_pull(&through);

    stack.open("/cache").await.expect("reopen /cache");
    let hits = number(&stack, "[data-test=cache-hits]").await;
    let misses = number(&stack, "[data-test=cache-misses]").await;
    assert!(hits > 0, "the second pull was served from the store");
    assert!(misses > 0, "the first pull fetched from the registry");
    let nav = stack.browser().texts("nav a").await.expect("navigation");
    assert!(nav.iter().any(|a| a == "Cache"), "{nav:?}");
    let largest = stack
        .browser()
        .wait_text("[data-test=cache-largest] td a", SHORT)
        .await
        .expect("the pulled image is listed");
    assert!(largest.contains("lovelearnlinux/webserver"), "{largest}");
    stack
        .browser()
        .wait_text("[data-test=cache-no-retention]", SHORT)
        .await
        .expect("the retention section says there is no policy");
    stack.close().await.expect("close");
}
