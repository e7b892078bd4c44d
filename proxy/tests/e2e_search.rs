//! End to end: the dashboard's `/search` page from `strata serve`, against
//! the fixture search index and a real registry's catalog, in headless
//! Chromium. Filters, the description cut, links to image and pull pages,
//! a shareable URL that reloads the same, and errors shown as they come.

use std::time::Duration;

use test_support::search_index::SearchIndex;
use test_support::strata::StrataOptions;
use test_support::{Auth, Browser, DashboardStack, Registry, eventually_async, fixtures};

const SHORT: Duration = Duration::from_secs(15);

/// Waits until the result names are exactly `want`. A read that races a
/// re-render (a stale element) is retried, like any other not-yet.
async fn names(browser: &Browser, want: &[&str]) -> Vec<String> {
    eventually_async(
        SHORT,
        &format!("results: want {want:?}"),
        async || match browser.texts("[data-test=result-name]").await {
            Ok(names) if names == want => Ok(names),
            seen => Err(seen),
        },
    )
    .await
}

/// Polls the browser's URL until `ok` accepts it.
async fn wait_url(browser: &Browser, ok: impl Fn(&url::Url) -> bool) -> url::Url {
    let current = browser
        .wait_url(SHORT, |u| url::Url::parse(u).is_ok_and(|u| ok(&u)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    url::Url::parse(&current).expect("a URL")
}

#[tokio::test(flavor = "multi_thread")]
async fn search_page_filters_links_and_shows_errors() {
    let index = SearchIndex::start().expect("search index");
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"))
        .expect("push");
    let options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .arg(format!("--index-url={}", index.url()));
    let stack = DashboardStack::in_front_of(registry, options)
        .await
        .expect("strata serve and chromium");
    let browser = stack.browser();
    let all = [
        "redis",
        "bitnami/redis",
        "someone/redis-tools",
        "redislabs/redisearch",
    ];

    // A shared URL runs its search: the index's four redis repositories.
    stack.open("/search?q=redis").await.expect("open /search");
    names(browser, &all).await;
    let count = browser
        .wait_text("[data-test=result-count]", SHORT)
        .await
        .expect("count");
    assert_eq!(count, "4 results for “redis”");
    let official = browser
        .texts("[data-test=result-official]")
        .await
        .expect("official column");
    assert_eq!(official, ["Official", "", "", ""]);
    let stars = browser
        .texts("[data-test=result-stars]")
        .await
        .expect("stars column");
    assert_eq!(stars, ["13000", "300", "10", "55"]);
    // Descriptions are cut as `docker search` cuts them, whole on request.
    let cut = browser
        .texts("[data-test=result-description]")
        .await
        .expect("descriptions");
    assert_eq!(cut[0], "Redis is the world's fastest data platform f…");
    assert_eq!(cut[1], "Bitnami container image for Redis");
    let title = browser
        .attr("[data-test=result-description]", "title", SHORT)
        .await
        .expect("title");
    assert!(
        title.is_some_and(|t| t.ends_with("NoSQL databases.")),
        "the cut description has the whole one as its title"
    );
    browser
        .screenshot("search-redis")
        .await
        .expect("screenshot");
    browser
        .click("[data-test=toggle-full]", SHORT)
        .await
        .expect("full descriptions");
    browser
        .wait_texts("[data-test=result-description]", SHORT, |t| {
            t.first().is_some_and(|d| {
                d == "Redis is the world's fastest data platform for caching, vector search, and NoSQL databases."
            })
        })
        .await
        .expect("whole description");
    wait_url(browser, |u| u.query().is_some_and(|q| q.contains("full=1"))).await;
    browser
        .click("[data-test=toggle-full]", SHORT)
        .await
        .expect("cut descriptions again");

    // Official only: one result, and the URL says so.
    browser
        .click("[data-test=toggle-official]", SHORT)
        .await
        .expect("official only");
    names(browser, &["redis"]).await;
    wait_url(browser, |u| {
        u.query()
            .is_some_and(|q| q.contains("official=true") && !q.contains("full"))
    })
    .await;
    browser
        .screenshot("search-official")
        .await
        .expect("screenshot");
    browser
        .click("[data-test=toggle-official]", SHORT)
        .await
        .expect("every result again");
    names(browser, &all).await;

    // At least 50 stars: three results; the URL reloads to the same view.
    browser
        .type_into("[data-test=search-stars]", "50", SHORT)
        .await
        .expect("min stars");
    browser
        .click("[data-test=search-submit]", SHORT)
        .await
        .expect("search");
    let starred = ["redis", "bitnami/redis", "redislabs/redisearch"];
    names(browser, &starred).await;
    let shared = wait_url(browser, |u| {
        u.path() == "/search" && u.query() == Some("q=redis&stars=50&limit=25")
    })
    .await;
    browser.client().refresh().await.expect("reload");
    names(browser, &starred).await;
    let stars_box = browser
        .client()
        .execute(
            "return document.querySelector('[data-test=search-stars]').value",
            Vec::new(),
        )
        .await
        .expect("stars box");
    assert_eq!(stars_box.as_str(), Some("50"), "the form reloads too");
    browser
        .screenshot("search-stars")
        .await
        .expect("screenshot");

    // Each result offers a pull, prefilled.
    let pull = browser
        .attr("tr:nth-child(2) [data-test=result-pull]", "href", SHORT)
        .await
        .expect("pull link");
    assert_eq!(pull.as_deref(), Some("/pull?ref=bitnami%2Fredis"));

    // A result's name opens its image page (not in the store: it offers a pull).
    browser
        .click("[data-test=result-name]", SHORT)
        .await
        .expect("open redis");
    wait_url(browser, |u| u.path() == "/i/redis").await;
    browser
        .wait_text("[data-test=image-not-found]", SHORT)
        .await
        .expect("the image page of redis");
    browser.client().back().await.expect("back");
    names(browser, &starred).await;
    assert_eq!(
        browser.client().current_url().await.expect("url"),
        shared,
        "back returns to the same search"
    );

    // A registry's catalog: names only, no stars, and the page says why.
    let host = stack.registry().host();
    stack
        .open(&format!("/search?q={host}/web"))
        .await
        .expect("catalog search");
    let catalog_name = format!("{host}/lovelearnlinux/webserver");
    names(browser, &[catalog_name.as_str()]).await;
    let stars = browser
        .texts("[data-test=result-stars]")
        .await
        .expect("stars");
    assert_eq!(stars, ["-"]);
    let note = browser
        .wait_text("[data-test=catalog-note]", SHORT)
        .await
        .expect("catalog note");
    assert!(note.contains("no stars"), "{note}");
    let href = browser
        .attr("[data-test=result-name]", "href", SHORT)
        .await
        .expect("image link");
    assert_eq!(href, Some(format!("/i/{catalog_name}")));
    browser
        .screenshot("search-catalog")
        .await
        .expect("screenshot");

    // Nothing found says so.
    stack
        .open("/search?q=nothing-like-this")
        .await
        .expect("empty search");
    let none = browser
        .wait_text("[data-test=no-results]", SHORT)
        .await
        .expect("no results");
    assert_eq!(none, "No results for nothing-like-this.");

    // A limit of 0 is refused in the browser with Docker's words...
    stack.open("/search?q=redis").await.expect("open /search");
    names(browser, &all).await;
    browser
        .type_into("[data-test=search-limit]", "0", SHORT)
        .await
        .expect("limit 0");
    let error = browser
        .wait_text("[data-test=limit-error]", SHORT)
        .await
        .expect("limit error");
    assert_eq!(error, "limit 0 is outside the range of [1, 100]");
    let disabled = browser
        .attr("[data-test=search-submit]", "disabled", SHORT)
        .await
        .expect("submit");
    assert!(disabled.is_some(), "an invalid limit cannot be searched");
    browser
        .screenshot("search-limit-error")
        .await
        .expect("screenshot");
    // ...and a hand-edited URL gets the server's answer, shown as it is.
    stack
        .open("/search?q=redis&limit=500")
        .await
        .expect("bad limit in the URL");
    let error = browser
        .wait_text("[data-test=error]", SHORT)
        .await
        .expect("server error");
    assert_eq!(
        error,
        "the server answered 400: limit 500 is outside the range of [1, 100]"
    );
    browser
        .screenshot("search-server-error")
        .await
        .expect("screenshot");

    // Phone width: the page still fits.
    browser.resize(390, 844).await.expect("resize");
    stack
        .open("/search?q=redis&official=false")
        .await
        .expect("open /search");
    names(browser, &all[1..]).await;
    browser
        .screenshot("search-phone")
        .await
        .expect("screenshot");
    stack.close().await.expect("close");
}
