//! End to end: the real dashboard from `strata serve`, in headless Chromium.

use std::time::Duration;

use test_support::Browser;
use test_support::strata::{StrataOptions, built_dashboard};

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_shows_the_server_version() {
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_built_dashboard()
        .expect("dashboard built")
        .start()
        .expect("strata serve starts");
    let browser = Browser::start().await.expect("chromium starts");

    // A deep link: the server falls back to index.html and the app routes it.
    browser
        .client()
        .goto(&format!("{}/search", server.url()))
        .await
        .expect("navigate");
    let version = browser
        .wait_text("[data-test=server-version]", Duration::from_secs(30))
        .await
        .expect("version shown");
    assert_eq!(version, format!("strata {}", strata::VERSION));
    let heading = browser
        .wait_text("main h1", Duration::from_secs(10))
        .await
        .expect("heading");
    assert_eq!(heading, "Search");
    let nav = browser
        .wait_text("nav", Duration::from_secs(5))
        .await
        .expect("nav");
    for item in ["Images", "Pull", "Search"] {
        assert!(nav.contains(item), "navigation lacks {item}: {nav}");
    }
    browser
        .screenshot("shell-search")
        .await
        .expect("screenshot");
    browser.close().await.expect("close");
}

/// The wasm modules the page has fetched so far (file names only).
async fn fetched_wasm(browser: &Browser) -> Vec<String> {
    browser
        .json(
            "return performance.getEntriesByType('resource')
                .map(e => new URL(e.name).pathname.slice(1))
                .filter(n => n.endsWith('.wasm'))",
        )
        .await
        .expect("resource list")
}

#[tokio::test(flavor = "multi_thread")]
async fn lazy_routes_are_fetched_only_when_opened() {
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_built_dashboard()
        .expect("dashboard built")
        .start()
        .expect("strata serve starts");
    let browser = Browser::start().await.expect("chromium starts");

    browser
        .client()
        .goto(&server.url())
        .await
        .expect("navigate");
    browser
        .wait_text("[data-test=filter-input]", Duration::from_secs(30))
        .await
        .expect("images page");
    let first = fetched_wasm(&browser).await;
    assert_eq!(
        first.len(),
        1,
        "the images page needs only the main module: {first:?}"
    );
    assert!(first[0].starts_with("frontend-"), "{first:?}");

    // Client-side navigation to /pull fetches that route's module, once.
    browser
        .click("nav a[href='/pull']", Duration::from_secs(5))
        .await
        .expect("open Pull");
    browser
        .wait_text("[data-test=pull-form]", Duration::from_secs(30))
        .await
        .expect("pull page rendered from its lazy module");
    let after = fetched_wasm(&browser).await;
    assert!(
        after.iter().any(|n| n.starts_with("split_pull_page")),
        "opening /pull fetched {after:?}"
    );
    assert!(
        !after
            .iter()
            .any(|n| n.starts_with("split_image_page") || n.starts_with("split_explorer_page")),
        "the image page's module is not fetched before it is opened: {after:?}"
    );

    // Back and forth: the module is not fetched again.
    browser
        .click("nav a[href='/']", Duration::from_secs(5))
        .await
        .expect("back to Images");
    browser
        .click("nav a[href='/pull']", Duration::from_secs(5))
        .await
        .expect("Pull again");
    browser
        .wait_text("[data-test=pull-form]", Duration::from_secs(30))
        .await
        .expect("pull page again");
    let again = fetched_wasm(&browser).await;
    assert_eq!(again.len(), after.len(), "{after:?} then {again:?}");
    browser.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_whose_module_is_gone_says_to_reload() {
    // A copy of the dashboard, so the test can take a module away, as an
    // update of strata does to a tab that was opened before it.
    let dist = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(built_dashboard().expect("dashboard built")).expect("dist") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dist.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_dashboard(dist.path())
        .start()
        .expect("strata serve starts");
    let browser = Browser::start().await.expect("chromium starts");
    browser
        .client()
        .goto(&server.url())
        .await
        .expect("navigate");
    browser
        .wait_text("[data-test=filter-input]", Duration::from_secs(30))
        .await
        .expect("images page");

    let mut removed = 0;
    for entry in std::fs::read_dir(dist.path()).expect("copy") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if name.starts_with("split_pull_page") {
            std::fs::remove_file(&path).expect("remove the pull page's module");
            removed += 1;
        }
    }
    assert_eq!(removed, 1, "the build has one module for /pull");

    browser
        .click("nav a[href='/pull']", Duration::from_secs(5))
        .await
        .expect("open Pull");
    let message = browser
        .wait_text("[data-test=lazy-failed]", Duration::from_secs(30))
        .await
        .expect("the failure is shown");
    assert!(message.contains("could not be loaded"), "{message}");
    assert!(message.contains("reload"), "{message}");
    // The rest of the app still works: back to the images page.
    browser
        .click("nav a[href='/']", Duration::from_secs(5))
        .await
        .expect("back to Images");
    browser
        .wait_text("[data-test=filter-input]", Duration::from_secs(10))
        .await
        .expect("images page after the failure");
    browser.close().await.expect("close");
}
