//! End to end: the layer explorer in headless Chromium, through strata's
//! `/v2` in front of a real registry, on the whiteouts fixture (layer 2
//! deletes `data/file2` and the directory `gone`, layer 3 makes `cache`
//! opaque and replaces `data/file5`). The merged view applies all three;
//! a layer page marks added, modified and removed entries; deep `/fs/`
//! URLs reload to the same view; the text preview shows the file; and a
//! repository with a component named `fs` still routes right.

use std::time::{Duration, Instant};

use test_support::strata::{StrataOptions, StrataServer};
use test_support::{Auth, Browser, Registry, fixtures};

const LONG: Duration = Duration::from_secs(60);

/// Evaluates `script` (which returns JSON) until `ok` accepts the value;
/// returns it, or panics with the last value seen. Polls, never sleeps blind.
async fn wait_js<T: serde::de::DeserializeOwned + std::fmt::Debug>(
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

const ROW_NAMES: &str = "return Array.from(document.querySelectorAll('[data-test=fs-row]')).map(r => [r.dataset.name, r.dataset.layer]);";
const LAYER_ROWS: &str = "return Array.from(document.querySelectorAll('[data-test=layer-row]')).map(r => [r.dataset.path, r.dataset.mark]);";

/// Opens `path` on the server and waits until every layer is read.
async fn open(browser: &Browser, server: &StrataServer, path: &str) {
    browser
        .client()
        .goto(&format!("{}{path}", server.url()))
        .await
        .expect("open page");
    browser
        .wait_text("[data-test=explorer-progress][data-phase=done]", LONG)
        .await
        .unwrap_or_else(|e| panic!("{path}: the layers were never all read: {e}"));
}

/// The `(name, layer)` of each row of the directory listing shown now.
async fn listing(browser: &Browser, expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(n, l)| ((*n).to_owned(), (*l).to_owned()))
        .collect();
    wait_js(
        browser,
        ROW_NAMES,
        "directory listing",
        |rows: &Vec<(String, String)>| *rows == want,
    )
    .await
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn whiteouts_fixture_merges_marks_previews_and_reloads() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("test/whiteouts:latest").expect("fixture"))
        .expect("push");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_built_dashboard()
        .expect("dashboard built")
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .start()
        .expect("strata serve");
    let browser = Browser::start().await.expect("chromium");
    let image = format!("{}/test/whiteouts@{}", registry.host(), pushed.digest);

    // The root: `gone` was deleted by layer 1's whiteout of the directory.
    open(&browser, &server, &format!("/i/{image}/fs/")).await;
    browser
        .screenshot("explorer-root")
        .await
        .expect("screenshot");
    listing(&browser, &[("cache", "0"), ("data", "0")]).await;

    // Following a row link: file2 is removed, file5 comes from the top layer.
    browser
        .click(
            "[data-test=fs-row][data-name=data] a[href$='/fs/data']",
            LONG,
        )
        .await
        .expect("open data/");
    let data = [
        ("file1", "0"),
        ("file3", "0"),
        ("file4", "1"),
        ("file5", "2"),
        ("file6", "1"),
    ];
    listing(&browser, &data).await;
    let crumbs = browser
        .attr("[data-test=fs-crumbs]", "data-path", LONG)
        .await
        .expect("crumbs");
    assert_eq!(crumbs.as_deref(), Some("data"));
    browser
        .screenshot("explorer-data")
        .await
        .expect("screenshot");

    // The opaque directory keeps only what the top layer put in it.
    open(&browser, &server, &format!("/i/{image}/fs/cache")).await;
    listing(&browser, &[("fresh", "2")]).await;

    // A deep URL: the upper file obscures the lower one, in the preview too;
    // a reload shows the same view.
    let deep = format!("/i/{image}/fs/data/file5");
    open(&browser, &server, &deep).await;
    for round in ["first load", "reload"] {
        let text = browser
            .wait_text("[data-test=preview-text]", LONG)
            .await
            .unwrap_or_else(|e| panic!("{round}: no text preview: {e}"));
        assert_eq!(
            text.trim(),
            "file 7: an updated version of file 5",
            "{round}"
        );
        let layer = browser
            .wait_text("[data-test=file-layer]", LONG)
            .await
            .expect("layer");
        assert_eq!(layer, "layer 2", "{round}");
        let history = wait_js(
            &browser,
            "return Array.from(document.querySelectorAll('[data-test=history-step]')).map(s => s.dataset.change);",
            "history",
            |steps: &Vec<String>| !steps.is_empty(),
        )
        .await;
        assert_eq!(history, ["added", "modified"], "{round}");
        if round == "first load" {
            browser
                .screenshot("explorer-file5")
                .await
                .expect("screenshot");
            browser.client().refresh().await.expect("reload");
        }
    }
    let url = browser.client().current_url().await.expect("url");
    assert!(url.as_str().ends_with(&deep), "{url}");

    // A removed path says what removed it.
    open(&browser, &server, &format!("/i/{image}/fs/data/file2")).await;
    browser
        .wait_text("[data-test=fs-missing]", LONG)
        .await
        .expect("file2 is reported missing");
    let steps = wait_js(
        &browser,
        "return Array.from(document.querySelectorAll('[data-test=history-step]')).map(s => s.dataset.change);",
        "history of file2",
        |steps: &Vec<String>| !steps.is_empty(),
    )
    .await;
    assert_eq!(steps, ["added", "removed"]);

    // Layer pages: each entry marked against the layers below.
    open(&browser, &server, &format!("/i/{image}/layers/1")).await;
    let rows: Vec<(String, String)> = wait_js(
        &browser,
        LAYER_ROWS,
        "layer 1 rows",
        |rows: &Vec<(String, String)>| !rows.is_empty(),
    )
    .await;
    for expected in pairs(&[
        ("data/file4", "added"),
        ("data/file5", "added"),
        ("data/.wh.file2", "removed"),
        (".wh.gone", "removed"),
    ]) {
        assert!(rows.contains(&expected), "{expected:?} in {rows:?}");
    }
    browser
        .screenshot("explorer-layer-1")
        .await
        .expect("screenshot");
    open(&browser, &server, &format!("/i/{image}/layers/2")).await;
    let rows: Vec<(String, String)> = wait_js(
        &browser,
        LAYER_ROWS,
        "layer 2 rows",
        |rows: &Vec<(String, String)>| !rows.is_empty(),
    )
    .await;
    for expected in pairs(&[
        ("data/file5", "modified"),
        ("cache/.wh..wh..opq", "opaque dir"),
        ("cache/fresh", "added"),
    ]) {
        assert!(rows.contains(&expected), "{expected:?} in {rows:?}");
    }

    // The analysis counts file5's two copies as waste.
    let waste = browser
        .wait_text("[data-test=waste]", LONG)
        .await
        .expect("waste table");
    assert!(waste.contains("/data/file5"), "{waste}");
    let efficiency = browser
        .wait_text("[data-test=efficiency]", LONG)
        .await
        .expect("efficiency");
    assert!(
        efficiency.ends_with('%') && efficiency != "100.0 %",
        "{efficiency}"
    );
    browser
        .client()
        .execute(
            "document.querySelector('[data-test=analysis]').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll");
    browser
        .screenshot("explorer-analysis")
        .await
        .expect("screenshot");
    browser.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_named_fs_still_routes_to_the_right_view() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::get("test/whiteouts:latest").expect("fixture");
    registry
        .push_as(fixture, "team/fs/app", "v1")
        .expect("push as team/fs/app");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_built_dashboard()
        .expect("dashboard built")
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .start()
        .expect("strata serve");
    let browser = Browser::start().await.expect("chromium");
    let image = format!("{}/team/fs/app:v1", registry.host());

    open(&browser, &server, &format!("/i/{image}/fs/data")).await;
    listing(
        &browser,
        &[
            ("file1", "0"),
            ("file3", "0"),
            ("file4", "1"),
            ("file5", "2"),
            ("file6", "1"),
        ],
    )
    .await;
    let trust = browser
        .wait_text("[data-test=explorer-trust]", LONG)
        .await
        .expect("trust note for a tag");
    assert!(trust.contains("v1"), "{trust}");

    // The same text without the explorer suffix is the image page.
    browser
        .client()
        .goto(&format!("{}/i/{image}", server.url()))
        .await
        .expect("image page");
    browser
        .wait_text("[data-test=verify]", LONG)
        .await
        .expect("the image page, not the explorer");
    browser.close().await.expect("close");
}
