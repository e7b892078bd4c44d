//! End to end: the `/diff/{a}/{b}` page in headless Chromium, through
//! strata's `/v2` in front of a real registry, on the fixture pair that
//! differs by one file in one layer (`test/diff:a`, `test/diff:b`): the
//! layers shared and different, the one changed file, the directory
//! deltas, the "only changed" filter, and the same view from a reload and
//! from a hand-typed URL with its slashes left in.

use std::time::Duration;

use shared::digest::Digest;
use test_support::DashboardStack;

const LONG: Duration = Duration::from_secs(60);

const FILES: &str = "return Array.from(document.querySelectorAll('[data-test=diff-file]')).map(r => [r.dataset.path, r.dataset.change]);";
const LAYERS: &str = "return Array.from(document.querySelectorAll('[data-test=diff-layer]')).map(r => r.dataset.shared);";
const DIRS: &str = "return Array.from(document.querySelectorAll('[data-test=diff-dir]')).map(r => r.dataset.path);";

/// Opens `path` and waits until both images and their layers are read.
async fn open(stack: &DashboardStack, path: &str) {
    stack.open(path).await.expect("open page");
    stack
        .browser()
        .wait_text("[data-test=diff-progress][data-phase=done]", LONG)
        .await
        .unwrap_or_else(|e| panic!("{path}: the diff never finished: {e}"));
}

fn encoded(reference: &str) -> String {
    reference.replace('/', "%2F")
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_page_shows_the_one_changed_file_and_reloads() {
    let (stack, [a, b]) =
        DashboardStack::start(env!("CARGO_BIN_EXE_strata"), ["test/diff:a", "test/diff:b"])
            .await
            .expect("stack");
    let browser = stack.browser();
    let url = format!("/diff/{}/{}", encoded(&a.reference), encoded(&b.reference));
    open(&stack, &url).await;

    let files: Vec<(String, String)> = browser
        .wait_json(FILES, "the file rows", LONG, |f: &Vec<(String, String)>| {
            !f.is_empty()
        })
        .await;
    assert_eq!(files, [("etc/app.conf".to_owned(), "modified".to_owned())]);
    let line = browser
        .wait_text("[data-test=diff-file] code", LONG)
        .await
        .expect("file line");
    let digests = (
        Digest::sha256_of(b"mode=small\n"),
        Digest::sha256_of(b"mode=larger-one\n"),
    );
    assert_eq!(
        line,
        format!(
            "M etc/app.conf (size 11 → 16, digest {} → {})",
            digests.0.short(),
            digests.1.short()
        )
    );
    let layers: Vec<String> = browser
        .wait_json(LAYERS, "the layer rows", LONG, |l: &Vec<String>| {
            !l.is_empty()
        })
        .await;
    assert_eq!(layers, ["true", "true", "false", "true"]);
    let dirs: Vec<String> = browser
        .wait_json(DIRS, "the directory rows", LONG, |d: &Vec<String>| {
            !d.is_empty()
        })
        .await;
    assert_eq!(dirs, ["", "etc"]);
    browser
        .wait_text("[data-test=diff-config-same]", LONG)
        .await
        .expect("the configs agree");
    let shown_a = browser
        .wait_text("[data-test=diff-a] a", LONG)
        .await
        .expect("A");
    assert_eq!(shown_a, a.reference);
    browser
        .screenshot("diff-changed")
        .await
        .expect("screenshot");

    // "All paths": the URL says so, and unchanged paths are listed too.
    browser
        .click("[data-test=diff-show-all]", LONG)
        .await
        .expect("show all");
    browser
        .wait_url(LONG, |u| u.ends_with("?show=all"))
        .await
        .expect("?show=all");
    let all: Vec<(String, String)> = browser
        .wait_json(FILES, "the file rows", LONG, |f: &Vec<(String, String)>| {
            f.len() > 1
        })
        .await;
    assert!(
        all.contains(&("usr/sbin/httpd".to_owned(), "unchanged".to_owned())),
        "{all:?}"
    );
    assert_eq!(
        all.iter().filter(|(_, c)| c != "unchanged").count(),
        1,
        "{all:?}"
    );

    // A reload of the same URL shows the same; so does a hand-typed URL
    // with its slashes left in.
    open(&stack, &format!("{url}?show=all")).await;
    let reloaded: Vec<(String, String)> = browser
        .wait_json(FILES, "the file rows", LONG, |f: &Vec<(String, String)>| {
            f.len() > 1
        })
        .await;
    assert_eq!(reloaded, all);
    open(&stack, &format!("/diff/{}/{}", a.reference, b.reference)).await;
    let typed: Vec<(String, String)> = browser
        .wait_json(FILES, "the file rows", LONG, |f: &Vec<(String, String)>| {
            !f.is_empty()
        })
        .await;
    assert_eq!(typed, files);

    // A URL that names one image says what a diff URL looks like.
    stack.open("/diff/redis").await.expect("open");
    let error = browser
        .wait_text("[data-test=diff-error]", LONG)
        .await
        .expect("error");
    assert!(error.contains("/diff/A/B"), "{error}");
    stack.close().await.expect("close");
}
