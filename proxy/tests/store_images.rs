//! The store's image records: recording, resolving (every form `docker`
//! accepts), listing, tags that move, `tag`, and usage.

#[expect(
    dead_code,
    reason = "the rm and process helpers serve other test files"
)]
mod store_support;

use shared::digest::Digest;
use shared::media_type::MediaType;
use store_support::*;
use strata::store::{BlobRef, ImageId, ImageRecord, RecordOutcome, StoreError};

// ---- record, resolve, list ----

#[test]
fn record_resolve_and_list() {
    let (_dir, store) = open();
    let base = layer("base", 1000);
    let app = layer("app", 500);
    let record = image(&store, "a", &[&base, &app], T1);
    let outcome = pull(&store, &record, "redis");
    assert_eq!(
        outcome,
        RecordOutcome {
            up_to_date: false,
            previous: None,
            previous_dangling: false
        }
    );
    let id = record.id.to_string();
    let hex = record.id.digest().encoded();
    let m = record.manifest.digest.to_string();
    for arg in [
        "redis".to_owned(),
        "redis:latest".into(),
        "docker.io/library/redis".into(),
        "index.docker.io/library/redis:latest".into(),
        format!("redis@{m}"),
        format!("redis:whatever@{m}"),
        id.clone(),
        hex.to_owned(),
        record.id.short().to_owned(),
        format!("sha256:{}", &hex[..5]),
    ] {
        assert_eq!(store.resolve(&arg).expect(&arg), record, "{arg}");
    }
    assert_eq!(store.get(&record.id).expect("get"), record);
    assert_eq!(store.image_config(&record).expect("config").os, "linux");
    assert_eq!(
        store
            .image_manifest(&record)
            .expect("manifest")
            .layers
            .len(),
        2
    );

    let rows = store.list().expect("list");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.id, record.id);
    assert_eq!(familiar_tags(&store, &record.id), ["redis:latest"]);
    assert_eq!(row.repo_digests.len(), 1);
    assert_eq!(row.repo_digests[0].familiar(), format!("redis@{m}"));
    assert_eq!(row.size, record.size);
    assert_eq!(row.created, record.created);
    assert_eq!(row.labels.get("fixture").map(String::as_str), Some("a"));
    assert_eq!(row.platform.to_string(), "linux/amd64");
    assert!(!row.dangling);
    assert!(row.pins.is_empty());

    let again = pull(&store, &record, "redis:latest");
    assert!(
        again.up_to_date,
        "re-pulling an unchanged tag is up to date"
    );
    assert_eq!(
        store.tag_target(&reference("redis")).expect("target"),
        Some(record.manifest.digest.clone())
    );
}

#[test]
fn resolve_errors() {
    let (_dir, store) = open();
    let record = image(&store, "a", &[&layer("x", 10)], T1);
    pull(&store, &record, "redis");
    let other_digest = Digest::sha256_of(b"other");
    let cases: Vec<(String, &str)> = vec![
        ("nope".into(), "No such image: nope:latest"),
        ("redis:7".into(), "No such image: redis:7"),
        (
            format!("redis@{other_digest}"),
            "No such image: redis@sha256:",
        ),
        ("0000000".into(), "No such image: 0000000"),
        ("Foo Bar".into(), "invalid reference format"),
        ("".into(), "invalid reference format"),
    ];
    for (arg, message) in cases {
        let err = store.resolve(&arg).expect_err(&arg);
        assert!(err.to_string().starts_with(message), "{arg}: {err}");
    }
    assert!(store.resolve("nope").expect_err("nope").is_not_found());
}

#[test]
fn record_refuses_missing_blobs() {
    let (_dir, store) = open();
    let mut record = image(&store, "a", &[&layer("x", 10)], T1);
    record.layers[0].digest = Digest::sha256_of(b"never written");
    let err = store
        .record_image(&record, None, None)
        .expect_err("missing layer");
    assert!(
        matches!(err, StoreError::MissingBlob { role: "layer", .. }),
        "{err}"
    );
    assert!(store.list().expect("list").is_empty());
}

#[test]
fn a_moved_tag_leaves_the_old_image_dangling() {
    let (_dir, store) = open();
    let old = image(&store, "old", &[&layer("x", 10)], T1);
    let new = image(&store, "new", &[&layer("y", 10)], T2);
    pull(&store, &old, "app");
    let outcome = pull(&store, &new, "app");
    assert_eq!(
        outcome,
        RecordOutcome {
            up_to_date: false,
            previous: Some(old.id.clone()),
            previous_dangling: true
        }
    );
    let rows = store.list().expect("list");
    assert_eq!(rows.len(), 2, "the old image is kept");
    assert_eq!(rows[0].id, new.id, "newest first");
    assert!(!rows[0].dangling);
    assert_eq!(rows[1].id, old.id);
    assert!(rows[1].dangling);
    assert!(rows[1].repo_tags.is_empty());
    assert!(
        rows[1].repo_digests.is_empty(),
        "its digest reference goes with the tag: it lists as <none> <none> (DOCKER-SEMANTICS)"
    );
    assert_eq!(store.resolve("app").expect("app").id, new.id);

    // `tag` names it again.
    let outcome = store
        .tag(old.id.short(), &reference("app:old"))
        .expect("tag");
    assert_eq!(outcome.previous, None);
    assert_eq!(familiar_tags(&store, &old.id), ["app:old"]);
    // Moving a tag with `tag` reports the image it leaves.
    let outcome = store.tag("app:old", &reference("app")).expect("tag");
    assert_eq!(outcome.previous, Some(new.id.clone()));
    assert!(outcome.previous_dangling);
    assert_eq!(familiar_tags(&store, &old.id), ["app:latest", "app:old"]);
    let err = store
        .tag("app", &reference(&format!("app@{}", old.manifest.digest)))
        .expect_err("digest target");
    assert!(matches!(err, StoreError::TagWithDigest { .. }), "{err}");
    assert!(
        store
            .tag("nope", &reference("x"))
            .expect_err("nope")
            .is_not_found()
    );
}
/// The `linux/amd64` image of an index is pulled by tag, then by its own
/// digest; the tag then moves to the `linux/arm64` image of the same index.
/// The amd64 image loses the tag and the index digest the tag had named,
/// but keeps the digest reference it was pulled by.
#[test]
fn a_moved_tag_takes_only_its_own_digest_reference() {
    let (_dir, store) = open();
    let index_bytes = b"the index of both".to_vec();
    let index = Digest::sha256_of(&index_bytes);
    store
        .put_small(&index, &index_bytes)
        .expect("put the index");
    let from_index = |mut record: ImageRecord| {
        record.index = Some(BlobRef {
            digest: index.clone(),
            size: index_bytes.len() as u64,
            media_type: MediaType::OciIndex,
        });
        record
    };
    let amd64 = image(&store, "amd64", &[&layer("x", 10)], T1);
    let arm64 = from_index(image(&store, "arm64", &[&layer("y", 10)], T2));
    let name = reference("multi");
    store
        .record_pull(&from_index(amd64.clone()), &name, &index)
        .expect("pull amd64 by tag");
    let by_digest = reference(&format!("multi@{}", amd64.manifest.digest));
    store
        .record_pull(&amd64, &by_digest, &amd64.manifest.digest)
        .expect("pull amd64 by digest");
    let outcome = store
        .record_pull(&arm64, &name, &index)
        .expect("pull arm64 by tag");
    assert_eq!(outcome.previous, Some(amd64.id.clone()));
    assert!(outcome.previous_dangling, "amd64 has no tag left");

    let rows = store.list().expect("list");
    let row = |id: &ImageId| rows.iter().find(|r| &r.id == id).expect("listed");
    let digests = |id: &ImageId| -> Vec<String> {
        row(id).repo_digests.iter().map(|r| r.familiar()).collect()
    };
    assert_eq!(
        digests(&amd64.id),
        [format!("multi@{}", amd64.manifest.digest)],
        "the digest amd64 was pulled by stays"
    );
    assert_eq!(digests(&arm64.id), [format!("multi@{index}")]);
    assert_eq!(
        store
            .resolve(&format!("multi@{}", amd64.manifest.digest))
            .expect("by digest")
            .id,
        amd64.id
    );
}

#[test]
fn usage_counts_shared_layers_once() {
    let (_dir, store) = open();
    let base = layer("base", 10_000);
    let a = image(&store, "a", &[&base, &layer("a", 300)], T1);
    let b = image(&store, "b", &[&base, &layer("b", 200)], T2);
    pull(&store, &a, "a");
    pull(&store, &b, "b");
    let usage = store.usage().expect("usage");
    assert_eq!(usage.images, 2);
    assert_eq!(usage.total_bytes, a.size + b.size);
    assert_eq!(usage.unique_bytes, a.size + b.size - 10_000);
    assert_eq!(usage.bytes_saved_by_sharing, 10_000);
    let manifests = a.manifest.size + b.manifest.size;
    assert_eq!(usage.disk_bytes, usage.unique_bytes + manifests);
}

#[test]
fn listing_ten_thousand_images() {
    let (_dir, store) = open();
    const N: usize = 10_000;
    let shared_layer = layer("shared", 100);
    let started = std::time::Instant::now();
    let template = image(&store, "template", &[&shared_layer], T1);
    for i in 0..N {
        // Same blobs for all but the config, whose digest is the ID; the
        // config blob itself is written for each.
        let config = format!("{{\"n\":{i}}}");
        let digest = Digest::sha256_of(config.as_bytes());
        store.put_small(&digest, config.as_bytes()).expect("config");
        let mut record = template.clone();
        record.id = ImageId::new(digest);
        record.config_size = config.len() as u64;
        store
            .record_image(
                &record,
                Some((
                    &reference(&format!("img{}", i % 100)),
                    &format!("t{i}").parse().expect("tag"),
                )),
                None,
            )
            .expect("record");
    }
    eprintln!("recorded {N} images in {:?}", started.elapsed());
    let started = std::time::Instant::now();
    let rows = store.list().expect("list");
    let took = started.elapsed();
    eprintln!("listed {N} images in {took:?}");
    assert_eq!(rows.len(), N);
    assert!(rows.iter().all(|r| r.repo_tags.len() == 1));
}

#[test]
fn generation_changes_with_every_commit_from_any_handle() {
    let dir = tempfile::tempdir().expect("tmp");
    let first = strata::store::Store::open(dir.path()).expect("open");
    let second = strata::store::Store::open(dir.path()).expect("open again");
    let start = first.generation().expect("generation");
    assert_eq!(
        first.generation().expect("generation"),
        start,
        "nothing changed"
    );
    let bytes = br#"{"hello":"world"}"#;
    let digest = shared::digest::Digest::sha256_of(bytes);
    // Blob writes alone are not metadata: the generation stays.
    second.put_small(&digest, bytes).expect("put");
    assert_eq!(first.generation().expect("generation"), start);
    second.pin("nothing", "x").expect_err("no such image");
    let lease = second
        .lease("a test", std::time::Duration::from_secs(60))
        .expect("lease");
    let after_other = first.generation().expect("generation");
    assert_ne!(after_other, start, "another handle's commit is seen");
    drop(lease);
    let own = first
        .lease("mine", std::time::Duration::from_secs(60))
        .expect("lease");
    assert_ne!(
        first.generation().expect("generation"),
        after_other,
        "this handle's commit is seen"
    );
    drop(own);
}
