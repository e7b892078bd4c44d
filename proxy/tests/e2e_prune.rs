//! End to end in headless Chromium: Prune on the images page asks first,
//! showing the dangling image and the space a dry run says it frees, then
//! prunes, shows the CLI's lines and the total, and the table refreshes.

use std::path::Path;
use std::time::Duration;

use shared::display::human_size;
use test_support::cli::blob_sizes;
use test_support::strata::StrataOptions;
use test_support::{Auth, DashboardStack, Registry, fixtures};

const SHORT: Duration = Duration::from_secs(15);

fn stored_bytes(store: &Path) -> u64 {
    blob_sizes(store).values().sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_asks_then_frees_the_space_it_said() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed: Vec<String> = [
        ("test/labels:a", "test/x"),
        ("test/labels:b", "test/x"),
        ("lovelearnlinux/webserver:v1", "web"),
    ]
    .into_iter()
    .map(|(fixture, repo)| {
        registry
            .push_as(fixtures::get(fixture).expect("fixture"), repo, "t")
            .expect("push")
            .reference
    })
    .collect();
    let host = registry.host();
    let stack =
        DashboardStack::in_front_of(registry, StrataOptions::new(env!("CARGO_BIN_EXE_strata")))
            .await
            .expect("dashboard stack");
    let store = stack.server().store().to_path_buf();
    let strata = |args: &[&str]| {
        stack
            .server()
            .cli(env!("CARGO_BIN_EXE_strata"), &host, args)
    };
    // test/x:t moves from labels:a to labels:b between the first two pushes'
    // pulls; the registry now serves labels:b, so pull by digest first.
    let a_digest = {
        let fixture = fixtures::get("test/labels:a").expect("fixture");
        fixture.layout_digest.clone()
    };
    strata(&["pull", "-q", &format!("{host}/test/x@{a_digest}")]);
    strata(&[
        "tag",
        &format!("{host}/test/x@{a_digest}"),
        &format!("{host}/test/x:t"),
    ]);
    strata(&["pull", "-q", &pushed[1]]);
    strata(&["pull", "-q", &pushed[2]]);
    let dangling = strata(&["images", "-q", "--filter", "dangling=true"]);
    let dangling = dangling.trim().to_owned();
    assert_eq!(dangling.len(), 12, "one dangling image: {dangling}");
    let browser = stack.browser();

    stack.open("/").await.expect("open /");
    browser
        .wait_texts("[data-test=image-row]", SHORT, |rows| rows.len() == 3)
        .await
        .expect("three images");
    browser
        .click("[data-test=prune-open]", SHORT)
        .await
        .expect("prune");
    let summary = browser
        .wait_text("[data-test=prune-summary]", SHORT)
        .await
        .expect("the confirmation");
    let items = browser
        .texts("[data-test=prune-item]")
        .await
        .expect("items");
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].starts_with(&dangling), "{items:?}");
    // Nothing is removed before the confirmation.
    assert_eq!(strata(&["images", "-q"]).lines().count(), 3);

    let before = stored_bytes(&store);
    browser
        .click("[data-test=prune-yes]", SHORT)
        .await
        .expect("confirm");
    let lines = browser
        .wait_texts("[data-test=outcome-ok]", SHORT, |t| {
            t.iter().any(|l| l.starts_with("Total reclaimed space"))
        })
        .await
        .expect("the outcome");
    let freed = before - stored_bytes(&store);
    assert!(freed > 0);
    assert!(
        summary.contains(&format!(
            "1 image(s), freeing {} in the store",
            human_size(freed)
        )),
        "{summary} ({freed} bytes)"
    );
    assert!(
        lines.contains(&format!("Total reclaimed space: {}", human_size(freed))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("deleted: sha256:") && l.contains(&dangling)),
        "{lines:?}"
    );
    browser
        .wait_texts("[data-test=image-row]", SHORT, |rows| rows.len() == 2)
        .await
        .expect("the table refreshes");
    assert!(
        browser
            .texts("[data-test=prune-confirm]")
            .await
            .expect("dialog")
            .is_empty(),
        "the confirmation closes"
    );
    stack.close().await.expect("close");
}
