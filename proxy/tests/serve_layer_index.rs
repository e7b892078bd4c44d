//! `GET /api/v1/layers/{digest}/index` (issue 20) against the real
//! distribution registry and a real `strata serve`: a layer pulled into
//! the server's store is indexed by the background pass without any
//! request; the index lists what the layer's tar holds, and opens one
//! file from a `Range` of `/v2/.../blobs/<digest>`; a missing index is
//! built on request; the index goes with its blob (`rm` + `gc`); and the
//! requests that cannot be answered say why (400, 404, zstd).

use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use shared::layer::index::{EntryReader, LayerIndex};
use test_support::cli::Cli;
use test_support::fixtures::image::ImageSpec;
use test_support::fixtures::layer::{BuiltLayer, Compression, Layer, sha256};
use test_support::fixtures::layout::Layout;
use test_support::fixtures::{Fixture, Format};
use test_support::registry::Pushed;
use test_support::{Auth, Registry, StrataServer, eventually};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{children, gc_in_cli, get, send, serve, strata, v2, wait_stored};

/// The index's media type.
const INDEX_TYPE: &str = "application/vnd.strata.layer-index.v1+gzip";

/// How long the background pass may take to index a pulled layer (it
/// looks every 5 s).
const BACKGROUND: Duration = Duration::from_secs(30);

/// The file read through a range: after the large one, so its read starts
/// at a checkpoint past the stream's start.
const AFTER: &str = "etc/after.txt";
const AFTER_CONTENT: &str = "read through the index, from a range of the blob\n";

/// A layer with several files, one of them 9 MiB (two checkpoints), then
/// [`AFTER`].
fn files_layer() -> Layer {
    let big: Vec<u8> = (0..9 * 1024 * 1024 / 32)
        .flat_map(|i: u32| format!("{:031x}\n", i.wrapping_mul(2_654_435_761)).into_bytes())
        .collect();
    Layer::new("ADD . /")
        .dir("etc")
        .file("etc/hello.txt", "hello\n")
        .dir("data")
        .file("data/big.txt", big)
        .file(AFTER, AFTER_CONTENT)
        .symlink("etc/link", "hello.txt")
}

/// The one-layer image of [`files_layer`] compressed as `compression`, as a
/// fixture to push; and the folder holding it.
fn image(repo: &'static str, compression: Compression) -> (Fixture, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = Layout::create(dir.path()).expect("layout");
    let top = ImageSpec::new("2024-07-01T00:00:00Z")
        .layer(files_layer())
        .compression(compression)
        .write(&layout)
        .expect("image");
    layout.tag(&top, "latest").expect("tag");
    let fixture = Fixture {
        repo,
        tag: "latest",
        format: Format::Oci,
        layout: dir.path().to_path_buf(),
        layout_digest: top.digest,
        is_index: false,
    };
    (fixture, dir)
}

/// A registry holding the image, and a `strata serve` in front of it.
struct Setup {
    registry: Registry,
    pushed: Pushed,
    /// The image's one layer.
    layer: BuiltLayer,
    /// Its digest.
    digest: String,
    cli: Cli,
    server: StrataServer,
    _dir: tempfile::TempDir,
}

fn setup(repo: &'static str, compression: Compression) -> Setup {
    let registry = Registry::start(Auth::Open).expect("registry");
    let (fixture, _dir) = image(repo, compression);
    let pushed = registry.push(&fixture).expect("push");
    let layer = files_layer().build(compression).expect("layer");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = serve(&[registry.host()], &cli);
    Setup {
        digest: sha256(&layer.blob),
        registry,
        pushed,
        layer,
        cli,
        server,
        _dir,
    }
}

/// `(path, offset, size)` of every entry of a ustar stream, as the
/// archive says (names without a trailing `/`).
fn tar_entries(tar: &[u8]) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 512 <= tar.len() && tar[at..at + 512].iter().any(|b| *b != 0) {
        let header = &tar[at..at + 512];
        let field = |range: std::ops::Range<usize>| {
            let bytes = &header[range];
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            String::from_utf8(bytes[..end].to_vec()).expect("utf-8 name")
        };
        let (prefix, name) = (field(345..500), field(0..100));
        let path = match prefix.as_str() {
            "" => name,
            prefix => format!("{prefix}/{name}"),
        };
        let size = u64::from_str_radix(field(124..136).trim(), 8).expect("octal size");
        out.push((path.trim_end_matches('/').to_owned(), at as u64, size));
        at += 512 + usize::try_from(size.div_ceil(512) * 512).expect("size");
    }
    out
}

/// Checks that `index` lists [`files_layer`]'s tar: every entry, at the
/// tar's offsets, with its sizes.
fn assert_lists_the_tar(index: &LayerIndex) {
    let tar = files_layer().tar().expect("tar");
    assert_eq!(index.uncompressed_size, tar.len() as u64);
    let listed: Vec<(String, u64, u64)> = index
        .entries
        .iter()
        .map(|e| (e.path.as_str().to_owned(), e.offset, e.size))
        .collect();
    assert_eq!(listed, tar_entries(&tar));
}

/// A plain GET of strata's API: status, headers and body.
async fn api_get(url: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn index_url(server: &StrataServer, digest: &str) -> String {
    format!("{}/api/v1/layers/{digest}/index", server.url())
}

/// Where the server's store keeps the index of `digest`.
fn index_file(server: &StrataServer, digest: &str) -> PathBuf {
    server
        .store()
        .join("indexes/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// The error message of a JSON API error, checking its status.
fn error_message(got: &(StatusCode, HeaderMap, Vec<u8>), status: StatusCode) -> String {
    assert_eq!(got.0, status, "{}", String::from_utf8_lossy(&got.2));
    let body: serde_json::Value = serde_json::from_slice(&got.2).expect("a JSON error");
    body["message"].as_str().expect("message").to_owned()
}

/// Pulls the fixture into the server's store with `strata pull`.
fn pull(cli: &Cli, server: &StrataServer, reference: &str) {
    let (ok, _, err) = strata(cli, server, &["pull", "-q", reference]);
    assert!(ok, "strata pull {reference}: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pulled_layer_is_indexed_in_the_background_and_opens_one_file_from_a_range() {
    let Setup {
        registry,
        pushed,
        layer,
        digest,
        cli,
        server,
        _dir,
    } = setup("test/indexed", Compression::Gzip);
    pull(&cli, &server, &pushed.reference);

    // Indexed by the background pass, without any request.
    eventually(BACKGROUND, "the background pass indexes the layer", || {
        index_file(&server, &digest).is_file()
    });

    let got = api_get(&index_url(&server, &digest)).await;
    assert_eq!(got.0, StatusCode::OK, "{}", String::from_utf8_lossy(&got.2));
    assert_eq!(got.1["content-type"], INDEX_TYPE);
    assert_eq!(got.1["cache-control"], "no-cache");
    assert!(got.1.get("content-encoding").is_none(), "sent as stored");
    assert_eq!(
        got.2,
        std::fs::read(index_file(&server, &digest)).expect("stored index")
    );
    let index = LayerIndex::from_bytes(&got.2).expect("a valid index");
    assert_eq!(index.digest.to_string(), digest);
    assert_eq!(index.compressed_size, layer.blob.len() as u64);
    assert!(
        index.checkpoints.len() >= 3,
        "{} checkpoints",
        index.checkpoints.len()
    );

    // The entries are the tar's, at the tar's offsets.
    assert_lists_the_tar(&index);

    // One file, from a range of the blob through /v2.
    let entry = index.entry(AFTER).expect("the file is listed");
    let (mut reader, plan) = EntryReader::new(&index, entry);
    assert!(
        plan.range.start > 0,
        "read from a checkpoint: {:?}",
        plan.range
    );
    assert!(plan.range.end - plan.range.start < layer.blob.len() as u64 / 2);
    let range = format!("bytes={}-{}", plan.range.start, plan.range.end - 1);
    let blob_url = format!(
        "{}/blobs/{digest}",
        v2(&server, &registry.host(), "test/indexed")
    );
    let part = send(reqwest::Method::GET, &blob_url, &[("range", &range)]).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    let mut content = Vec::new();
    for chunk in part.bytes().chunks(64 * 1024) {
        reader.update(chunk).expect("the range decodes");
        content.extend(reader.take_content());
    }
    content.extend(reader.take_content());
    reader.finish().expect("the whole entry");
    assert_eq!(String::from_utf8(content).expect("utf-8"), AFTER_CONTENT);

    // Gone, then built again on request: concurrent requests get the same
    // index.
    std::fs::remove_file(index_file(&server, &digest)).expect("remove the index");
    let url = index_url(&server, &digest);
    let answers = futures_util::future::join_all((0..3).map(|_| api_get(&url))).await;
    for answer in &answers {
        assert_eq!(answer.0, StatusCode::OK);
        assert_eq!(answer.2, got.2, "the same index");
    }
    assert!(index_file(&server, &digest).is_file(), "kept once built");

    // The index goes with its blob.
    let (ok, _, err) = strata(&cli, &server, &["rm", &pushed.reference]);
    assert!(ok, "strata rm: {err}");
    gc_in_cli(&cli, &server);
    assert!(
        !index_file(&server, &digest).exists(),
        "gc removed the index"
    );
    let gone = api_get(&index_url(&server, &digest)).await;
    let message = error_message(&gone, StatusCode::NOT_FOUND);
    assert!(message.contains("pull the image first"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn index_requests_that_cannot_be_answered_say_why() {
    // Every part bound: the registry and the image's folder live to the end.
    let Setup {
        registry: _registry,
        pushed,
        layer: _,
        digest,
        cli,
        server,
        _dir,
    } = setup("test/zstd-indexed", Compression::Zstd);

    let absent = sha256(b"never stored");
    let cases = [
        (
            "not-a-digest",
            StatusCode::BAD_REQUEST,
            "not a layer digest",
        ),
        ("sha256:xyz", StatusCode::BAD_REQUEST, "not a layer digest"),
        (&absent, StatusCode::NOT_FOUND, "pull the image first"),
    ];
    for (asked, status, says) in cases {
        let got = api_get(&index_url(&server, asked)).await;
        let message = error_message(&got, status);
        assert!(message.contains(says), "{asked}: {message}");
    }

    pull(&cli, &server, &pushed.reference);
    let got = api_get(&index_url(&server, &digest)).await;
    let message = error_message(&got, StatusCode::NOT_FOUND);
    assert!(message.contains("zstd"), "{message}");
    assert!(!index_file(&server, &digest).exists(), "nothing kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_layer_cached_through_v2_is_indexed_in_the_read_that_learns_its_size() {
    let Setup {
        registry,
        pushed: _,
        layer: _,
        digest,
        cli: _cli,
        server,
        _dir,
    } = setup("test/through-v2", Compression::Gzip);
    let base = v2(&server, &registry.host(), "test/through-v2");
    let manifest = get(&format!("{base}/manifests/latest")).await;
    assert_eq!(manifest.status, StatusCode::OK);
    let (_, blobs) = children(&manifest.json());
    for (blob, _) in &blobs {
        let got = get(&format!("{base}/blobs/{blob}")).await;
        assert_eq!(got.status, StatusCode::OK, "{blob}");
        assert!(wait_stored(&server, blob).await, "{blob} stored");
    }

    // /v2 passes the bytes on untouched: the background pass reads the
    // layer once, for its unpacked size and its index.
    eventually(BACKGROUND, "the background pass indexes the layer", || {
        index_file(&server, &digest).is_file()
    });
    let got = api_get(&index_url(&server, &digest)).await;
    assert_eq!(got.0, StatusCode::OK);
    assert_lists_the_tar(&LayerIndex::from_bytes(&got.2).expect("a valid index"));
}
