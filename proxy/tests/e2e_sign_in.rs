//! End to end: the dashboard of `strata serve --private`, bound to this
//! machine's non-loopback address with a token, in headless Chromium. The
//! sign-in link `strata serve` prints signs the browser in: it lists the
//! images, reads `/v2` on the image page, and pins from the page. A second
//! browser without the link sees the sign-in banner, is refused a used
//! code and a wrong token, signs in with the pasted token, and signs out.

use std::time::Duration;

use test_support::strata::{StrataOptions, StrataServer};
use test_support::{Auth, Browser, Registry, non_loopback_ipv4};

const SHORT: Duration = Duration::from_secs(15);
const LONG: Duration = Duration::from_secs(60);
const TOKEN: &str = "e2e-sign-in-token-0123456789abcdef";

/// Pulls `reference` into `server` through the API with the bearer token,
/// as a CLI client would, and waits for the pull to end.
async fn pull_with_token(server: &StrataServer, reference: &str) {
    let http = reqwest::Client::new();
    let info: serde_json::Value = http
        .post(format!("{}/api/v1/pulls", server.url()))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "reference": reference }))
        .send()
        .await
        .expect("start the pull")
        .json()
        .await
        .expect("pull info");
    let id = info["id"].as_u64().expect("pull id");
    let events = http
        .get(format!("{}/api/v1/pulls/{id}/events", server.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("events")
        .text()
        .await
        .expect("the stream ends with the pull");
    assert!(events.contains("\"done\""), "{events}");
}

/// Waits until the browser is on the images page and it lists `tags`.
async fn images_listed(browser: &Browser, tags: &[&str]) {
    browser
        .wait_url(SHORT, |url| url.ends_with('/'))
        .await
        .expect("the images page");
    browser
        .wait_texts("[data-test=col-tag]", LONG, |t| t == tags)
        .await
        .expect("the images are listed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_printed_link_and_a_pasted_token_sign_in_to_a_private_server() {
    let Some(ip) = non_loopback_ipv4() else {
        eprintln!("skipped: this machine has no non-loopback IPv4 address to bind strata serve to");
        return;
    };
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("lovelearnlinux/webserver:v1")
        .expect("push");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .with_dashboard_for(&registry.host())
        .expect("built dashboard")
        .listen(format!("{ip}:0"))
        .env("STRATA_TOKEN", TOKEN)
        .arg("--private")
        .start()
        .expect("strata serve --private on a non-loopback address");
    assert_eq!(server.addr().ip(), std::net::IpAddr::V4(ip));
    pull_with_token(&server, &pushed.reference).await;
    let link = server
        .sign_in_url()
        .expect("strata serve prints a sign-in link")
        .to_owned();
    assert!(
        link.starts_with(&format!("{}/sign-in?code=", server.url())),
        "{link}"
    );

    // The printed link: signed in, the images listed, no banner.
    let browser = Browser::start().await.expect("chromium");
    browser.open(&link).await.expect("open the sign-in link");
    images_listed(&browser, &["v1"]).await;
    browser
        .wait_text("[data-test=sign-out]", SHORT)
        .await
        .expect("a sign-out button");
    assert!(
        browser
            .texts("[data-test=sign-in-banner]")
            .await
            .expect("banner")
            .is_empty(),
        "no sign-in banner once signed in"
    );
    // The image page reads the manifest through /v2 with the session.
    browser
        .open(&format!("{}/i/{}", server.url(), pushed.reference))
        .await
        .expect("open the image page");
    browser
        .wait_text("[data-test=raw-manifest] [data-test=json-digest]", LONG)
        .await
        .expect("the manifest, read through /v2");
    // A write from the page: pin the image.
    browser.open(&server.url()).await.expect("open /");
    images_listed(&browser, &["v1"]).await;
    browser
        .click("[data-test=row-select]", SHORT)
        .await
        .expect("select the row");
    browser
        .type_into("[data-test=pin-by]", "prod", SHORT)
        .await
        .expect("pin by");
    browser.click("[data-test=pin]", SHORT).await.expect("pin");
    browser
        .wait_texts("[data-test=outcome-ok]", SHORT, |t| {
            t.iter().any(|l| l.contains("Pinned"))
        })
        .await
        .expect("pinned from the page");
    let detail: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/images/{}",
            server.url(),
            pushed.reference
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("detail")
        .json()
        .await
        .expect("json");
    assert_eq!(detail["pins"], serde_json::json!(["prod"]), "{detail}");
    browser
        .screenshot("sign-in-signed-in")
        .await
        .expect("screenshot");

    // A second browser, without the link: the banner leads to sign-in.
    let other = Browser::start().await.expect("a second chromium");
    other.open(&server.url()).await.expect("open /");
    let banner = other
        .wait_text("[data-test=sign-in-banner]", SHORT)
        .await
        .expect("the sign-in banner");
    assert!(banner.contains("private"), "{banner}");
    other
        .click("[data-test=sign-in-link]", SHORT)
        .await
        .expect("follow the sign-in link");
    other
        .wait_text("[data-test=sign-in-page]", SHORT)
        .await
        .expect("the sign-in page");
    other.screenshot("sign-in-page").await.expect("screenshot");
    // The printed code was used up; a wrong token is refused too.
    other.open(&link).await.expect("open the used link");
    let error = other
        .wait_text("[data-test=error]", SHORT)
        .await
        .expect("the used code is refused");
    assert!(error.contains("used already"), "{error}");
    other
        .type_into("[data-test=sign-in-token]", "not-the-token", SHORT)
        .await
        .expect("type a wrong token");
    other
        .click("[data-test=sign-in-submit]", SHORT)
        .await
        .expect("submit");
    other
        .wait_texts("[data-test=error]", SHORT, |t| {
            t.iter().any(|e| e.contains("not this server's token"))
        })
        .await
        .expect("the wrong token is refused");
    other
        .type_into("[data-test=sign-in-token]", TOKEN, SHORT)
        .await
        .expect("paste the token");
    other
        .click("[data-test=sign-in-submit]", SHORT)
        .await
        .expect("submit");
    images_listed(&other, &["v1"]).await;

    // Signing out ends that session only.
    other
        .click("[data-test=sign-out]", SHORT)
        .await
        .expect("sign out");
    other
        .wait_url(SHORT, |url| url.ends_with("/sign-in"))
        .await
        .expect("back on the sign-in page");
    other.open(&server.url()).await.expect("open /");
    other
        .wait_text("[data-test=sign-in-banner]", SHORT)
        .await
        .expect("signed out");
    browser.open(&server.url()).await.expect("reload");
    images_listed(&browser, &["v1"]).await;

    other.close().await.expect("close");
    browser.close().await.expect("close");
}
