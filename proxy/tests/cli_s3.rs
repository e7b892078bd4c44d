//! `--blob-store s3://…` end to end, on a real SeaweedFS and the real
//! distribution registry: `strata pull` stores the layers in the bucket
//! (none in the folder), `images`, `fsck`, `rm` and `gc` work against it,
//! and `strata serve`'s `/v2` writes a cold blob into the bucket through
//! its tee and serves it warm from there.

use std::process::Command;

use serde_json::Value;
use strata::store::content::s3::S3Config;
use test_support::cli::{Cli, at, succeeded};
use test_support::fixtures::layer::sha256;
use test_support::s3::{ACCESS_KEY, REGION, S3, SECRET_KEY};
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod s3_support;

use serve_v2_support::{get, v2};

/// The `--blob-store` environment for `bucket` on `s3`.
fn s3_env(s3: &S3, bucket: &str) -> [(&'static str, String); 5] {
    [
        ("STRATA_BLOB_STORE", format!("s3://{bucket}/cache")),
        ("AWS_ENDPOINT_URL", s3.endpoint()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ("AWS_REGION", REGION.to_owned()),
    ]
}

/// The bucket's blobs, as a second handle sees them.
fn bucket_blobs(s3: &S3, bucket: &str) -> Vec<String> {
    bucket_blobs_at(&s3.endpoint(), bucket)
}

fn bucket_blobs_at(endpoint: &str, bucket: &str) -> Vec<String> {
    s3_support::blob_digests(&S3Config {
        location: format!("s3://{bucket}/cache").parse().expect("location"),
        endpoint: Some(endpoint.to_owned()),
        region: REGION.to_owned(),
        access_key_id: ACCESS_KEY.to_owned(),
        secret_access_key: SECRET_KEY.to_owned(),
    })
}

fn run(mut command: Command, args: &[&str]) -> String {
    succeeded(command.args(args).output().expect("run strata"), args)
}

#[test]
fn pull_images_fsck_rm_and_gc_with_blobs_in_s3() {
    let s3 = S3::start().expect("SeaweedFS");
    s3.create_bucket("strata-cli").expect("bucket");
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push_fixture("lovelearnlinux/webserver:v1")
        .expect("push");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let strata = || {
        let mut command = cli.command(&[&registry]);
        command.envs(s3_env(&s3, "strata-cli"));
        command
    };
    let reference = at(&registry, "lovelearnlinux/webserver:v1");

    let pulled = run(strata(), &["pull", &reference]);
    assert_eq!(pulled.matches(": Pull complete").count(), 3, "{pulled}");
    assert!(cli.blobs().is_empty(), "no blob in the folder");
    // Three layers, the config and the manifest.
    assert_eq!(bucket_blobs(&s3, "strata-cli").len(), 5);

    let again = run(strata(), &["pull", &reference]);
    assert!(again.contains("Image is up to date"), "{again}");
    let images = run(strata(), &["images"]);
    assert!(images.contains("lovelearnlinux/webserver"), "{images}");
    let fsck = run(strata(), &["fsck"]);
    assert!(fsck.contains('5'), "five blobs checked: {fsck}");

    run(strata(), &["rm", &reference]);
    run(strata(), &["gc"]);
    assert!(bucket_blobs(&s3, "strata-cli").is_empty(), "gc emptied it");

    // Without credentials: a message that says which variable.
    let mut bare = cli.command(&[&registry]);
    bare.env("STRATA_BLOB_STORE", "s3://strata-cli")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let output = bare.arg("images").output().expect("run");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("AWS_ACCESS_KEY_ID"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_writes_cold_blobs_into_s3_and_serves_them_warm() {
    let s3 = S3::start().expect("SeaweedFS");
    s3.create_bucket("strata-v2").expect("bucket");
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let mut options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host());
    for (key, value) in s3_env(&s3, "strata-v2") {
        options = options.env(key, value);
    }
    let server = options.start().expect("strata serve");
    let base = v2(&server, &registry.host(), "library/alpine");
    let manifest = get(&format!("{base}/manifests/latest")).await;
    assert!(manifest.status.is_success(), "{:?}", manifest.status);
    let manifest: Value = manifest.json();
    let layer = manifest["layers"][0]["digest"]
        .as_str()
        .expect("layer")
        .to_owned();

    let cold = get(&format!("{base}/blobs/{layer}")).await;
    assert!(cold.status.is_success());
    assert_eq!(sha256(cold.bytes()), layer);
    test_support::eventually_async(
        std::time::Duration::from_secs(20),
        "the layer committed to the bucket",
        async || {
            // The store blocks on its own runtime: never on this one's.
            let (endpoint, layer) = (s3.endpoint(), layer.clone());
            tokio::task::spawn_blocking(move || {
                bucket_blobs_at(&endpoint, "strata-v2").contains(&layer)
            })
            .await
            .expect("listing")
        },
    )
    .await;
    let warm = get(&format!("{base}/blobs/{layer}")).await;
    assert!(warm.status.is_success());
    assert_eq!(warm.bytes(), cold.bytes());
    let range = serve_v2_support::send(
        reqwest::Method::GET,
        &format!("{base}/blobs/{layer}"),
        &[("Range", "bytes=10-19")],
    )
    .await;
    assert_eq!(range.bytes(), &cold.bytes()[10..20]);
    assert!(
        test_support::cli::blob_sizes(server.store()).is_empty(),
        "no blob in the server's folder"
    );
}
