//! End to end: the layer explorer in headless Chromium, through strata's
//! `/v2` in front of a real registry, on the whiteouts fixture (layer 2
//! deletes `data/file2` and the directory `gone`, layer 3 makes `cache`
//! opaque and replaces `data/file5`). The merged view applies all three;
//! a layer page marks added, modified and removed entries; deep `/fs/`
//! URLs reload to the same view; the text preview shows the file; and a
//! repository with a component named `fs` still routes right. Files at
//! scale, downloads, odd names and sharing are in `e2e_explorer_files`.

use test_support::{Auth, Browser, DashboardStack, Registry, fixtures};

mod e2e_explorer_support;

use e2e_explorer_support::*;

const LAYER_ROWS: &str = "return Array.from(document.querySelectorAll('[data-test=layer-row]')).map(r => [r.dataset.path, r.dataset.mark]);";

/// The change of each step of the shown file's history, once there is one.
async fn history(browser: &Browser, what: &str) -> Vec<String> {
    wait_js(
        browser,
        "return Array.from(document.querySelectorAll('[data-test=history-step]')).map(s => s.dataset.change);",
        what,
        |steps: &Vec<String>| !steps.is_empty(),
    )
    .await
}

/// Opens layer `n`'s page of `image` and checks it marks each `(path, mark)`
/// of `expected` (among others).
async fn layer_marks(stack: &DashboardStack, image: &str, n: usize, expected: &[(&str, &str)]) {
    open(stack, &format!("/i/{image}/layers/{n}")).await;
    let rows: Vec<(String, String)> = wait_js(
        stack.browser(),
        LAYER_ROWS,
        &format!("layer {n} rows"),
        |rows: &Vec<(String, String)>| !rows.is_empty(),
    )
    .await;
    for expected in pairs(expected) {
        assert!(rows.contains(&expected), "{expected:?} in {rows:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn whiteouts_fixture_merges_marks_previews_and_reloads() {
    let (stack, image) = explore(fixtures::get("test/whiteouts:latest").expect("fixture")).await;
    let browser = stack.browser();

    // The root: `gone` was deleted by layer 1's whiteout of the directory.
    open(&stack, &format!("/i/{image}/fs/")).await;
    browser
        .screenshot("explorer-root")
        .await
        .expect("screenshot");
    listing(browser, &[("cache", "0"), ("data", "0")]).await;

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
    listing(browser, &data).await;
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
    open(&stack, &format!("/i/{image}/fs/cache")).await;
    listing(browser, &[("fresh", "2")]).await;

    // A deep URL: the upper file obscures the lower one, in the preview too;
    // a reload shows the same view.
    let deep = format!("/i/{image}/fs/data/file5");
    open(&stack, &deep).await;
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
        let history = history(browser, "history").await;
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
    open(&stack, &format!("/i/{image}/fs/data/file2")).await;
    browser
        .wait_text("[data-test=fs-missing]", LONG)
        .await
        .expect("file2 is reported missing");
    let steps = history(browser, "history of file2").await;
    assert_eq!(steps, ["added", "removed"]);

    // Layer pages: each entry marked against the layers below.
    layer_marks(
        &stack,
        &image,
        1,
        &[
            ("data/file4", "added"),
            ("data/file5", "added"),
            ("data/.wh.file2", "removed"),
            (".wh.gone", "removed"),
        ],
    )
    .await;
    browser
        .screenshot("explorer-layer-1")
        .await
        .expect("screenshot");
    layer_marks(
        &stack,
        &image,
        2,
        &[
            ("data/file5", "modified"),
            ("cache/.wh..wh..opq", "opaque dir"),
            ("cache/fresh", "added"),
        ],
    )
    .await;

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
    stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_named_fs_still_routes_to_the_right_view() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::get("test/whiteouts:latest").expect("fixture");
    registry
        .push_as(fixture, "team/fs/app", "v1")
        .expect("push as team/fs/app");
    let image = format!("{}/team/fs/app:v1", registry.host());
    let stack = serve(registry).await;
    let browser = stack.browser();

    open(&stack, &format!("/i/{image}/fs/data")).await;
    listing(
        browser,
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
    stack
        .open(&format!("/i/{image}"))
        .await
        .expect("image page");
    browser
        .wait_text("[data-test=verify]", LONG)
        .await
        .expect("the image page, not the explorer");
    stack.close().await.expect("close");
}
