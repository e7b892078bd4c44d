//! End to end: the dashboard runs under strata's Content-Security-Policy in
//! headless Chromium, with no violation on any route: the images list,
//! Pull, Search, an image page whose Verify runs in workers, and the
//! explorer (split modules loaded lazily).
//!
//! The dashboard served is a copy of the built one with one more inline
//! script, first in `<head>`, that records every `securitypolicyviolation`
//! event; strata allows it by hash like Trunk's own bootstrap script, so
//! the hashes computed from the served `index.html` are checked too.

use std::path::Path;
use std::time::Duration;

use test_support::strata::{StrataOptions, built_dashboard};
use test_support::{Auth, Browser, Registry, fixtures};

const LONG: Duration = Duration::from_secs(60);

/// Records CSP violations in `window.violations`.
const RECORDER: &str = "<script>window.violations = []; document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));</script>";

/// A copy of the built dashboard in `to` with [`RECORDER`] first in `<head>`.
fn dashboard_with_recorder(to: &Path) {
    let dist = built_dashboard().expect("a built dashboard");
    for entry in std::fs::read_dir(&dist).expect("read dist") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
    let index = std::fs::read_to_string(dist.join("index.html")).expect("index.html");
    let injected = index.replacen("<head>", &format!("<head>{RECORDER}"), 1);
    assert_ne!(index, injected, "index.html has a <head>");
    std::fs::write(to.join("index.html"), injected).expect("write index.html");
}

/// The violations recorded on the current page.
async fn violations(browser: &Browser) -> Vec<String> {
    browser
        .json("return window.violations || ['the recorder did not run'];")
        .await
        .expect("read violations")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_runs_under_its_policy_on_every_route() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::get("library/redis:latest").expect("fixture");
    let pushed = registry.push(fixture).expect("push");
    let explored = fixtures::get("test/whiteouts:latest").expect("fixture");
    let explored_pushed = registry.push(explored).expect("push");
    let dist = tempfile::tempdir().expect("tempdir");
    dashboard_with_recorder(dist.path());
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_dashboard(dist.path())
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .start()
        .expect("strata serve");
    let browser = Browser::start().await.expect("browser");

    let image = format!("{}/{}@{}", registry.host(), fixture.repo, pushed.digest);
    let explored = format!(
        "{}/{}@{}",
        registry.host(),
        explored.repo,
        explored_pushed.digest
    );
    #[rustfmt::skip]
    let routes = [
        ("/".to_owned(), "[data-test=images-table], [data-test=no-images]"),
        ("/pull".to_owned(), "[data-test=pull-form]"),
        ("/search".to_owned(), "[data-test=search-form]"),
        (format!("/i/{image}"), "[data-test=verify-verdict][data-done=true]"),
        (format!("/i/{explored}/layers/0"), "[data-test=layer-row]"),
        (format!("/i/{explored}/fs/"), "[data-test=fs-row]"),
    ];
    for (path, ready) in routes {
        browser
            .open(&format!("{}{path}", server.url()))
            .await
            .expect("open");
        browser
            .wait_text(ready, LONG)
            .await
            .unwrap_or_else(|e| panic!("{path} did not render under the policy: {e}"));
        if path.starts_with("/i/") && !path.contains("/layers/") && !path.contains("/fs/") {
            let workers: usize = browser
                .attr("[data-test=verify-verdict]", "data-workers", LONG)
                .await
                .expect("workers")
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
            assert!(workers > 0, "Verify ran in workers under the policy");
            let verdict = browser
                .attr("[data-test=verify-verdict]", "data-state", LONG)
                .await
                .expect("verdict");
            assert_eq!(verdict.as_deref(), Some("verified"), "{path}");
        }
        assert_eq!(violations(&browser).await, Vec::<String>::new(), "{path}");
    }
    browser.close().await.expect("close");
}
