//! Helpers shared by the layer explorer's browser tests (`e2e_explorer`,
//! `e2e_explorer_files`): opening explorer URLs, waiting on what the page
//! shows, and the dashboard stack in front of a test registry.

use std::time::Duration;

use test_support::fixtures::Fixture;
use test_support::strata::StrataOptions;
use test_support::{Auth, Browser, DashboardStack, Registry};

pub const LONG: Duration = Duration::from_secs(60);

/// Evaluates `script` (which returns JSON) until `ok` accepts the value;
/// returns it, or panics with the last value seen (see [`Browser::wait_json`]).
pub async fn wait_js<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    browser: &Browser,
    script: &str,
    what: &str,
    ok: impl Fn(&T) -> bool,
) -> T {
    browser.wait_json(script, what, LONG, ok).await
}

pub const ROW_NAMES: &str = "return Array.from(document.querySelectorAll('[data-test=fs-row]')).map(r => [r.dataset.name, r.dataset.layer]);";

/// Opens `path` of the dashboard and waits until every layer is read.
pub async fn open(stack: &DashboardStack, path: &str) {
    open_within(stack, path, LONG).await;
}

/// [`open`], waiting up to `timeout` for the layers.
pub async fn open_within(stack: &DashboardStack, path: &str, timeout: Duration) {
    stack.open(path).await.expect("open page");
    stack
        .browser()
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

/// `strata serve` on a fresh store, with `registry` allowed over plain HTTP,
/// and Chromium.
pub async fn serve(registry: Registry) -> DashboardStack {
    DashboardStack::in_front_of(registry, StrataOptions::new(env!("CARGO_BIN_EXE_strata")))
        .await
        .expect("strata serve and chromium")
}

/// An open registry holding `fixture`, served as [`serve`] does; and the
/// image's reference pinned to its digest (`host/repo@sha256:…`).
pub async fn explore(fixture: &Fixture) -> (DashboardStack, String) {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry.push(fixture).expect("push");
    let image = format!("{}/{}@{}", registry.host(), fixture.repo, pushed.digest);
    (serve(registry).await, image)
}
