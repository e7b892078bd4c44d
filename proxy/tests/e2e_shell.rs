//! End to end: the real dashboard from `strata serve`, in headless Chromium.

use std::path::Path;
use std::time::Duration;

use test_support::Browser;
use test_support::strata::{StrataOptions, StrataServer, built_dashboard};

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
        .open(&format!("{}/search", server.url()))
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

/// Follows the navigation link to `href` (client-side routing) and waits
/// for `css` on the page it opens; returns that element's text.
async fn follow(browser: &Browser, href: &str, css: &str) -> String {
    browser
        .click(&format!("nav a[href='{href}']"), Duration::from_secs(5))
        .await
        .unwrap_or_else(|e| panic!("follow {href}: {e}"));
    browser
        .wait_text(css, Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("after following {href}: {e}"))
}

/// `strata serve` with the dashboard in `dist`, and a browser on `/`.
async fn images_page(dist: &Path) -> (StrataServer, Browser) {
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_dashboard(dist)
        .start()
        .expect("strata serve starts");
    let browser = Browser::start().await.expect("chromium starts");
    browser.open(&server.url()).await.expect("navigate");
    browser
        .wait_text(IMAGES_PAGE, Duration::from_secs(30))
        .await
        .expect("images page");
    (server, browser)
}

/// An element only the images page has.
const IMAGES_PAGE: &str = "[data-test=filter-input]";
/// An element only the pull page has.
const PULL_PAGE: &str = "[data-test=pull-form]";

#[tokio::test(flavor = "multi_thread")]
async fn lazy_routes_are_fetched_only_when_opened() {
    let (_server, browser) = images_page(&built_dashboard().expect("dashboard built")).await;
    // `/` is a lazy route of its own (so a shared image link does not pay
    // for the images table): the main module, the images page's module and
    // the chunks it shares, and no other route's module.
    let first = fetched_wasm(&browser).await;
    let routes: Vec<&String> = first.iter().filter(|n| n.starts_with("split_")).collect();
    assert!(
        routes.len() == 1 && routes[0].starts_with("split_images_page"),
        "the images page needs only its own route module: {first:?}"
    );
    assert_eq!(
        first.iter().filter(|n| n.starts_with("frontend-")).count(),
        1,
        "{first:?}"
    );

    // Client-side navigation to /pull fetches that route's module.
    follow(&browser, "/pull", PULL_PAGE).await;
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

    // Back and forth: nothing is fetched again.
    follow(&browser, "/", IMAGES_PAGE).await;
    follow(&browser, "/pull", PULL_PAGE).await;
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
    let (_server, browser) = images_page(dist.path()).await;

    let pull_modules: Vec<_> = std::fs::read_dir(dist.path())
        .expect("copy")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("split_pull_page"))
        })
        .collect();
    assert_eq!(pull_modules.len(), 1, "the build has one module for /pull");
    std::fs::remove_file(&pull_modules[0]).expect("remove the pull page's module");

    let message = follow(&browser, "/pull", "[data-test=lazy-failed]").await;
    assert!(message.contains("could not be loaded"), "{message}");
    assert!(message.contains("reload"), "{message}");
    // The rest of the app still works.
    follow(&browser, "/", IMAGES_PAGE).await;
    browser.close().await.expect("close");
}
