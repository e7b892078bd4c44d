//! `images` filters and formats, `inspect`, `history` and `tag`, on images
//! pulled from the real registry.

use test_support::cli::{Cli, at};
use test_support::{Auth, Registry, fixtures};

struct World {
    registry: Registry,
    cli: Cli,
    host: String,
}

fn world() -> World {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    for name in [
        "test/labels:a",
        "test/labels:b",
        "test/labels:c",
        "lovelearnlinux/webserver:v1",
        "library/redis:latest",
    ] {
        let pushed = registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
        cli.ok(&registry, &["pull", "-q", &pushed.reference]);
    }
    let host = registry.host();
    World {
        registry,
        cli,
        host,
    }
}

fn lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.lines().map(str::to_owned).collect();
    v.sort();
    v
}

#[test]
fn filters_and_formats() {
    let w = world();
    let h = &w.host;
    let fmt = ["--format", "{{.Repository}}:{{.Tag}}"];
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            vec![],
            vec![
                format!("{h}/library/redis:latest"),
                format!("{h}/lovelearnlinux/webserver:v1"),
                format!("{h}/test/labels:a"),
                format!("{h}/test/labels:b"),
                format!("{h}/test/labels:c"),
            ],
        ),
        (
            vec!["--filter".into(), "label=tier=web".into()],
            vec![format!("{h}/test/labels:a"), format!("{h}/test/labels:c")],
        ),
        (
            vec![
                "--filter".into(),
                "label=tier=web".into(),
                "--filter".into(),
                "label=team=red".into(),
            ],
            vec![format!("{h}/test/labels:c")],
        ),
        (
            vec!["--filter".into(), "label=team".into()],
            vec![
                format!("{h}/test/labels:a"),
                format!("{h}/test/labels:b"),
                format!("{h}/test/labels:c"),
            ],
        ),
        (
            vec![
                "--filter".into(),
                format!("reference={h}/test/*:a"),
                "--filter".into(),
                format!("reference={h}/test/*:b"),
            ],
            vec![format!("{h}/test/labels:a"), format!("{h}/test/labels:b")],
        ),
        (
            vec!["--filter".into(), format!("before={h}/test/labels:b")],
            vec![
                format!("{h}/library/redis:latest"),
                format!("{h}/lovelearnlinux/webserver:v1"),
                format!("{h}/test/labels:a"),
            ],
        ),
        (
            vec!["--filter".into(), format!("since={h}/test/labels:b")],
            vec![format!("{h}/test/labels:c")],
        ),
        (vec!["--filter".into(), "dangling=true".into()], vec![]),
        (
            vec![format!("{h}/test/labels")],
            vec![
                format!("{h}/test/labels:a"),
                format!("{h}/test/labels:b"),
                format!("{h}/test/labels:c"),
            ],
        ),
    ];
    for (args, want) in cases {
        let mut all: Vec<&str> = vec!["images"];
        all.extend(fmt);
        all.extend(args.iter().map(String::as_str));
        let got = lines(&w.cli.ok(&w.registry, &all));
        assert_eq!(got, want, "images {args:?}");
    }

    let errors = [
        ("--filter=nope=1", "nope"),
        ("--filter=dangling=maybe", "dangling=maybe"),
        ("--filter=before=no/such:image", "no/such:image"),
    ];
    for (flag, needle) in errors {
        let err = w.cli.fails(&w.registry, &["images", flag]);
        assert!(err.contains(needle), "{flag}: {err}");
    }
}

#[test]
fn table_quiet_json_and_digests() {
    let w = world();
    let table = w.cli.ok(&w.registry, &["images"]);
    let header = table.lines().next().expect("header");
    for column in ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"] {
        assert!(header.contains(column), "{header}");
    }
    assert_eq!(table.lines().count(), 6, "{table}");
    let quiet = w.cli.ok(&w.registry, &["images", "-q"]);
    assert!(
        quiet
            .lines()
            .all(|l| l.len() == 12 && l.chars().all(|c| c.is_ascii_hexdigit())),
        "{quiet}"
    );
    let full = w.cli.ok(&w.registry, &["images", "-q", "--no-trunc"]);
    assert!(
        full.lines()
            .all(|l| l.starts_with("sha256:") && l.len() == 71),
        "{full}"
    );
    let json = w.cli.ok(&w.registry, &["images", "--format", "json"]);
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
        for key in [
            "ID",
            "Repository",
            "Tag",
            "Digest",
            "CreatedSince",
            "CreatedAt",
            "Size",
        ] {
            assert!(v.get(key).is_some(), "{key} in {line}");
        }
    }
    let digests = w.cli.ok(&w.registry, &["images", "--digests"]);
    assert!(
        digests.lines().next().expect("header").contains("DIGEST"),
        "{digests}"
    );
    assert!(
        digests.lines().skip(1).all(|l| l.contains("sha256:")),
        "{digests}"
    );
    let custom = w.cli.ok(
        &w.registry,
        &["images", "--format", "table {{.ID}}\t{{.Tag | upper}}"],
    );
    assert!(custom.starts_with("IMAGE ID"), "{custom}");
    assert!(custom.contains("LATEST"), "{custom}");
}

#[test]
fn inspect_history_and_tag() {
    let w = world();
    let redis = at(&w.registry, "library/redis:latest");
    let inspect: serde_json::Value =
        serde_json::from_str(&w.cli.ok(&w.registry, &["inspect", &redis])).expect("json");
    let image = &inspect[0];
    assert!(image["Id"].as_str().expect("Id").starts_with("sha256:"));
    assert_eq!(image["RepoTags"], serde_json::json!([redis]));
    assert_eq!(image["Config"]["Cmd"], serde_json::json!(["redis-server"]));
    assert_eq!(
        image["Config"]["Entrypoint"],
        serde_json::json!(["docker-entrypoint.sh"])
    );
    assert_eq!(
        image["Config"]["ExposedPorts"],
        serde_json::json!({"6379/tcp": {}})
    );
    assert_eq!(
        image["RootFS"]["Layers"].as_array().expect("layers").len(),
        6
    );
    assert_eq!(image["RepoDigests"].as_array().expect("digests").len(), 1);
    let env = w.cli.ok(
        &w.registry,
        &["inspect", "--format", "{{index .Config.Env 1}}", &redis],
    );
    assert_eq!(env.trim(), "REDIS_VERSION=7.2.4");

    let history = w.cli.ok(&w.registry, &["history", &redis]);
    let rows: Vec<&str> = history.lines().collect();
    assert!(rows[0].starts_with("IMAGE"), "{history}");
    assert_eq!(rows.len(), 1 + 12, "{history}");
    assert!(
        rows[1].contains("CMD [\"redis-server\"]"),
        "newest first: {history}"
    );
    assert!(rows[2].starts_with("<missing>"), "{history}");
    let quiet = w.cli.ok(&w.registry, &["history", "-q", &redis]);
    assert_eq!(quiet.lines().count(), 12);

    w.cli
        .ok(&w.registry, &["tag", &redis, "mycache/redis:prod"]);
    let tagged = w.cli.ok(
        &w.registry,
        &[
            "images",
            "--format",
            "{{.Repository}}:{{.Tag}} {{.ID}}",
            "mycache/redis",
        ],
    );
    let id = image["Id"]
        .as_str()
        .expect("id")
        .trim_start_matches("sha256:")[..12]
        .to_owned();
    assert_eq!(tagged.trim(), format!("mycache/redis:prod {id}"));
    let by_id = w.cli.ok(
        &w.registry,
        &["inspect", "--format", "{{json .RepoTags}}", &id[..6]],
    );
    assert!(
        by_id.contains("mycache/redis:prod") && by_id.contains(&redis),
        "{by_id}"
    );

    let err = w.cli.fails(&w.registry, &["inspect", "no/such:image"]);
    assert!(err.contains("No such image"), "{err}");
    let err = w.cli.fails(&w.registry, &["tag", "no/such:image", "x:y"]);
    assert!(err.contains("No such image"), "{err}");
}
