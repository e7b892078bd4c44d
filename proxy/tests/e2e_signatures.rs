//! End to end: the image page's "Signatures and attestations" panel in
//! headless Chromium, through strata's `/v2` in front of the real
//! distribution registry holding the harness's signed fixtures
//! (`test_support::signing`), with `strata serve --trusted-root` naming
//! the test Sigstore. The policy is in the link; the verdict, and each
//! tamper's failed check, come from this browser's own checks.

use std::time::Duration;

use shared::signature::PublicKey;
use test_support::signing::{SignedFixture, push_signed};
use test_support::strata::StrataOptions;
use test_support::{Auth, DashboardStack, Registry};

const LONG: Duration = Duration::from_secs(90);

/// Whether the page fetched the signature verification module (the
/// `trust_panel` split point, `split_trust_panel-<hash>.wasm`).
const VERIFIER_FETCHED: &str = "return performance.getEntriesByType('resource').some(e => e.name.includes('split_trust_panel'));";

/// Each referrer row: (source, data-state, kind of the first failed check or "").
const ROWS: &str = "return Array.from(document.querySelectorAll('[data-test=referrer]')).map(r => { \
    const failed = r.querySelector('[data-test=check][data-passed=false]'); \
    return [r.dataset.source, r.dataset.state, failed ? failed.dataset.kind : '']; });";

struct World {
    stack: DashboardStack,
    signed: SignedFixture,
    _root: tempfile::TempDir,
}

async fn world() -> World {
    let registry = Registry::start(Auth::Open).expect("registry");
    let signed = push_signed(&registry, "test/signed")
        .await
        .expect("push the signed fixtures");
    let root = tempfile::tempdir().expect("tmp");
    let root_file = root.path().join("trusted_root.json");
    std::fs::write(&root_file, &signed.trusted_root_json).expect("write root");
    let options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--trusted-root")
        .arg(root_file.display().to_string());
    let stack = DashboardStack::in_front_of(registry, options)
        .await
        .expect("stack");
    World {
        stack,
        signed,
        _root: root,
    }
}

fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn page(reference: &str, query: &str) -> String {
    format!("/i/{}{query}", reference.replace('/', "%2F"))
}

impl World {
    fn key_query(&self) -> String {
        let key = PublicKey::parse(self.signed.pems.signer.as_bytes()).expect("signer key");
        format!("?key={}", key.to_link())
    }

    fn identity_query(&self, identity: &str, issuer: &str) -> String {
        format!("?identity={}&issuer={}", enc(identity), enc(issuer))
    }

    /// Opens `path` and waits for the panel's verdict in `state`; its text.
    async fn verdict(&self, path: &str, state: &str) -> String {
        self.stack.open(path).await.expect("open");
        self.stack
            .browser()
            .wait_text(
                &format!("[data-test=signature-verdict][data-state={state}]"),
                LONG,
            )
            .await
            .unwrap_or_else(|e| panic!("{path}: no verdict {state}: {e}"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_with_a_key_or_an_identity_is_verified_in_the_browser() {
    let w = world().await;
    let image = w.signed.reference();
    let browser = w.stack.browser();

    let text = w.verdict(&page(&image, &w.key_query()), "verified").await;
    let key = PublicKey::parse(w.signed.pems.signer.as_bytes()).expect("key");
    assert!(text.contains("Signed by ECDSA P-256 key"), "{text}");
    assert!(text.contains("verified in this browser"), "{text}");
    let rests = browser
        .wait_text("[data-test=rests-on]", LONG)
        .await
        .expect("rests on");
    assert!(rests.contains(&key.fingerprint()), "{rests}");
    let fetched: bool = browser.json(VERIFIER_FETCHED).await.expect("resources");
    assert!(
        fetched,
        "the verifier is a module of its own, fetched for a signed image"
    );
    let rows: Vec<(String, String, String)> = browser.json(ROWS).await.expect("rows");
    assert!(
        rows.len() >= 6,
        "bundles, SBOMs, the .sig and .att layers: {rows:?}"
    );
    assert!(
        rows.iter()
            .any(|(source, state, _)| source == "cosign .sig tag" && state == "verified"),
        "{rows:?}"
    );

    let query = w.identity_query(&w.signed.identity, &w.signed.issuer);
    let text = w.verdict(&page(&image, &query), "verified").await;
    assert!(text.contains(&w.signed.identity), "{text}");
    let rests = browser
        .wait_text("[data-test=rests-on]", LONG)
        .await
        .expect("rests on");
    assert!(rests.contains("custom trusted root"), "{rests}");
    let rows: Vec<(String, String, String)> = browser.json(ROWS).await.expect("rows");
    assert!(
        rows.iter()
            .any(|(source, state, _)| source == "referrers" && state == "verified"),
        "a v0.3 bundle among the referrers verified: {rows:?}"
    );

    // Each referrer links to its own page, where its manifest names the image.
    browser
        .click(
            "[data-test=referrer][data-source=referrers] [data-test=referrer-link]",
            LONG,
        )
        .await
        .expect("follow a referrer's link");
    let manifest = browser
        .wait_text("[data-test=raw-manifest] [data-test=raw-json-text]", LONG)
        .await
        .expect("the referrer's manifest");
    assert!(manifest.contains("\"subject\""), "{manifest}");
    assert!(manifest.contains(&w.signed.digest), "{manifest}");

    // No policy: the keyless signatures check out, but nothing pins who signed.
    let text = w.verdict(&page(&image, ""), "unpinned").await;
    assert!(text.contains(&w.signed.identity), "{text}");

    // Another identity: the browser names the check and both values.
    let query = w.identity_query(&w.signed.other_identity, &w.signed.issuer);
    w.verdict(&page(&image, &query), "failed").await;
    let failed = browser
        .wait_text("[data-test=failed-check]", LONG)
        .await
        .expect("check");
    assert_eq!(failed, "certificate identity");
    let expected = browser
        .wait_text("[data-test=verdict-expected]", LONG)
        .await
        .expect("expected");
    assert!(expected.contains(&w.signed.other_identity), "{expected}");
    let actual = browser
        .wait_text("[data-test=verdict-actual]", LONG)
        .await
        .expect("actual");
    assert!(actual.contains(&w.signed.identity), "{actual}");
    w.stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_tamper_turns_exactly_its_check_red_in_the_browser() {
    let w = world().await;
    let key = w.key_query();
    let email = w.identity_query(&w.signed.identity, &w.signed.issuer);
    let workflow = w.identity_query(&w.signed.workflow_identity, &w.signed.workflow_issuer);
    // (variant, policy, where the tampered signature is, the check that must fail first)
    let cases = [
        ("payload-changed", &key, "cosign .sig tag", "signature"),
        ("payload-changed", &workflow, "referrers", "signature"),
        ("other-key", &key, "cosign .sig tag", "signature"),
        ("other-key", &key, "referrers", "signature"),
        ("other-identity", &email, "cosign .sig tag", "identity"),
        ("other-identity", &email, "referrers", "identity"),
        (
            "bad-inclusion-proof",
            &email,
            "cosign .sig tag",
            "log-promise",
        ),
        ("bad-inclusion-proof", &email, "referrers", "log-inclusion"),
        ("replay", &key, "cosign .sig tag", "subject-digest"),
        ("replay", &email, "referrers", "subject-digest"),
    ];
    for (name, query, source, check) in cases {
        let variant = w
            .signed
            .variant(name)
            .unwrap_or_else(|| panic!("variant {name}"));
        let image = format!("{}/{}:latest", w.signed.host, variant.repo);
        w.verdict(&page(&image, query), "failed").await;
        let rows: Vec<(String, String, String)> = w.stack.browser().json(ROWS).await.expect("rows");
        let at: Vec<&(String, String, String)> =
            rows.iter().filter(|(s, _, _)| s == source).collect();
        assert!(!at.is_empty(), "{name}: nothing at {source}: {rows:?}");
        for (_, state, failed) in at {
            assert_eq!(state, "failed", "{name} at {source}: {rows:?}");
            assert_eq!(
                failed, check,
                "{name} at {source}: the first failed check: {rows:?}"
            );
        }
    }
    w.stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_form_puts_the_policy_in_the_link() {
    let w = world().await;
    let image = w.signed.reference();
    let browser = w.stack.browser();
    w.verdict(&page(&image, ""), "unpinned").await;
    browser
        .click("[data-test=policy-form] summary", LONG)
        .await
        .expect("open the form");
    browser
        .type_into("[data-test=policy-identity]", &w.signed.identity, LONG)
        .await
        .expect("identity");
    browser
        .type_into("[data-test=policy-issuer]", &w.signed.issuer, LONG)
        .await
        .expect("issuer");
    browser
        .click("[data-test=policy-identity-apply]", LONG)
        .await
        .expect("apply");
    let url = browser
        .wait_url(LONG, |u| u.contains("identity=") && u.contains("issuer="))
        .await
        .expect("the policy is in the address");
    assert!(url.contains(&enc(&w.signed.identity)), "{url}");
    browser
        .wait_text("[data-test=signature-verdict][data-state=verified]", LONG)
        .await
        .expect("verified under the policy just set");

    // The same link in a fresh page says the same.
    let path = url
        .split_once("/i/")
        .map(|(_, p)| format!("/i/{p}"))
        .expect("path");
    let text = w.verdict(&path, "verified").await;
    assert!(text.contains(&w.signed.identity), "{text}");

    // A key pasted into the form.
    browser
        .click("[data-test=policy-form] summary", LONG)
        .await
        .expect("open the form");
    browser
        .type_into("[data-test=policy-key]", &w.signed.pems.signer, LONG)
        .await
        .expect("key");
    browser
        .click("[data-test=policy-key-apply]", LONG)
        .await
        .expect("apply key");
    browser
        .wait_url(LONG, |u| u.contains("key="))
        .await
        .expect("key in the address");
    let text: String = browser
        .wait_json(
            "const v = document.querySelector('[data-test=signature-verdict][data-state=verified]'); return v ? v.innerText : '';",
            "the verdict under the key just set",
            LONG,
            |t: &String| t.contains("ECDSA P-256 key"),
        )
        .await;
    assert!(text.contains("verified in this browser"), "{text}");
    w.stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsigned_image_says_nothing_is_attached_and_fetches_no_verifier() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry.push_fixture("test/diff:a").expect("push");
    let stack =
        DashboardStack::in_front_of(registry, StrataOptions::new(env!("CARGO_BIN_EXE_strata")))
            .await
            .expect("stack");
    stack
        .open(&page(&pushed.reference, ""))
        .await
        .expect("open");
    let text = stack
        .browser()
        .wait_text("[data-test=signatures][data-state=none]", LONG)
        .await
        .expect("the panel says nothing is attached");
    assert!(text.contains("Nothing is attached"), "{text}");
    let fetched: bool = stack
        .browser()
        .json(VERIFIER_FETCHED)
        .await
        .expect("resources");
    assert!(
        !fetched,
        "an image with nothing attached does not fetch the verifier"
    );
    stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ten_thousand_package_sbom_is_a_filterable_sortable_virtual_table() {
    let w = world().await;
    let browser = w.stack.browser();
    let query = w.identity_query(&w.signed.identity, &w.signed.issuer);
    w.verdict(&page(&w.signed.reference(), &query), "verified")
        .await;
    let table = "[data-test=attestation-contents][data-packages='10000']";
    browser
        .click(&format!("{table} [data-test=sbom-open]"), LONG)
        .await
        .expect("open the 10,000-package SBOM");
    let count = format!("{table} [data-test=sbom-count]");
    let all = browser.wait_text(&count, LONG).await.expect("count");
    assert_eq!(all, "10000 of 10000 packages");
    let in_dom: usize = browser
        .json(&format!(
            "return document.querySelectorAll(\"{table} [data-test=sbom-row]\").length;"
        ))
        .await
        .expect("rows");
    assert!(
        (1..=200).contains(&in_dom),
        "only the rows in view are in the page: {in_dom}"
    );

    browser
        .type_into(
            &format!("{table} [data-test=sbom-filter]"),
            "pkg-0999",
            LONG,
        )
        .await
        .expect("filter");
    let filtered: String = browser
        .wait_json(
            &format!("return document.querySelector(\"{count}\").innerText;"),
            "the filtered count",
            LONG,
            |t: &String| t.starts_with("10 of"),
        )
        .await;
    assert_eq!(filtered, "10 of 10000 packages");
    // Sorted by name twice: descending.
    for _ in 0..2 {
        browser
            .click(&format!("{table} [data-test=sbom-sort-name]"), LONG)
            .await
            .expect("sort");
    }
    let first: String = browser
        .wait_json(
            &format!("const r = document.querySelector(\"{table} [data-test=sbom-row]\"); return r ? r.innerText : '';"),
            "the first row after sorting",
            LONG,
            |t: &String| t.contains("pkg-09999"),
        )
        .await;
    assert!(first.contains("pkg:deb/debian/pkg-09999@"), "{first}");
    w.stack.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn buildkit_attestations_sit_under_their_platform_and_render_their_predicates() {
    let w = world().await;
    let browser = w.stack.browser();
    let multi = format!("{}/{}:{}", w.signed.host, w.signed.repo, w.signed.multi.tag);
    w.verdict(&page(&multi, ""), "unsigned").await;
    // In the platform list: under each platform, never as one.
    let nested: Vec<String> = browser
        .wait_json(
            "return Array.from(document.querySelectorAll('[data-test=platform] [data-test=platform-attestation]')).map(a => a.closest('[data-test=platform]').dataset.platform);",
            "the attestations under their platforms",
            LONG,
            |n: &Vec<String>| !n.is_empty(),
        )
        .await;
    let platforms: Vec<String> = w
        .signed
        .multi
        .platforms
        .iter()
        .map(|(p, _)| p.clone())
        .collect();
    for platform in &nested {
        // The page writes arm64 as its normal form, linux/arm64/v8.
        assert!(
            platforms.iter().any(|p| platform.starts_with(p.as_str())),
            "{platform} is one of {platforms:?}"
        );
    }
    let listed: Vec<String> = browser
        .json("return Array.from(document.querySelectorAll('[data-test=platform]')).map(p => p.dataset.platform);")
        .await
        .expect("platforms");
    assert!(
        !listed.iter().any(|p| p.contains("unknown")),
        "no attestation is a platform: {listed:?}"
    );

    // In the panel: each statement, unsigned, about its platform, rendered.
    let rows: Vec<(String, String, String)> = browser.json(ROWS).await.expect("rows");
    let statements: Vec<&(String, String, String)> = rows
        .iter()
        .filter(|(source, _, _)| source == "attestation manifest in the index")
        .collect();
    assert!(statements.len() >= 2, "{rows:?}");
    assert!(
        statements
            .iter()
            .all(|(_, state, failed)| state == "unsigned" && failed.is_empty()),
        "{rows:?}"
    );
    let builder = browser
        .wait_text("[data-test=provenance-builder]", LONG)
        .await
        .expect("the provenance's builder");
    assert!(!builder.trim().is_empty());
    browser
        .wait_text(
            "[data-test=attestation-contents][data-predicate=sbom]",
            LONG,
        )
        .await
        .expect("the SBOM statement's table");
    w.stack.close().await.expect("close");
}
