//! `strata diff` against the real registry: the fixture pair that differs
//! by one file in one layer (`test/diff:a`, `test/diff:b`), as text and as
//! JSON, from the registry and from the store, and the errors a user sees.

use shared::digest::Digest;
use test_support::cli::Cli;
use test_support::{Auth, Registry, fixtures};

struct World {
    registry: Registry,
    cli: Cli,
    a: String,
    b: String,
}

fn world() -> World {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let push = |name| {
        registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push")
            .reference
    };
    let (a, b) = (push("test/diff:a"), push("test/diff:b"));
    World {
        registry,
        cli,
        a,
        b,
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("strata diff --format json prints JSON")
}

fn str_at<'a>(value: &'a serde_json::Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:#}"))
}

/// The layer digests of the JSON diff's rows: (A's, B's) per position.
fn layer_digests(diff: &serde_json::Value) -> Vec<(String, String)> {
    (0..4)
        .map(|i| {
            let at =
                |side: &str| str_at(diff, &format!("/layers/rows/{i}/{side}/digest")).to_owned();
            (at("a"), at("b"))
        })
        .collect()
}

#[test]
fn table_names_the_changed_file_the_shared_layers_and_the_size_deltas() {
    let w = world();
    let diff = json(
        &w.cli
            .ok(&w.registry, &["diff", "--format", "json", &w.a, &w.b]),
    );
    let side = |s: &str| {
        format!(
            "{} ({}, config {})",
            str_at(&diff, &format!("/{s}/reference")),
            str_at(&diff, &format!("/{s}/digest")),
            str_at(&diff, &format!("/{s}/config"))
        )
    };
    let l = layer_digests(&diff);
    let expected = format!(
        "--- {}\n+++ {}\n\
         \nConfig: the same\n\
         \nLayers: 3 shared, 1 different:\n  = 0 {} (351 bytes)\n  = 1 {} (288 bytes)\n  - 2 {} (106 bytes)\n  + 2 {} (110 bytes)\n  = 3 {} (96 bytes)\n\
         \nFiles: 1 changed:\n  M etc/app.conf (size 11 → 16, digest {} → {})\n\
         \nDirectories:\n  /: 11761 → 11766 bytes (+5)\n  etc: 113 → 118 bytes (+5)\n",
        side("a"),
        side("b"),
        l[0].0,
        l[1].0,
        l[2].0,
        l[2].1,
        l[3].0,
        Digest::sha256_of(b"mode=small\n").short(),
        Digest::sha256_of(b"mode=larger-one\n").short(),
    );
    assert_eq!(w.cli.ok(&w.registry, &["diff", &w.a, &w.b]), expected);
    assert_eq!(
        w.cli
            .ok(&w.registry, &["diff", "--format", "table", &w.a, &w.b]),
        expected
    );
}

#[test]
fn json_has_every_part() {
    let w = world();
    let diff = json(
        &w.cli
            .ok(&w.registry, &["diff", "--format", "json", &w.a, &w.b]),
    );
    assert_eq!(str_at(&diff, "/a/reference"), w.a);
    assert_eq!(str_at(&diff, "/b/reference"), w.b);
    assert_eq!(diff["layers"]["shared_prefix"], 2);
    let shared: Vec<bool> = (0..4)
        .map(|i| diff["layers"]["rows"][i]["shared"] == true)
        .collect();
    assert_eq!(shared, [true, true, false, true]);
    assert_eq!(
        diff["files"],
        serde_json::json!([{
            "path": "etc/app.conf",
            "change": "modified",
            "a": {"kind": "file", "size": 11, "mode": 0o644, "uid": 0, "gid": 0,
                  "digest": Digest::sha256_of(b"mode=small\n").to_string()},
            "b": {"kind": "file", "size": 16, "mode": 0o644, "uid": 0, "gid": 0,
                  "digest": Digest::sha256_of(b"mode=larger-one\n").to_string()},
            "content": "different",
        }])
    );
    assert_eq!(
        diff["dirs"],
        serde_json::json!([
            {"path": "", "a": 11761, "b": 11766},
            {"path": "etc", "a": 113, "b": 118},
        ])
    );
    assert_eq!(diff["config"]["history"]["shared"], 4);
    assert_eq!(diff["config"]["env"]["changed"], serde_json::json!({}));

    // --all lists the unchanged paths too, still sorted.
    let all = json(&w.cli.ok(
        &w.registry,
        &["diff", "--all", "--format", "json", &w.a, &w.b],
    ));
    let files = all["files"].as_array().expect("files");
    let paths: Vec<&str> = files.iter().map(|f| str_at(f, "/path")).collect();
    assert!(paths.windows(2).all(|p| p[0] < p[1]), "{paths:?}");
    let changes = |change: &str| files.iter().filter(|f| f["change"] == change).count();
    assert_eq!(
        (changes("modified"), changes("unchanged")),
        (1, paths.len() - 1)
    );
    assert!(paths.contains(&"usr/sbin/httpd") && paths.contains(&"etc/done"));
}

#[test]
fn layers_a_stored_image_shares_are_not_downloaded() {
    let w = world();
    let diff = json(
        &w.cli
            .ok(&w.registry, &["diff", "--format", "json", &w.a, &w.b]),
    );
    let layers = layer_digests(&diff);
    w.cli.ok(&w.registry, &["pull", "-q", &w.a]);
    // The registry loses every layer B shares with A: B's diff can only
    // succeed if they are read from the store.
    for (a, b) in &layers {
        if a == b {
            let status = w.registry.delete_blob("test/diff", a).expect("delete");
            assert_eq!(status, 202, "deleting {a}");
        }
    }
    let again = json(
        &w.cli
            .ok(&w.registry, &["diff", "--format", "json", &w.a, &w.b]),
    );
    assert_eq!(again["files"], diff["files"]);
    assert_eq!(again["layers"], diff["layers"]);

    // B's own layer is downloaded: without it the diff fails, naming it.
    let own = &layers[2].1;
    assert_eq!(
        w.registry.delete_blob("test/diff", own).expect("delete"),
        202
    );
    let err = w.cli.fails(&w.registry, &["diff", &w.a, &w.b]);
    assert!(err.contains(own.as_str()), "{err}");
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn errors_say_what_is_wrong() {
    let w = world();
    let host = w.registry.host();
    let unknown = format!("{host}/test/diff:nope");
    let err = w.cli.fails(&w.registry, &["diff", &w.a, &unknown]);
    assert!(
        err.contains(&format!(
            "{unknown} is not in the store, and its registry has no such image: manifest"
        )),
        "{err}"
    );
    let err = w
        .cli
        .fails(&w.registry, &["diff", "Not A Reference!", &w.b]);
    assert!(
        err.contains("\"Not A Reference!\" is not an image in the store"),
        "{err}"
    );
    let err = w
        .cli
        .fails(&w.registry, &["diff", &w.a, "127.0.0.1:1/test/diff:a"]);
    assert!(err.contains("cannot reach 127.0.0.1:1"), "{err}");
}
