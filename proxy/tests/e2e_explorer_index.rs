//! End to end: a layer read through an index (issue 20), in headless
//! Chromium, through strata's `/v2` in front of a real registry, on a
//! 24 MiB layer of 193 text files (`bench/huge-layer-24m`).
//!
//! - The first visit reads the layer whole (nothing is indexed yet); strata
//!   keeps the blob and indexes it.
//! - With the browser's own index forgotten, a reload lists the layer from
//!   the server's index, marked unverified until this browser has checked
//!   the layer's digest, and then verified.
//! - A file opens by one HTTP range: the preview shows it with far fewer
//!   bytes fetched than the layer holds.
//! - Another reload lists it from the index this browser kept (IndexedDB).
//! - A server index that lies about an offset is caught once the layer's
//!   bytes are checked, and shown as such.

use test_support::fixtures::{self, huge_file, huge_file_head};

mod e2e_explorer_support;

use e2e_explorer_support::*;

const MIB: usize = 24;

/// The fixture's only layer digest and compressed size, from its OCI layout.
fn layer_of(fixture: &fixtures::Fixture) -> (String, u64) {
    let blob = |digest: &str| -> serde_json::Value {
        let hex = digest.trim_start_matches("sha256:");
        let path = fixture.layout.join("blobs/sha256").join(hex);
        serde_json::from_slice(&std::fs::read(path).expect("blob")).expect("json")
    };
    let manifest = blob(&fixture.layout_digest);
    let layer = &manifest["layers"][0];
    (
        layer["digest"].as_str().expect("digest").to_owned(),
        layer["size"].as_u64().expect("size"),
    )
}

/// The file in strata's store that holds the server's index of `layer`:
/// the one, of the files named by its hex digest, that reads as an index.
fn stored_index(store: &std::path::Path, layer: &str) -> std::path::PathBuf {
    let hex = layer.trim_start_matches("sha256:");
    let mut stack = vec![store.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read the store").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains(hex))
                && std::fs::read(&path)
                    .ok()
                    .is_some_and(|b| shared::layer::index::LayerIndex::from_bytes(&b).is_ok())
            {
                return path;
            }
        }
    }
    panic!("no stored index of {layer} under {}", store.display());
}

/// Where layer 0's listing came from, once it is verified.
async fn listed_from(browser: &test_support::Browser) -> String {
    wait_js(
        browser,
        "const d = document.querySelector('[data-test=layer-verified]'); return d ? d.dataset.listedFrom : null;",
        "layer 0 verified",
        |from: &Option<String>| from.is_some(),
    )
    .await
    .unwrap_or_default()
}

/// Forgets the browser's own layer indexes (as a first visit would have none).
async fn forget_own_indexes(browser: &test_support::Browser) {
    let deleted: bool = browser
        .client()
        .execute_async(
            "const done = arguments[0]; const r = indexedDB.deleteDatabase('strata'); r.onsuccess = () => done(true); r.onerror = () => done(false);",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    assert!(deleted, "IndexedDB 'strata' was not deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_layer_lists_from_the_servers_index_opens_by_range_and_turns_verified() {
    let fixture = fixtures::huge_layer_image(MIB).expect("fixture");
    let (layer_digest, layer_size) = layer_of(&fixture);
    let (stack, image) = explore(&fixture).await;
    let browser = stack.browser();
    let layer_page = format!("/i/{image}/layers/0");

    // First visit: no index anywhere, the layer is read whole.
    open(&stack, &layer_page).await;
    assert_eq!(listed_from(browser).await, "bytes");

    // strata stored the blob as it passed, and indexes it.
    let http = reqwest::Client::new();
    let index_url = format!(
        "{}/api/v1/layers/{layer_digest}/index",
        stack.server().url()
    );
    let index: Vec<u8> = test_support::eventually_async(LONG, "the server's index", async || {
        let response = http
            .get(&index_url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() != 200 {
            return Err(format!("status {}", response.status()));
        }
        response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .map_err(|e| e.to_string())
    })
    .await;
    let parsed = shared::layer::index::LayerIndex::from_bytes(&index).expect("index");
    let files = fixtures::huge_files(MIB);
    assert_eq!(parsed.entries.len(), files + 2 + files.div_ceil(1000));

    // A browser without its own index lists from the server's, then verifies.
    forget_own_indexes(browser).await;
    open(&stack, &layer_page).await;
    assert_eq!(listed_from(browser).await, "server-index");
    let rows: usize = wait_js(
        browser,
        "return Number((document.querySelector('[data-test=layer-counts]') || {}).textContent?.match(/(\\d+) entries/)?.[1] || 0);",
        "layer 0 counts",
        |n: &usize| *n > 0,
    )
    .await;
    assert_eq!(rows, parsed.entries.len());

    // The merged view is built from the same listing.
    open(&stack, &format!("/i/{image}/fs/huge")).await;
    listing(browser, &[("d000", "0"), ("one-mib.txt", "0")]).await;

    // One file by range: far fewer bytes than the layer.
    let file = 150;
    open(&stack, &format!("/i/{image}/fs/{}", huge_file(file))).await;
    let text = browser
        .wait_text("[data-test=preview-text]", LONG)
        .await
        .expect("preview");
    assert!(
        text.starts_with(huge_file_head(file).trim_end()),
        "{text:.80}"
    );
    let fetched: u64 = wait_js(
        browser,
        "const p = document.querySelector('[data-test=preview-by-range]'); return p ? Number(p.dataset.fetched) : null;",
        "preview read by range",
        |n: &Option<u64>| n.is_some(),
    )
    .await
    .unwrap_or_default();
    assert!(
        fetched > 0 && fetched < layer_size / 2,
        "{fetched} of {layer_size} bytes fetched"
    );

    // The browser kept its own index: the next visit lists from it.
    open(&stack, &layer_page).await;
    assert_eq!(listed_from(browser).await, "own-index");

    // A server index that lies about one offset (still well formed) lists
    // at first, then is caught when the layer's bytes are checked.
    let mut lying = parsed.clone();
    let moved = lying
        .entries
        .iter()
        .position(|e| e.path.as_str() == huge_file(100))
        .expect("entry");
    lying.entries[moved].offset += 512;
    let stored = stored_index(stack.server().store(), &layer_digest);
    std::fs::write(&stored, lying.to_bytes()).expect("tamper with the stored index");
    forget_own_indexes(browser).await;
    stack.open(&layer_page).await.expect("open");
    let reason = browser
        .wait_text("[data-test=index-mismatch]", LONG)
        .await
        .expect("the lie is shown");
    assert!(reason.contains(&huge_file(100)), "{reason}");

    stack.close().await.expect("close");
}

/// An eStargz layer is listed from its own table of contents (two short
/// ranges: footer, then table), marked unverified, then checked against
/// the layer's bytes; its files preview as any other.
#[tokio::test(flavor = "multi_thread")]
async fn an_estargz_layer_lists_from_its_table_of_contents_then_verifies() {
    let fixture = fixtures::estargz_image().expect("fixture");
    let (stack, image) = explore(&fixture).await;
    let browser = stack.browser();
    open(&stack, &format!("/i/{image}/layers/0")).await;
    assert_eq!(listed_from(browser).await, "toc");
    open(&stack, &format!("/i/{image}/fs/app")).await;
    listing(
        browser,
        &[("data.bin", "0"), ("hello.txt", "0"), ("notes.txt", "0")],
    )
    .await;
    open(&stack, &format!("/i/{image}/fs/app/hello.txt")).await;
    let (_, hello) = &fixtures::estargz_files()[0];
    let text = browser
        .wait_text("[data-test=preview-text]", LONG)
        .await
        .expect("preview");
    assert_eq!(text.trim_end(), String::from_utf8_lossy(hello).trim_end());
    stack.close().await.expect("close");
}
