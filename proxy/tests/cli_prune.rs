//! `image prune`, `system df` and `images --tree` on images pulled from the
//! real registry; every number is checked against sums computed here from
//! the store's blob files.

use std::collections::{BTreeMap, BTreeSet};

use shared::display::human_size;
use test_support::cli::{Cli, at};
use test_support::{Auth, Registry, fixtures};

fn pull(registry: &Registry, cli: &Cli, fixture: &str, repo: &str, tag: &str) {
    let pushed = registry
        .push_as(fixtures::get(fixture).expect("fixture"), repo, tag)
        .expect("push");
    cli.ok(registry, &["pull", "-q", &pushed.reference]);
}

/// Every blob file in the store with its size.
fn blob_sizes(cli: &Cli) -> BTreeMap<String, u64> {
    test_support::cli::blob_sizes(&cli.store())
}

/// Runs a prune; checks that its `deleted:` lines are exactly the blobs
/// that left the store and that the total is their size. Returns stdout.
fn prune(registry: &Registry, cli: &Cli, args: &[&str]) -> String {
    let before = blob_sizes(cli);
    let mut all = vec!["image", "prune", "-f"];
    all.extend_from_slice(args);
    let out = cli.ok(registry, &all);
    let after = blob_sizes(cli);
    let gone: BTreeSet<&String> = before.keys().filter(|d| !after.contains_key(*d)).collect();
    let deleted: BTreeSet<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("deleted: "))
        .collect();
    let gone_str: BTreeSet<&str> = gone.iter().map(|s| s.as_str()).collect();
    assert_eq!(deleted, gone_str, "{out}");
    let bytes: u64 = gone.iter().map(|d| before[*d]).sum();
    assert!(
        out.ends_with(&format!("Total reclaimed space: {}\n", human_size(bytes))),
        "{bytes} bytes went: {out}"
    );
    if gone.is_empty() {
        assert_eq!(out, "Total reclaimed space: 0B\n");
    } else {
        assert!(out.starts_with("Deleted Images:\n"), "{out}");
    }
    out
}

fn tags(registry: &Registry, cli: &Cli) -> Vec<String> {
    let out = cli.ok(
        registry,
        &["images", "--format", "{{.Repository}}:{{.Tag}}"],
    );
    let host = format!("{}/", registry.host());
    let mut v: Vec<String> = out.lines().map(|l| l.replace(&host, "")).collect();
    v.sort();
    v
}

#[test]
fn prune_dangling_then_filters_then_all_but_pinned() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    // labels:a becomes dangling when x moves to labels:b.
    pull(&registry, &cli, "test/labels:a", "test/x", "t");
    let dangling_id = cli.ok(&registry, &["images", "-q", "--no-trunc"]);
    pull(&registry, &cli, "test/labels:b", "test/x", "t");
    pull(&registry, &cli, "test/labels:c", "test/labels", "c");
    for name in [
        "lovelearnlinux/webserver:v1",
        "lovelearnlinux/webserver:v2",
        "library/redis:latest",
    ] {
        let (repo, tag) = name.split_once(':').expect("tag");
        pull(&registry, &cli, name, repo, tag);
    }
    cli.ok(
        &registry,
        &[
            "pin",
            &at(&registry, "lovelearnlinux/webserver:v2"),
            "--by",
            "prod",
        ],
    );
    let all_six = cli.ok(&registry, &["images", "-q"]).lines().count();
    assert_eq!(all_six, 6);

    // stdin is not a terminal: refused, nothing removed.
    let err = cli.fails(&registry, &["image", "prune"]);
    assert!(
        err.contains("stdin is not a terminal") && err.contains("-f"),
        "{err}"
    );
    assert_eq!(cli.ok(&registry, &["images", "-q"]).lines().count(), 6);

    // Dangling only: the old test/x:t.
    let out = prune(&registry, &cli, &[]);
    assert!(
        out.contains(&format!("deleted: {}", dangling_id.trim())),
        "{out}"
    );
    assert!(!out.contains("untagged:"), "{out}");
    assert_eq!(
        tags(&registry, &cli),
        [
            "library/redis:latest",
            "lovelearnlinux/webserver:v1",
            "lovelearnlinux/webserver:v2",
            "test/labels:c",
            "test/x:t"
        ]
    );
    // Nothing dangling left.
    prune(&registry, &cli, &[]);

    // until= and label!=: created by mid-January 2024 and not the webserver.
    let out = prune(
        &registry,
        &cli,
        &[
            "-a",
            "--filter",
            "until=2024-01-15T00:00:00Z",
            "--filter",
            "label!=maintainer",
        ],
    );
    assert!(
        out.contains(&format!(
            "untagged: {}",
            at(&registry, "library/redis:latest")
        )),
        "{out}"
    );
    assert_eq!(
        tags(&registry, &cli),
        [
            "lovelearnlinux/webserver:v1",
            "lovelearnlinux/webserver:v2",
            "test/labels:c",
            "test/x:t"
        ]
    );

    // label=: only tier=web (labels:c); test/x:t is tier=db.
    prune(&registry, &cli, &["-a", "--filter", "label=tier=web"]);
    assert_eq!(
        tags(&registry, &cli),
        [
            "lovelearnlinux/webserver:v1",
            "lovelearnlinux/webserver:v2",
            "test/x:t"
        ]
    );
    // A duration: every image was created long before a day ago.
    let bad = cli.fails(
        &registry,
        &["image", "prune", "-f", "--filter", "until=soon"],
    );
    assert!(bad.contains("invalid filter 'until=soon'"), "{bad}");

    // -a: all but the pinned v2, whose shared layers stay.
    let out = prune(&registry, &cli, &["-a", "--filter", "until=24h"]);
    assert!(out.contains("untagged: "), "{out}");
    assert_eq!(tags(&registry, &cli), ["lovelearnlinux/webserver:v2"]);
    let fsck = cli.run(&registry, &["fsck"]);
    assert!(fsck.status.success(), "{fsck:?}");
    let again = cli.ok(
        &registry,
        &["pull", &at(&registry, "lovelearnlinux/webserver:v2")],
    );
    assert!(again.contains("Image is up to date"), "{again}");
}

/// The blobs an image uses, read from the store: its manifest (by the
/// DIGEST column), the manifest's config and layers.
fn image_blobs(cli: &Cli, manifest: &str) -> Vec<String> {
    let path = cli
        .store()
        .join("blobs/sha256")
        .join(manifest.trim_start_matches("sha256:"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("manifest")).expect("json");
    let mut blobs = vec![
        manifest.to_owned(),
        json["config"]["digest"]
            .as_str()
            .expect("config")
            .to_owned(),
    ];
    for layer in json["layers"].as_array().expect("layers") {
        blobs.push(layer["digest"].as_str().expect("layer").to_owned());
    }
    blobs
}

#[test]
fn df_counts_bytes_in_the_store() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    for name in [
        "lovelearnlinux/webserver:v1",
        "lovelearnlinux/webserver:v2",
        "test/labels:a",
    ] {
        let (repo, tag) = name.split_once(':').expect("tag");
        pull(&registry, &cli, name, repo, tag);
    }
    let v1 = at(&registry, "lovelearnlinux/webserver:v1");
    cli.ok(&registry, &["pin", &v1, "--by", "prod"]);
    // A blob no image references, as /v2 caching leaves them.
    let stray = b"a blob nobody references\n";
    let stray_hex = test_support::fixtures::layer::sha256(stray);
    std::fs::write(
        cli.store()
            .join("blobs/sha256")
            .join(stray_hex.trim_start_matches("sha256:")),
        stray,
    )
    .expect("stray blob");

    let sizes = blob_sizes(&cli);
    let listed = cli.ok(
        &registry,
        &[
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}",
            "--digests",
        ],
    );
    // name -> (short id, blobs)
    let images: BTreeMap<String, (String, Vec<String>)> = listed
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split(' ').collect();
            (
                parts[0].to_owned(),
                (parts[1].to_owned(), image_blobs(&cli, parts[2])),
            )
        })
        .collect();
    assert_eq!(images.len(), 3, "{listed}");
    let users = |blob: &String| images.values().filter(|(_, b)| b.contains(blob)).count();
    let all: BTreeSet<&String> = images.values().flat_map(|(_, b)| b).collect();
    let size: u64 = all.iter().map(|d| sizes[*d]).sum();
    let pinned = &images[&v1].1;
    let reclaimable: u64 = all
        .iter()
        .filter(|d| !pinned.contains(d))
        .map(|d| sizes[*d])
        .sum();
    let cache: Vec<&String> = sizes.keys().filter(|d| !all.contains(d)).collect();
    assert_eq!(cache, [&stray_hex]);

    let json = cli.ok(&registry, &["system", "df", "--format", "json"]);
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(
        rows[0],
        serde_json::json!({
            "Type": "Images", "TotalCount": "3", "Active": "1",
            "Size": human_size(size),
            "Reclaimable": format!("{} ({}%)", human_size(reclaimable), reclaimable * 100 / size),
        })
    );
    assert_eq!(
        rows[1],
        serde_json::json!({
            "Type": "Unreferenced blobs", "TotalCount": "1", "Active": "0",
            "Size": human_size(stray.len() as u64),
            "Reclaimable": format!("{} (100%)", human_size(stray.len() as u64)),
        })
    );
    let table = cli.ok(&registry, &["df"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    );
    assert!(lines[1].starts_with("Images "), "{table}");
    assert!(lines[2].starts_with("Unreferenced blobs "), "{table}");
    let custom = cli.ok(&registry, &["df", "--format", "{{.Type}}={{.Size}}"]);
    assert_eq!(
        custom,
        format!(
            "Images={}\nUnreferenced blobs={}\n",
            human_size(size),
            human_size(stray.len() as u64)
        )
    );

    // -v: per image SIZE, SHARED SIZE, UNIQUE SIZE and PINS.
    let verbose = cli.ok(&registry, &["system", "df", "-v"]);
    assert!(verbose.starts_with("Images space usage:\n\n"), "{verbose}");
    let header = verbose.lines().nth(2).expect("header");
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        [
            "REPOSITORY",
            "TAG",
            "IMAGE",
            "ID",
            "CREATED",
            "SIZE",
            "SHARED",
            "SIZE",
            "UNIQUE",
            "SIZE",
            "PINS"
        ]
    );
    for (name, (id, blobs)) in &images {
        let mine: u64 = blobs.iter().map(|d| sizes[d]).sum();
        let shared: u64 = blobs
            .iter()
            .filter(|d| users(d) > 1)
            .map(|d| sizes[d])
            .sum();
        let pins = usize::from(name == &v1);
        let line = verbose
            .lines()
            .find(|l| l.contains(id.as_str()))
            .unwrap_or_else(|| panic!("{id}: {verbose}"));
        let cells: Vec<&str> = line.split_whitespace().collect();
        let n = cells.len();
        assert_eq!(
            cells[n - 4..],
            [
                human_size(mine),
                human_size(shared),
                human_size(mine - shared),
                pins.to_string()
            ],
            "{line}"
        );
        let (repo, tag) = name.rsplit_once(':').expect("tag");
        assert_eq!(cells[..2], [repo, tag], "{line}");
    }
    assert!(
        verbose.contains("Unreferenced blobs space usage:"),
        "{verbose}"
    );
}

#[test]
fn tree_shows_every_platform_of_the_index() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let multi = registry.push_fixture("library/multi:latest").expect("push");
    cli.ok(
        &registry,
        &["pull", "-q", "--platform", "linux/amd64", &multi.reference],
    );
    pull(
        &registry,
        &cli,
        "library/alpine:latest",
        "library/alpine",
        "latest",
    );
    let index: serde_json::Value = serde_json::from_slice(
        &registry
            .raw_manifest("library/multi", "latest")
            .expect("index"),
    )
    .expect("json");
    let digest_of = |arch: &str| {
        index["manifests"]
            .as_array()
            .expect("manifests")
            .iter()
            .find(|m| m["platform"]["architecture"] == arch)
            .and_then(|m| m["digest"].as_str())
            .expect("entry")
            .trim_start_matches("sha256:")[..12]
            .to_owned()
    };
    let sizes = blob_sizes(&cli);
    let tree = cli.ok(&registry, &["images", "--tree"]);
    let lines: Vec<&str> = tree.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "IMAGE", "ID", "DISK", "USAGE", "CONTENT", "SIZE", "IN", "USE"
        ],
        "{tree}"
    );
    let amd64 = lines
        .iter()
        .find(|l| l.starts_with("├─ linux/amd64"))
        .unwrap_or_else(|| panic!("{tree}"));
    assert!(amd64.contains(&digest_of("amd64")), "{tree}");
    assert!(!amd64.contains("not available"), "{tree}");
    let arm64 = lines
        .iter()
        .find(|l| l.starts_with("└─ linux/arm64/v8"))
        .unwrap_or_else(|| panic!("{tree}"));
    assert!(
        arm64.contains(&digest_of("arm64")) && arm64.ends_with("0B   not available"),
        "{tree}"
    );
    assert!(
        !tree.contains("unknown"),
        "attestations are left out: {tree}"
    );
    // The stored platform's disk usage: its manifest, config and layers.
    let amd64_blobs = image_blobs(
        &cli,
        &format!("sha256:{}", {
            let d = index["manifests"][0]["digest"].as_str().expect("digest");
            d.trim_start_matches("sha256:").to_owned()
        }),
    );
    let amd64_bytes: u64 = amd64_blobs.iter().map(|d| sizes[d]).sum();
    assert!(
        amd64.contains(&format!(" {} ", human_size(amd64_bytes))),
        "{amd64_bytes}: {tree}"
    );
    // An image pulled without an index: its one platform.
    let alpine_at = lines
        .iter()
        .position(|l| l.contains("library/alpine:latest"))
        .unwrap_or_else(|| panic!("{tree}"));
    let alpine_platforms: Vec<&&str> = lines[alpine_at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("├─") || l.starts_with("└─"))
        .collect();
    assert_eq!(alpine_platforms.len(), 1, "{tree}");
    assert!(alpine_platforms[0].starts_with("└─ linux/amd64"), "{tree}");
}

#[test]
fn prune_leaves_what_a_pull_in_flight_holds() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    pull(&registry, &cli, "test/labels:a", "test/x", "t");
    let dangling_id = cli.ok(&registry, &["images", "-q", "--no-trunc"]);
    let dangling_id = dangling_id.trim();
    pull(&registry, &cli, "test/labels:b", "test/x", "t");
    pull(&registry, &cli, "test/labels:c", "test/y", "t");
    let store = strata::store::Store::open(&cli.store()).expect("store");
    let c = store.resolve(&at(&registry, "test/y:t")).expect("test/y:t");
    let layer = c.layers[0].digest.clone();

    // A pull of the dangling image's tag holds its ID; another has fetched
    // a layer that test/y:t uses.
    let lease = store
        .lease("a pull of test/x:t", std::time::Duration::from_secs(3600))
        .expect("lease");
    let held = store.resolve(dangling_id).expect("dangling image");
    lease.hold_image(&held.id).expect("hold image");
    lease.hold(&layer).expect("hold layer");

    let output = cli.run(&registry, &["image", "prune", "-f"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Total reclaimed space: 0B\n"
    );
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(&format!("kept {}", &dangling_id[7..19]))
            && err.contains("a pull of test/x:t"),
        "{err}"
    );
    assert!(store.resolve(dangling_id).is_ok());

    // The image goes, the held layer stays (and is not counted).
    let out = prune(&registry, &cli, &["-a", "--filter", "label=team=red"]);
    assert!(!out.contains(&layer.to_string()), "{out}");
    assert!(cli.blobs().contains(&layer.encoded().to_owned()));
    assert!(store.resolve(&at(&registry, "test/y:t")).is_err());

    // The pull ends: the dangling image prunes, gc takes the layer.
    drop(lease);
    let out = prune(&registry, &cli, &[]);
    assert!(out.contains(&format!("deleted: {dangling_id}")), "{out}");
    let gc = cli.ok(&registry, &["gc"]);
    assert!(gc.contains(&format!("Deleted: {layer}")), "{gc}");
}
