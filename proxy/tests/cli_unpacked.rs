//! Unpacked sizes and the diff_id check, against the real registry with
//! podman as the oracle:
//! - `images` SIZE, `inspect` Size and `history` SIZE are the layers'
//!   unpacked (tar) sizes, as podman reports them;
//! - a layer that does not unpack to its config's diff_id fails the pull,
//!   naming both digests, and nothing is kept, whether it was downloaded
//!   or already in the store;
//! - sizes the store never learned say "unknown" in `images` until
//!   `fsck --repair` (or `strata serve`, for images cached through `/v2`)
//!   reads them; `inspect` and `history` of one image read its layers then.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use test_support::cli::{Cli, at};
use test_support::fixtures::image::media;
use test_support::fixtures::layer::{Compression, Layer};
use test_support::fixtures::layout::Layout;
use test_support::fixtures::{Fixture, Format};
use test_support::podman::Podman;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, eventually, fixtures};

const FIXTURES: [&str; 4] = [
    "library/alpine:latest",
    "library/redis:latest",
    "test/zstd:latest",
    "test/docker-v2:latest",
];

fn numbers(text: &str) -> Vec<u64> {
    text.lines()
        .map(|l| l.trim().parse().unwrap_or_else(|_| panic!("a size: {l:?}")))
        .collect()
}

#[test]
fn sizes_agree_with_podman() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let podman = Podman::new().expect("podman");
    for name in FIXTURES {
        let pushed = registry.push_fixture(name).expect("push");
        cli.ok(&registry, &["pull", "-q", &pushed.reference]);
        podman.pull(&pushed.reference);

        let theirs = podman.history_sizes(&pushed.reference).expect("podman");
        let ours = numbers(&cli.ok(
            &registry,
            &[
                "history",
                "--human=false",
                "--format",
                "{{.Size}}",
                &pushed.reference,
            ],
        ));
        assert_eq!(ours, theirs, "{name}: history sizes");
        assert!(theirs.iter().any(|s| *s > 0), "{name}: {theirs:?}");

        let total: u64 = theirs.iter().sum();
        let inspect = cli.ok(
            &registry,
            &["inspect", "--format", "{{.Size}}", &pushed.reference],
        );
        assert_eq!(numbers(&inspect), [total], "{name}: inspect Size");
        let images = cli.ok(
            &registry,
            &[
                "images",
                "--format",
                "{{.Size}} {{.BlobSize}}",
                &pushed.reference,
            ],
        );
        let (size, blob_size) = images.trim().split_once(' ').expect("two columns");
        assert_eq!(size, shared::display::human_size(total), "{name}: SIZE");
        assert_ne!(size, blob_size, "{name}: BLOB SIZE is the compressed size");
    }
    // podman's own SIZE adds its copies of the manifest and config; the
    // layers' part is what Docker shows, e.g. alpine's 9.22kB.
    let alpine = at(&registry, "library/alpine:latest");
    let table = cli.ok(&registry, &["images", &alpine]);
    assert!(
        table.lines().nth(1).is_some_and(|l| l.ends_with("9.22kB")),
        "{table}"
    );
}

/// An image whose config names `diff_id` for a gzip layer of one file,
/// pushed as `repo:tag`; returns the layer blob's digest.
fn push_with_diff_id(
    registry: &Registry,
    dir: &Path,
    repo: &'static str,
    tag: &'static str,
    diff_id: Option<&str>,
) -> String {
    let layout = Layout::create(dir).expect("layout");
    let built = Layer::new("ADD hello /")
        .file("hello", "hello, strata\n")
        .build(Compression::Gzip)
        .expect("layer");
    let layer = layout.put(media::LAYER_GZIP, &built.blob).expect("put");
    let config = layout
        .put_json(
            media::CONFIG,
            &serde_json::json!({
                "architecture": "amd64", "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [diff_id.unwrap_or(&built.diff_id)]},
                "history": [{"created_by": "ADD hello /"}],
            }),
        )
        .expect("config");
    let manifest = layout
        .put_json(
            media::MANIFEST,
            &serde_json::json!({
                "schemaVersion": 2, "mediaType": media::MANIFEST,
                "config": config.json(), "layers": [layer.json()],
            }),
        )
        .expect("manifest");
    layout.tag(&manifest, tag).expect("tag");
    let fixture = Fixture {
        repo,
        tag,
        format: Format::Oci,
        layout: dir.to_path_buf(),
        layout_digest: manifest.digest,
        is_index: false,
    };
    registry.push(&fixture).expect("push");
    layer.digest
}

const LIAR: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

#[test]
fn a_layer_that_does_not_unpack_to_its_diff_id_fails_the_pull() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let dirs = [(); 2].map(|()| tempfile::tempdir().expect("tmp"));

    // Downloaded: refused before it is kept.
    let layer = push_with_diff_id(&registry, dirs[0].path(), "test/liar", "v1", Some(LIAR));
    let error = cli.fails(&registry, &["pull", &at(&registry, "test/liar:v1")]);
    assert!(error.contains(&layer) && error.contains(LIAR), "{error}");
    assert!(error.contains("diff_ids"), "{error}");
    assert_eq!(cli.ok(&registry, &["images", "-q"]), "");
    assert_eq!(cli.blobs(), Vec::<String>::new(), "nothing kept");

    // Already stored (by an honest image with the same layer): checked
    // from what the store noted, and refused the same way.
    let honest = push_with_diff_id(&registry, dirs[1].path(), "test/honest", "v1", None);
    assert_eq!(honest, layer, "the same layer bytes");
    cli.ok(&registry, &["pull", "-q", &at(&registry, "test/honest:v1")]);
    let before = cli.blobs();
    let error = cli.fails(&registry, &["pull", &at(&registry, "test/liar:v1")]);
    assert!(error.contains(&layer) && error.contains(LIAR), "{error}");
    assert_eq!(
        cli.blobs(),
        before,
        "the honest image's blobs stay, nothing added"
    );
    let images = cli.ok(&registry, &["images", "--format", "{{.Repository}}"]);
    assert_eq!(images.trim(), at(&registry, "test/honest"));
}

fn forget_unpacked_sizes(store: &Path) {
    let db = rusqlite::Connection::open(store.join("meta.db")).expect("meta.db");
    let forgotten = db
        .execute("DELETE FROM unpacked_layers", [])
        .expect("delete");
    assert!(forgotten > 0, "the pull noted sizes");
}

#[test]
fn unknown_sizes_say_so_until_fsck_repair_reads_the_layers() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let redis = registry
        .push_fixture("library/redis:latest")
        .expect("push")
        .reference;
    cli.ok(&registry, &["pull", "-q", &redis]);
    let known = cli.ok(&registry, &["images", "--format", "{{.Size}}"]);
    let history = cli.ok(&registry, &["history", "--format", "{{.Size}}", &redis]);

    // As a store from before unpacked sizes were kept.
    forget_unpacked_sizes(&cli.store());
    assert_eq!(
        cli.ok(&registry, &["images", "--format", "{{.Size}}"]),
        "unknown\n"
    );
    let repaired = cli.ok(&registry, &["fsck", "--repair"]);
    assert!(
        repaired.contains("learned the unpacked size of 6 layer(s)"),
        "{repaired}"
    );
    assert_eq!(
        cli.ok(&registry, &["images", "--format", "{{.Size}}"]),
        known
    );
    assert_eq!(
        cli.ok(&registry, &["history", "--format", "{{.Size}}", &redis]),
        history
    );

    // history (and inspect) of one image read its layers when they must.
    forget_unpacked_sizes(&cli.store());
    assert_eq!(
        cli.ok(&registry, &["history", "--format", "{{.Size}}", &redis]),
        history
    );
    assert_eq!(
        cli.ok(&registry, &["images", "--format", "{{.Size}}"]),
        known,
        "and noted them"
    );
    forget_unpacked_sizes(&cli.store());
    let inspect = cli.ok(&registry, &["inspect", "--format", "{{.Size}}", &redis]);
    assert_eq!(
        shared::display::human_size(numbers(&inspect)[0]),
        known.trim()
    );

    // A pull of an image whose layers are stored learns them too.
    forget_unpacked_sizes(&cli.store());
    cli.ok(&registry, &["pull", "-q", &redis]);
    assert_eq!(
        cli.ok(&registry, &["images", "--format", "{{.Size}}"]),
        known
    );
}

#[test]
fn serve_learns_the_sizes_of_images_cached_through_v2() {
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("library/redis:latest").expect("fixture"))
        .expect("push");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .start()
        .expect("strata serve");
    let out = tempfile::tempdir().expect("tmp");
    server.skopeo_copy(&registry.host(), "library/redis:latest", out.path());
    let sizes = || {
        let output = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(["--store", &server.store().display().to_string()])
            .args(["images", "--format", "{{.Size}}"])
            .output()
            .expect("strata images");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let size = eventually(
        Duration::from_secs(60),
        "strata serve learns the size",
        || {
            let size = sizes();
            (!size.is_empty() && size != "unknown").then_some(size)
        },
    );
    assert_eq!(
        size, "39.4kB",
        "redis's layers unpacked, as podman counts them"
    );
}
