//! End to end: the real dashboard from `strata serve`, in headless Chromium.

use std::time::Duration;

use test_support::Browser;
use test_support::strata::StrataOptions;

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
