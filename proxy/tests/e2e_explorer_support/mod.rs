//! Helpers shared by the layer explorer's browser tests (`e2e_explorer`,
//! `e2e_explorer_files`): opening explorer URLs, waiting on what the page
//! shows, and `strata serve` in front of a test registry.

use std::time::{Duration, Instant};

use test_support::strata::{StrataServer, serve_dashboard};
use test_support::{Browser, Registry};

pub const LONG: Duration = Duration::from_secs(60);

/// Evaluates `script` (which returns JSON) until `ok` accepts the value;
/// returns it, or panics with the last value seen. Polls, never sleeps blind.
pub async fn wait_js<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    browser: &Browser,
    script: &str,
    what: &str,
    ok: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + LONG;
    loop {
        let value = browser
            .client()
            .execute(script, vec![])
            .await
            .expect("run script");
        let last: Option<T> = serde_json::from_value(value).ok();
        match last {
            Some(v) if ok(&v) => return v,
            last => assert!(Instant::now() < deadline, "{what}: last saw {last:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub const ROW_NAMES: &str = "return Array.from(document.querySelectorAll('[data-test=fs-row]')).map(r => [r.dataset.name, r.dataset.layer]);";

/// Opens `path` on the server and waits until every layer is read.
pub async fn open(browser: &Browser, server: &StrataServer, path: &str) {
    open_within(browser, server, path, LONG).await;
}

/// [`open`], waiting up to `timeout` for the layers.
pub async fn open_within(browser: &Browser, server: &StrataServer, path: &str, timeout: Duration) {
    browser
        .client()
        .goto(&format!("{}{path}", server.url()))
        .await
        .expect("open page");
    browser
        .wait_text("[data-test=explorer-progress][data-phase=done]", timeout)
        .await
        .unwrap_or_else(|e| panic!("{path}: the layers were never all read: {e}"));
}

/// The `(name, layer)` of each row of the directory listing shown now.
pub async fn listing(browser: &Browser, expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let want = pairs(expected);
    wait_js(
        browser,
        ROW_NAMES,
        "directory listing",
        |rows: &Vec<(String, String)>| *rows == want,
    )
    .await
}

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// `strata serve` on a fresh store, with `registry` allowed over plain HTTP.
pub fn serve(registry: &Registry) -> StrataServer {
    serve_dashboard(env!("CARGO_BIN_EXE_strata"), &registry.host()).expect("strata serve")
}
