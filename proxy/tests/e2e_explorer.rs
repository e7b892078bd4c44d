//! End to end: the layer explorer in headless Chromium, through strata's
//! `/v2` in front of a real registry, on the whiteouts fixture (layer 2
//! deletes `data/file2` and the directory `gone`, layer 3 makes `cache`
//! opaque and replaces `data/file5`). The merged view applies all three;
//! a layer page marks added, modified and removed entries; deep `/fs/`
//! URLs reload to the same view; the text preview shows the file; and a
//! repository with a component named `fs` still routes right.
//!
//! Also: about 100,000 files (`bench/many-files`) list virtualised; a
//! download gives the file's bytes; odd tar names (`..`, absolute, control
//! characters; `test/odd-names`) are flagged and never resolved; and the
//! sharing panel names another pulled image with the same layers.

use std::time::{Duration, Instant};

use test_support::strata::{StrataServer, serve_dashboard};
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
    open_within(browser, server, path, LONG).await;
}

/// [`open`], waiting up to `timeout` for the layers.
async fn open_within(browser: &Browser, server: &StrataServer, path: &str, timeout: Duration) {
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
async fn listing(browser: &Browser, expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let want = pairs(expected);
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
async fn layer_marks(
    browser: &Browser,
    server: &StrataServer,
    image: &str,
    n: usize,
    expected: &[(&str, &str)],
) {
    open(browser, server, &format!("/i/{image}/layers/{n}")).await;
    let rows: Vec<(String, String)> = wait_js(
        browser,
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
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("test/whiteouts:latest")
        .expect("push");
    let server = serve(&registry);
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
        let history = history(&browser, "history").await;
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
    let steps = history(&browser, "history of file2").await;
    assert_eq!(steps, ["added", "removed"]);

    // Layer pages: each entry marked against the layers below.
    layer_marks(
        &browser,
        &server,
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
        &browser,
        &server,
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
    browser.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repository_named_fs_still_routes_to_the_right_view() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::get("test/whiteouts:latest").expect("fixture");
    registry
        .push_as(fixture, "team/fs/app", "v1")
        .expect("push as team/fs/app");
    let server = serve(&registry);
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

/// `strata serve` on a fresh store, with `registry` allowed over plain HTTP.
fn serve(registry: &Registry) -> StrataServer {
    serve_dashboard(env!("CARGO_BIN_EXE_strata"), &registry.host()).expect("strata serve")
}

const FS_ROWS: &str = "return document.querySelectorAll('[data-test=fs-row]').length;";

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_thousand_files_list_virtualised_and_deep_paths_reload() {
    use fixtures::explorer::{
        DATA_FILES, DELETED, DELETED_DIRS, MODIFIED, TREE_DIRS, data_file, many_files_image,
    };
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(&many_files_image().expect("many-files fixture"))
        .expect("push");
    let server = serve(&registry);
    let browser = Browser::start().await.expect("chromium");
    let image = format!("{}/bench/many-files@{}", registry.host(), pushed.digest);
    let slow = Duration::from_secs(300);

    open_within(&browser, &server, &format!("/i/{image}/fs/"), slow).await;
    listing(&browser, &[("data", "0"), ("new", "1"), ("tree", "0")]).await;

    // data/: every file but the deleted ones, in a list that renders a window.
    open_within(&browser, &server, &format!("/i/{image}/fs/data"), slow).await;
    let count = browser
        .attr("[data-test=fs-list]", "data-count", LONG)
        .await
        .expect("list");
    let expected = DATA_FILES - DELETED;
    assert_eq!(count, Some(expected.to_string()));
    let first: Vec<(String, String)> = wait_js(
        &browser,
        ROW_NAMES,
        "first rows",
        |rows: &Vec<(String, String)>| !rows.is_empty(),
    )
    .await;
    assert!(
        first.len() < 100,
        "{} rows in the DOM for {expected} entries",
        first.len()
    );
    let name = |i: usize| data_file(i).trim_start_matches("data/").to_owned();
    assert_eq!(first[0].0, name(0));
    assert!(
        first.len() < MODIFIED && first.iter().all(|r| r.1 == "1"),
        "the first files are rewritten by layer 1: {first:?}"
    );
    browser
        .screenshot("explorer-many-files")
        .await
        .expect("screenshot");

    // Scrolled to the end: the last files, still a window of rows.
    browser
        .client()
        .execute(
            "const l = document.querySelector('[data-test=fs-list]'); l.scrollTop = l.scrollHeight; l.dispatchEvent(new Event('scroll'));",
            vec![],
        )
        .await
        .expect("scroll");
    let last_name = name(DATA_FILES - 1);
    let rows: Vec<(String, String)> = wait_js(
        &browser,
        ROW_NAMES,
        "rows at the end",
        |rows: &Vec<(String, String)>| rows.last().is_some_and(|r| r.0 == last_name),
    )
    .await;
    assert!(rows.len() < 100, "{} rows at the end", rows.len());
    let in_dom: usize = browser.json(FS_ROWS).await.expect("count");
    assert_eq!(in_dom, rows.len());

    // tree/: the deleted directories are gone.
    open_within(&browser, &server, &format!("/i/{image}/fs/tree"), slow).await;
    let count = browser
        .attr("[data-test=fs-list]", "data-count", LONG)
        .await
        .expect("list");
    assert_eq!(count, Some((TREE_DIRS - DELETED_DIRS).to_string()));

    // A deep path in the opaque directory, loaded and reloaded.
    let deep = format!("/i/{image}/fs/tree/d{DELETED_DIRS:03}/only");
    open_within(&browser, &server, &deep, slow).await;
    for round in ["first load", "reload"] {
        let text = browser
            .wait_text("[data-test=preview-text]", slow)
            .await
            .unwrap_or_else(|e| panic!("{round}: no preview: {e}"));
        assert_eq!(text.trim(), "the only file left", "{round}");
        if round == "first load" {
            browser.client().refresh().await.expect("reload");
        }
    }
    let url = browser.client().current_url().await.expect("url");
    assert!(url.as_str().ends_with(&deep), "{url}");
    browser.close().await.expect("close");
}

/// Hooks anchor clicks so a download's blob URL and file name are kept in
/// `window.__downloads` (the browser would save the file out of reach).
const HOOK_DOWNLOADS: &str = "window.__downloads = []; const click = HTMLAnchorElement.prototype.click; HTMLAnchorElement.prototype.click = function () { if (this.download) { window.__downloads.push([this.href, this.download]); return; } return click.call(this); };";

/// Reads download `n`'s bytes back from its blob URL.
const DOWNLOADED: &str = "const d = (window.__downloads || [])[arguments[0]]; if (!d) return null; return fetch(d[0]).then(r => r.arrayBuffer()).then(b => [d[1], Array.from(new Uint8Array(b))]);";

#[tokio::test(flavor = "multi_thread")]
async fn a_download_holds_exactly_the_files_bytes() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::explorer::odd_names_image().expect("odd-names fixture");
    let pushed = registry.push(&fixture).expect("push");
    let server = serve(&registry);
    let browser = Browser::start().await.expect("chromium");
    let image = format!("{}/test/odd-names@{}", registry.host(), pushed.digest);
    let entries = fixtures::explorer::odd_entries();

    for (n, path) in ["bin/blob.dat", "hello.txt"].into_iter().enumerate() {
        open(&browser, &server, &format!("/i/{image}/fs/{path}")).await;
        browser
            .client()
            .execute(HOOK_DOWNLOADS, vec![])
            .await
            .expect("hook");
        browser
            .click("[data-test=download]", LONG)
            .await
            .expect("download");
        let (name, bytes): (String, Vec<u8>) = wait_js(
            &browser,
            &DOWNLOADED.replace("arguments[0]", "0"),
            "the download",
            |_: &(String, Vec<u8>)| true,
        )
        .await;
        let want = entries
            .iter()
            .find(|(p, _)| *p == path.as_bytes())
            .map(|(_, c)| c.clone())
            .expect("fixture file");
        assert_eq!(name, path.rsplit('/').next().unwrap_or(path), "{path}");
        assert_eq!(bytes.len(), want.len(), "{path} size");
        assert!(bytes == want, "{path}: the bytes differ (download {n})");
    }
    browser.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_tar_names_are_flagged_and_never_resolved() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = fixtures::explorer::odd_names_image().expect("odd-names fixture");
    let pushed = registry.push(&fixture).expect("push");
    let server = serve(&registry);
    let browser = Browser::start().await.expect("chromium");
    let image = format!("{}/test/odd-names@{}", registry.host(), pushed.digest);

    // The root holds `..` as a name, flagged; nothing landed above the root.
    open(&browser, &server, &format!("/i/{image}/fs/")).await;
    let rows = listing(
        &browser,
        &[
            ("..", "0"),
            ("abs", "0"),
            ("bin", "0"),
            ("dir", "0"),
            ("etc", "0"),
            ("hello.txt", "0"),
        ],
    )
    .await;
    assert_eq!(rows.len(), 6);
    let flagged: Vec<String> = wait_js(
        &browser,
        "return Array.from(document.querySelectorAll('[data-test=fs-row]')).filter(r => r.querySelector('[data-test=odd-name]')).map(r => r.dataset.name);",
        "flagged rows",
        |names: &Vec<String>| !names.is_empty(),
    )
    .await;
    assert_eq!(flagged, [".."]);
    browser
        .screenshot("explorer-odd-root")
        .await
        .expect("screenshot");

    // Following `..` stays inside the image: the URL keeps the explorer
    // path, the crumbs say `..`, and its file is flagged.
    browser
        .click("[data-test=fs-row][data-name='..'] a[href*='/fs/']", LONG)
        .await
        .expect("open ..");
    let (url, _): (String, Option<String>) = wait_js(
        &browser,
        "const c = document.querySelector('[data-test=fs-crumbs]'); return [location.href, c && c.dataset.path];",
        "the `..` directory",
        |(_, crumbs): &(String, Option<String>)| crumbs.as_deref() == Some(".."),
    )
    .await;
    assert!(
        url.ends_with("/fs/%.."),
        "the URL keeps `..` escaped: {url}"
    );
    browser
        .screenshot("explorer-odd-dotdot")
        .await
        .expect("screenshot");
    listing(&browser, &[("escape.txt", "0")]).await;
    let marker = browser
        .wait_text("[data-test=fs-row] [data-test=odd-name]", LONG)
        .await
        .expect("escape.txt flagged");
    assert!(marker.contains(".."), "{marker}");

    // The same after a reload of that URL.
    browser.client().refresh().await.expect("reload");
    browser
        .wait_text("[data-test=explorer-progress][data-phase=done]", LONG)
        .await
        .expect("reloaded");
    listing(&browser, &[("escape.txt", "0")]).await;

    // The absolute name is kept where it says, flagged, as written.
    open(&browser, &server, &format!("/i/{image}/fs/abs/passwd")).await;
    let name = browser
        .wait_text("[data-test=file-name]", LONG)
        .await
        .expect("file name");
    assert!(name.starts_with("abs/passwd"), "{name}");
    let marker = browser
        .wait_text("[data-test=file-name] [data-test=odd-name]", LONG)
        .await
        .expect("absolute flagged");
    assert!(marker.contains("absolute"), "{marker}");
    let text = browser
        .wait_text("[data-test=preview-text]", LONG)
        .await
        .expect("preview");
    assert_eq!(text.trim(), "root:x:0:0");

    // Control characters are escaped in the listing, never sent raw.
    open(&browser, &server, &format!("/i/{image}/fs/etc")).await;
    let shown: Vec<String> = wait_js(
        &browser,
        "return Array.from(document.querySelectorAll('[data-test=fs-row] a[href*=\"/fs/\"]')).map(a => a.textContent);",
        "etc rows",
        |names: &Vec<String>| !names.is_empty(),
    )
    .await;
    assert_eq!(shown, ["\\u{1b}[31mred\\u{7}.txt"]);
    let marker = browser
        .wait_text("[data-test=fs-row] [data-test=odd-name]", LONG)
        .await
        .expect("control characters flagged");
    assert!(marker.contains("control"), "{marker}");

    // `dir/../../up.txt` is not resolved to `/up.txt`.
    open(&browser, &server, &format!("/i/{image}/fs/up.txt")).await;
    browser
        .wait_text("[data-test=fs-missing]", LONG)
        .await
        .expect("no /up.txt");
    browser.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sharing_panel_names_another_pulled_image_with_the_same_layers() {
    let registry = Registry::start(Auth::Open).expect("registry");
    for tag in ["v1", "v2"] {
        registry
            .push_fixture(&format!("lovelearnlinux/webserver:{tag}"))
            .expect("push");
    }
    let server = serve(&registry);
    let docker = tempfile::tempdir().expect("tmp");
    let v1 = format!("{}/lovelearnlinux/webserver:v1", registry.host());
    let v2 = format!("{}/lovelearnlinux/webserver:v2", registry.host());
    for reference in [&v1, &v2] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .env("STRATA_STORE", server.store())
            .env("DOCKER_CONFIG", docker.path())
            .env("STRATA_INSECURE_REGISTRIES", registry.host())
            .env_remove("STRATA_HUB_REGISTRY")
            .args(["pull", reference])
            .output()
            .expect("run strata pull");
        assert!(
            out.status.success(),
            "pull {reference}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let browser = Browser::start().await.expect("chromium");
    open(&browser, &server, &format!("/i/{v1}/fs/")).await;
    let rows: Vec<(String, String)> = wait_js(
        &browser,
        "return Array.from(document.querySelectorAll('[data-test=sharing-row]')).map(r => [r.cells[0].textContent, r.cells[1].textContent]);",
        "sharing rows",
        |rows: &Vec<(String, String)>| !rows.is_empty(),
    )
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].0.contains("webserver:v2"), "{rows:?}");
    assert_eq!(rows[0].1, "0, 1", "the base and httpd layers");
    let summary = browser
        .wait_text("[data-test=sharing-summary]", LONG)
        .await
        .expect("summary");
    assert!(summary.starts_with("2 of the layers"), "{summary}");
    browser
        .client()
        .execute(
            "document.querySelector('[data-test=sharing]').scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll");
    browser
        .screenshot("explorer-sharing")
        .await
        .expect("screenshot");
    browser.close().await.expect("close");
}
