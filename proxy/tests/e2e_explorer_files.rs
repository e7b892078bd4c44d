//! End to end: the layer explorer's files in headless Chromium. About
//! 100,000 files (`bench/many-files`) list virtualised; a download gives
//! the file's bytes; odd tar names (`..`, absolute, control characters;
//! `test/odd-names`) are flagged and never resolved; and the sharing panel
//! names another pulled image with the same layers.

use std::time::Duration;

use test_support::{DashboardStack, fixtures};

mod e2e_explorer_support;

use e2e_explorer_support::*;

const FS_ROWS: &str = "return document.querySelectorAll('[data-test=fs-row]').length;";

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_thousand_files_list_virtualised_and_deep_paths_reload() {
    use fixtures::explorer::{
        DATA_FILES, DELETED, DELETED_DIRS, MODIFIED, TREE_DIRS, data_file, many_files_image,
    };
    let (stack, image) = explore(&many_files_image().expect("many-files fixture")).await;
    let browser = stack.browser();
    let slow = Duration::from_secs(300);

    open_within(&stack, &format!("/i/{image}/fs/"), slow).await;
    listing(browser, &[("data", "0"), ("new", "1"), ("tree", "0")]).await;

    // data/: every file but the deleted ones, in a list that renders a window.
    open_within(&stack, &format!("/i/{image}/fs/data"), slow).await;
    let count = browser
        .attr("[data-test=fs-list]", "data-count", LONG)
        .await
        .expect("list");
    let expected = DATA_FILES - DELETED;
    assert_eq!(count, Some(expected.to_string()));
    let first: Vec<(String, String)> = wait_js(
        browser,
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
        browser,
        ROW_NAMES,
        "rows at the end",
        |rows: &Vec<(String, String)>| rows.last().is_some_and(|r| r.0 == last_name),
    )
    .await;
    assert!(rows.len() < 100, "{} rows at the end", rows.len());
    let in_dom: usize = browser.json(FS_ROWS).await.expect("count");
    assert_eq!(in_dom, rows.len());

    // tree/: the deleted directories are gone.
    open_within(&stack, &format!("/i/{image}/fs/tree"), slow).await;
    let count = browser
        .attr("[data-test=fs-list]", "data-count", LONG)
        .await
        .expect("list");
    assert_eq!(count, Some((TREE_DIRS - DELETED_DIRS).to_string()));

    // A deep path in the opaque directory, loaded and reloaded.
    let deep = format!("/i/{image}/fs/tree/d{DELETED_DIRS:03}/only");
    open_within(&stack, &deep, slow).await;
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
    stack.close().await.expect("close");
}

/// Hooks anchor clicks so a download's blob URL and file name are kept in
/// `window.__downloads` (the browser would save the file out of reach).
const HOOK_DOWNLOADS: &str = "window.__downloads = []; const click = HTMLAnchorElement.prototype.click; HTMLAnchorElement.prototype.click = function () { if (this.download) { window.__downloads.push([this.href, this.download]); return; } return click.call(this); };";

/// Reads download `n`'s bytes back from its blob URL.
const DOWNLOADED: &str = "const d = (window.__downloads || [])[arguments[0]]; if (!d) return null; return fetch(d[0]).then(r => r.arrayBuffer()).then(b => [d[1], Array.from(new Uint8Array(b))]);";

#[tokio::test(flavor = "multi_thread")]
async fn a_download_holds_exactly_the_files_bytes() {
    let (stack, image) =
        explore(&fixtures::explorer::odd_names_image().expect("odd-names fixture")).await;
    let browser = stack.browser();
    let entries = fixtures::explorer::odd_entries();

    for (n, path) in ["bin/blob.dat", "hello.txt"].into_iter().enumerate() {
        open(&stack, &format!("/i/{image}/fs/{path}")).await;
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
            browser,
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
    stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_tar_names_are_flagged_and_never_resolved() {
    let (stack, image) =
        explore(&fixtures::explorer::odd_names_image().expect("odd-names fixture")).await;
    let browser = stack.browser();

    // The root holds `..` as a name, flagged; nothing landed above the root.
    open(&stack, &format!("/i/{image}/fs/")).await;
    let rows = listing(
        browser,
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
        browser,
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
        browser,
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
    listing(browser, &[("escape.txt", "0")]).await;
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
    listing(browser, &[("escape.txt", "0")]).await;

    // The absolute name is kept where it says, flagged, as written.
    open(&stack, &format!("/i/{image}/fs/abs/passwd")).await;
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
    open(&stack, &format!("/i/{image}/fs/etc")).await;
    let shown: Vec<String> = wait_js(
        browser,
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
    open(&stack, &format!("/i/{image}/fs/up.txt")).await;
    browser
        .wait_text("[data-test=fs-missing]", LONG)
        .await
        .expect("no /up.txt");
    stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sharing_panel_names_another_pulled_image_with_the_same_layers() {
    let (stack, [v1, v2]) = DashboardStack::start(
        env!("CARGO_BIN_EXE_strata"),
        ["lovelearnlinux/webserver:v1", "lovelearnlinux/webserver:v2"],
    )
    .await
    .expect("dashboard stack");
    let docker = tempfile::tempdir().expect("tmp");
    for reference in [&v1.reference, &v2.reference] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
            .env("STRATA_STORE", stack.server().store())
            .env("DOCKER_CONFIG", docker.path())
            .env("STRATA_INSECURE_REGISTRIES", stack.registry().host())
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
    let browser = stack.browser();
    open(&stack, &format!("/i/{}/fs/", v1.reference)).await;
    let rows: Vec<(String, String)> = wait_js(
        browser,
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
    stack.close().await.expect("close");
}
