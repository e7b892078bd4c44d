//! `strata serve`'s `/v2` and the store, against the real distribution
//! registry: images cached through `/v2` are recorded like pulled images
//! (listed, kept by garbage collection, evicted by `rm`), and stored
//! content is only served under a repository that holds it.

use reqwest::StatusCode;
use serde_json::Value;
use test_support::cli::Cli;
use test_support::fixtures::layer::sha256;
use test_support::{Auth, Registry, StrataServer, fixtures, poll_async};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{
    ACCEPT, gc_in_cli, get, images_listing, send, serve, stored, strata, v2, wait_stored,
};

/// The config and layers of an image manifest, largest layer last.
fn blobs_of(manifest: &Value) -> Vec<String> {
    let mut layers: Vec<(u64, String)> = manifest["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| {
            (
                l["size"].as_u64().expect("size"),
                l["digest"].as_str().expect("digest").to_owned(),
            )
        })
        .collect();
    layers.sort();
    let mut out = vec![
        manifest["config"]["digest"]
            .as_str()
            .expect("config")
            .to_owned(),
    ];
    out.extend(layers.into_iter().map(|(_, d)| d));
    out
}

/// Pulls `repo:tag` through strata the way a client does (manifest by
/// tag, then every blob); returns the manifest digest and its blobs.
async fn pull_through(base: &str, tag: &str) -> (String, Vec<String>) {
    let top = get(&format!("{base}/manifests/{tag}")).await;
    assert_eq!(top.status, StatusCode::OK, "{base}:{tag}");
    let blobs = blobs_of(&top.json());
    for digest in &blobs {
        let blob = get(&format!("{base}/blobs/{digest}")).await;
        assert_eq!(blob.status, StatusCode::OK, "{digest}");
        assert_eq!(sha256(blob.bytes()), *digest);
    }
    (sha256(top.bytes()), blobs)
}

/// A failed pull in another process (it removes only what it wrote).
fn failed_pull(cli: &Cli, server: &StrataServer, registry: &Registry) {
    let missing = format!("{}/no/such:nope", registry.host());
    let (ok, _, err) = strata(cli, server, &["pull", "-q", &missing]);
    assert!(!ok, "pulling {missing} must fail: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn images_cached_through_v2_are_recorded_kept_by_gc_and_removed_by_rm() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let alpine = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let base = v2(&server, &registry.host(), "library/redis");

    let (manifest, blobs) = pull_through(&base, "latest").await;
    assert_eq!(manifest, redis.digest);
    // Listed like a pulled image: its tag and the digest the tag named.
    let name = format!("{}/library/redis", registry.host());
    let listing = images_listing(&cli, &server, &redis.digest).await;
    let line = listing
        .lines()
        .find(|l| l.contains(&redis.digest))
        .expect("a line");
    assert!(
        line.starts_with(&name) && line.contains("latest"),
        "{listing}"
    );
    assert!(
        line.contains(&blobs[0]),
        "the image ID is the config digest: {line}"
    );

    // A blob fetched alone is cache only: nothing names it.
    let alpine_manifest: Value = serde_json::from_slice(
        &registry
            .raw_manifest("library/alpine", &alpine.digest)
            .expect("raw"),
    )
    .expect("json");
    let loose = blobs_of(&alpine_manifest)
        .into_iter()
        .find(|d| !blobs.contains(d))
        .expect("a blob redis does not share");
    let alpine_base = v2(&server, &registry.host(), "library/alpine");
    let got = get(&format!("{alpine_base}/blobs/{loose}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(wait_stored(&server, &loose).await, "{loose} was not stored");

    failed_pull(&cli, &server, &registry);
    assert!(
        stored(&server, &loose),
        "a failed pull deletes only what it wrote, not the cache"
    );
    let collected = gc_in_cli(&cli, &server);
    assert!(
        collected.contains(&format!("Deleted: {loose}")),
        "{collected}"
    );
    assert!(
        !stored(&server, &loose),
        "gc ran and deleted the loose blob"
    );
    for digest in blobs.iter().chain([&manifest]) {
        assert!(
            stored(&server, digest),
            "gc kept {digest} of the cached image"
        );
    }
    let (ok, out, err) = strata(&cli, &server, &["fsck"]);
    assert!(ok, "{out}{err}");

    // Served from the store with the upstream gone, by tag and by digest.
    drop(registry);
    let got = get(&format!("{base}/manifests/latest")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(sha256(got.bytes()), manifest);
    for digest in &blobs {
        let got = get(&format!("{base}/blobs/{digest}")).await;
        assert_eq!(got.status, StatusCode::OK, "{digest}");
        assert_eq!(sha256(got.bytes()), *digest);
    }

    // `rm` evicts it like a pulled image.
    let (ok, out, err) = strata(&cli, &server, &["rm", &format!("{name}:latest")]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Untagged:") && out.contains("Deleted:"),
        "{out}"
    );
    for digest in &blobs {
        assert!(!stored(&server, digest), "rm deleted {digest}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_platform_of_an_index_cached_through_v2_is_recorded_once() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let multi = registry
        .push(fixtures::get("library/multi:latest").expect("fixture"))
        .expect("push");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let base = v2(&server, &registry.host(), "library/multi");

    let got = get(&format!("{base}/manifests/latest")).await;
    assert_eq!(got.status, StatusCode::OK);
    let index = got.json();
    // Each entry, and whether it is an image to run (the attestation is
    // not: its one in-toto layer has no diff_id, so the walk refuses it).
    let children: Vec<(String, bool)> = index["manifests"]
        .as_array()
        .expect("an index")
        .iter()
        .map(|m| {
            let attestation = m["platform"]["os"] == "unknown";
            (
                m["digest"].as_str().expect("digest").to_owned(),
                !attestation,
            )
        })
        .collect();
    assert!(
        children.iter().filter(|(_, image)| *image).count() >= 2,
        "{index}"
    );
    assert!(children.iter().any(|(_, image)| !image), "{index}");
    let (mut configs, mut not_images) = (Vec::new(), Vec::new());
    for (child, image) in &children {
        let (_, blobs) = pull_through(&base, child).await;
        match image {
            true => configs.push(blobs[0].clone()),
            false => not_images.push(blobs[0].clone()),
        }
    }
    images_listing(&cli, &server, &multi.digest).await;
    // Every platform is listed; the tag and the index digest name one.
    for config in &configs {
        poll_async(std::time::Duration::from_secs(20), async || {
            let listing = strata(&cli, &server, &["images", "--digests", "--no-trunc"]).1;
            if listing.contains(config.as_str()) {
                Ok(())
            } else {
                Err(listing)
            }
        })
        .await
        .unwrap_or_else(|timed_out| panic!("{config}:\n{}", timed_out.last));
    }
    let (_, listing, _) = strata(&cli, &server, &["images", "--digests", "--no-trunc"]);
    assert_eq!(
        listing.lines().filter(|l| l.contains(" latest ")).count(),
        1,
        "{listing}"
    );
    assert_eq!(
        listing
            .lines()
            .filter(|l| l.contains(&multi.digest))
            .count(),
        1,
        "{listing}"
    );
    // The attestation was cached but, as with `strata pull`, never became
    // an image: /v2 recording checks layers against diff_ids too.
    for config in &not_images {
        assert!(!listing.contains(config.as_str()), "{config}:\n{listing}");
        assert!(stored(&server, config), "{config} is still cached");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stored_content_is_only_served_under_a_repository_that_holds_it() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    // Another repository upstream, without redis's own layers.
    let other_pushed = registry
        .push_as(
            fixtures::get("library/alpine:latest").expect("fixture"),
            "team/other",
            "latest",
        )
        .expect("push");
    let manifest: Value = serde_json::from_slice(
        &registry
            .raw_manifest("library/redis", &redis.digest)
            .expect("raw"),
    )
    .expect("json");
    let other_manifest: Value = serde_json::from_slice(
        &registry
            .raw_manifest("team/other", &other_pushed.digest)
            .expect("raw"),
    )
    .expect("json");
    let shared = blobs_of(&other_manifest);
    let layer = blobs_of(&manifest)
        .into_iter()
        .rev()
        .find(|d| !shared.contains(d))
        .expect("a layer of redis alone");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let redis_base = v2(&server, &registry.host(), "library/redis");
    let registry_host = registry.host();

    // Cached through repository A.
    let got = get(&format!("{redis_base}/blobs/{layer}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(sha256(got.bytes()), layer);
    assert!(wait_stored(&server, &layer).await, "{layer} was not stored");
    let got = get(&format!("{redis_base}/manifests/{}", redis.digest)).await;
    assert_eq!(got.status, StatusCode::OK);

    // Asked for through repositories that do not hold it upstream.
    for repo in ["team/other", "no/such"] {
        let base = v2(&server, &registry.host(), repo);
        let got = get(&format!("{base}/blobs/{layer}")).await;
        assert_eq!(
            (got.status, got.code().as_str()),
            (StatusCode::NOT_FOUND, "BLOB_UNKNOWN"),
            "{repo}: {}",
            String::from_utf8_lossy(got.bytes())
        );
        let head = send(
            reqwest::Method::HEAD,
            &format!("{base}/blobs/{layer}"),
            &[("accept", ACCEPT)],
        )
        .await;
        assert_eq!(head.status, StatusCode::NOT_FOUND, "HEAD via {repo}");
        let got = get(&format!("{base}/manifests/{}", redis.digest)).await;
        assert_eq!(
            got.status,
            StatusCode::NOT_FOUND,
            "{repo}: {}",
            String::from_utf8_lossy(got.bytes())
        );
    }
    // Repository A still gets it, from the store.
    let got = get(&format!("{redis_base}/blobs/{layer}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(sha256(got.bytes()), layer);

    // Once the other repository holds it upstream too, it is served there.
    registry
        .push_as(
            fixtures::get("library/redis:latest").expect("fixture"),
            "team/other",
            "redis",
        )
        .expect("push");
    let other = v2(&server, &registry.host(), "team/other");
    let got = get(&format!("{other}/blobs/{layer}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(sha256(got.bytes()), layer);

    // With the upstream gone, a repository not known to hold it gets an
    // error, never the bytes; the ones known to hold it are served.
    drop(registry);
    let unconfirmed = v2(&server, &registry_host, "library/alpine");
    let got = get(&format!("{unconfirmed}/blobs/{layer}")).await;
    assert_eq!(
        (got.status, got.code().as_str()),
        (StatusCode::BAD_GATEWAY, "UNAVAILABLE")
    );
    for base in [&redis_base, &other] {
        let got = get(&format!("{base}/blobs/{layer}")).await;
        assert_eq!(got.status, StatusCode::OK, "{base}");
        assert_eq!(sha256(got.bytes()), layer);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_look_from_the_dashboard_caches_but_does_not_record() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry.push_fixture("library/redis:latest").expect("push");
    let alpine = registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);

    // The dashboard's way: the manifest with X-Strata-No-Record, then every blob.
    let base = v2(&server, &registry.host(), "library/redis");
    let top = send(
        reqwest::Method::GET,
        &format!("{base}/manifests/latest"),
        &[("accept", ACCEPT), ("x-strata-no-record", "1")],
    )
    .await;
    assert_eq!(top.status, StatusCode::OK);
    assert_eq!(sha256(top.bytes()), redis.digest);
    let blobs = blobs_of(&top.json());
    for digest in &blobs {
        let blob = get(&format!("{base}/blobs/{digest}")).await;
        assert_eq!(sha256(blob.bytes()), *digest);
        assert!(wait_stored(&server, digest).await, "{digest} is cached");
    }

    // A client's pull of another image is recorded; the look is not.
    let (manifest, _) =
        pull_through(&v2(&server, &registry.host(), "library/alpine"), "latest").await;
    assert_eq!(manifest, alpine.digest);
    let listing = images_listing(&cli, &server, &alpine.digest).await;
    assert!(
        !listing.contains(&redis.digest),
        "looking at redis recorded it:\n{listing}"
    );
}

/// An image manifest served before a restart is recorded once its blobs
/// come through the restarted server: the images waiting for their blobs
/// are kept in the store's metadata, not only in the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_image_waiting_for_its_blobs_is_recorded_after_a_restart() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let alpine = registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    let top = get(&format!(
        "{}/manifests/latest",
        v2(&server, &registry.host(), "library/alpine")
    ))
    .await;
    assert_eq!(top.status, StatusCode::OK);
    let blobs = blobs_of(&top.json());
    let store = strata::store::Store::open(server.store()).expect("store");
    let noted = poll_async(std::time::Duration::from_secs(20), async || {
        let waiting = store.waiting_images().expect("waiting");
        match waiting
            .iter()
            .any(|w| w.manifest.digest.to_string() == alpine.digest)
        {
            true => Ok(waiting),
            false => Err(waiting),
        }
    })
    .await
    .unwrap_or_else(|t| panic!("the manifest is not noted as waiting: {:?}", t.last));
    assert_eq!(noted.len(), 1, "{noted:?}");

    let server = server.restart().expect("restart");
    let base = v2(&server, &registry.host(), "library/alpine");
    for digest in &blobs {
        let blob = get(&format!("{base}/blobs/{digest}")).await;
        assert_eq!(blob.status, StatusCode::OK, "{digest}");
    }
    let listing = images_listing(&cli, &server, &alpine.digest).await;
    assert!(
        listing.contains(" latest "),
        "recorded with its tag:\n{listing}"
    );
    let left = poll_async(std::time::Duration::from_secs(20), async || {
        let waiting = store.waiting_images().expect("waiting");
        match waiting.is_empty() {
            true => Ok(()),
            false => Err(waiting),
        }
    })
    .await;
    assert!(left.is_ok(), "recorded, so no longer waiting: {left:?}");
}
