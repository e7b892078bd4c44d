//! `strata pull` against the real distribution registry, in every auth
//! variant, and the docker-image commands on what it stored.

use test_support::cli::{Cli, at};
use test_support::{Auth, Registry, fixtures};

#[test]
fn pulls_every_fixture_in_every_auth_variant() {
    for auth in Auth::ALL {
        let registry = Registry::start(auth).expect("registry");
        let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
        for fixture in fixtures::all().expect("fixtures") {
            let pushed = registry.push(fixture).expect("push");
            let out = cli.ok(&registry, &["pull", &pushed.reference]);
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(
                lines.first().copied(),
                Some(format!("{}: Pulling from {}", fixture.tag, fixture.repo).as_str()),
                "{out}"
            );
            assert!(
                out.contains(&format!("Digest: {}\n", pushed.digest)),
                "{auth:?} {}: {out}",
                fixture.name()
            );
            assert!(out.contains("Status: Downloaded newer image for"), "{out}");
            assert_eq!(
                lines.last().copied(),
                Some(pushed.reference.as_str()),
                "{out}"
            );
        }
        let fsck = cli.ok(&registry, &["fsck"]);
        assert!(!fsck.is_empty());
    }
}

#[test]
fn shared_layers_already_exist_and_are_stored_once() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    for tag in ["v1", "v2"] {
        registry
            .push(fixtures::get(&format!("lovelearnlinux/webserver:{tag}")).expect("fixture"))
            .expect("push");
    }
    let v1 = cli.ok(
        &registry,
        &["pull", &at(&registry, "lovelearnlinux/webserver:v1")],
    );
    assert_eq!(v1.matches(": Pull complete").count(), 3, "{v1}");
    assert_eq!(v1.matches(": Already exists").count(), 0, "{v1}");
    let blobs_after_v1 = cli.blobs().len();
    let v2 = cli.ok(
        &registry,
        &["pull", &at(&registry, "lovelearnlinux/webserver:v2")],
    );
    assert_eq!(v2.matches(": Already exists").count(), 2, "{v2}");
    assert_eq!(v2.matches(": Pull complete").count(), 1, "{v2}");
    // v2 adds its top layer, its config and its manifest; the shared layers are not stored twice.
    assert_eq!(cli.blobs().len(), blobs_after_v1 + 3);

    let again = cli.ok(
        &registry,
        &["pull", &at(&registry, "lovelearnlinux/webserver:v2")],
    );
    assert!(again.contains("Status: Image is up to date for"), "{again}");
    // As Docker: an image the store has whole gets no layer lines.
    assert_eq!(
        again.lines().collect::<Vec<_>>(),
        [
            "v2: Pulling from lovelearnlinux/webserver".to_owned(),
            format!("Digest: {}", registry_digest(&registry, "v2")),
            "Status: Image is up to date for ".to_owned()
                + &at(&registry, "lovelearnlinux/webserver:v2"),
            at(&registry, "lovelearnlinux/webserver:v2"),
        ],
        "{again}"
    );
}

#[test]
fn pulls_by_digest_and_all_tags() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let v1 = registry
        .push(fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"))
        .expect("push");
    registry
        .push(fixtures::get("lovelearnlinux/webserver:v2").expect("fixture"))
        .expect("push");

    let by_digest = format!("{}/lovelearnlinux/webserver@{}", registry.host(), v1.digest);
    let out = cli.ok(&registry, &["pull", &by_digest]);
    assert!(
        out.starts_with(&format!(
            "{}: Pulling from lovelearnlinux/webserver",
            v1.digest
        )),
        "{out}"
    );
    assert!(out.trim_end().ends_with(&by_digest), "{out}");
    let images = cli.ok(
        &registry,
        &["images", "--digests", "--format", "{{.Tag}} {{.Digest}}"],
    );
    assert_eq!(images.trim(), format!("<none> {}", v1.digest));

    let all = cli.ok(
        &registry,
        &["pull", "-a", &at(&registry, "lovelearnlinux/webserver")],
    );
    assert!(
        all.contains("v1: Pulling from lovelearnlinux/webserver"),
        "{all}"
    );
    assert!(
        all.contains("v2: Pulling from lovelearnlinux/webserver"),
        "{all}"
    );
    assert_eq!(
        all.lines().last(),
        Some(at(&registry, "lovelearnlinux/webserver").as_str()),
        "{all}"
    );
    let tags = cli.ok(&registry, &["images", "--format", "{{.Tag}}"]);
    let mut tags: Vec<&str> = tags.lines().collect();
    tags.sort();
    assert_eq!(tags, ["v1", "v2"]);

    let err = cli.fails(
        &registry,
        &["pull", "-a", &at(&registry, "lovelearnlinux/webserver:v1")],
    );
    assert!(err.contains("tag can't be used with --all-tags"), "{err}");
}

#[test]
fn platform_choice_from_an_index() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let pushed = registry
        .push(fixtures::get("library/multi:latest").expect("fixture"))
        .expect("push");
    cli.ok(
        &registry,
        &["pull", "--platform", "linux/arm64", &pushed.reference],
    );
    let arch = cli.ok(
        &registry,
        &[
            "inspect",
            "--format",
            "{{.Architecture}} {{.Variant}}",
            &pushed.reference,
        ],
    );
    assert_eq!(arch.trim(), "arm64 v8");
    let repo_digests = cli.ok(
        &registry,
        &[
            "inspect",
            "--format",
            "{{json .RepoDigests}}",
            &pushed.reference,
        ],
    );
    assert!(
        repo_digests.contains(&pushed.digest),
        "the index digest names the image: {repo_digests}"
    );

    let err = cli.fails(
        &registry,
        &["pull", "--platform", "linux/s390x", &pushed.reference],
    );
    assert!(
        err.contains("linux/s390x")
            && err.contains("linux/amd64")
            && err.contains("linux/arm64/v8"),
        "{err}"
    );
    assert!(
        !err.contains("unknown/unknown"),
        "attestations are not platforms: {err}"
    );

    // A single-platform image (linux/amd64) asked for as another platform
    // is pulled with a warning, as Docker does since 20.10.
    let single = registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let out = cli.ok(
        &registry,
        &["pull", "--platform", "linux/arm64/v8", &single.reference],
    );
    assert!(
        out.lines().any(|l| {
            l.starts_with("WARNING: image with reference")
            && l.contains(
                "does not match the specified platform: wanted linux/arm64/v8, actual: linux/amd64"
            )
        }),
        "{out}"
    );
    assert!(out.contains(&format!("Digest: {}", single.digest)), "{out}");
    let own = cli.ok(
        &registry,
        &["pull", "--platform", "linux/amd64", &single.reference],
    );
    assert!(!own.contains("WARNING"), "{own}");
}

#[test]
fn bad_input_fails_clearly_and_stores_nothing() {
    let registry = Registry::start(Auth::Basic).expect("registry");
    let with_login = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let anonymous = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    let cases: Vec<(&Cli, String, &str)> = vec![
        (&with_login, "Not A Reference".into(), "invalid reference"),
        (
            &with_login,
            at(&registry, "library/alpine:nope"),
            "not found",
        ),
        (
            &with_login,
            at(&registry, "library/nothing:latest"),
            "not found",
        ),
        (
            &anonymous,
            at(&registry, "library/alpine:latest"),
            "strata login",
        ),
        (
            &with_login,
            "127.0.0.1:1/library/alpine:latest".into(),
            "127.0.0.1:1",
        ),
        (
            &with_login,
            format!(
                "{}@sha256:{}",
                at(&registry, "library/alpine"),
                "0".repeat(64)
            ),
            "not found",
        ),
    ];
    for (cli, reference, needle) in cases {
        let err = cli.fails(&registry, &["pull", &reference]);
        assert!(
            err.to_lowercase().contains(needle),
            "pull {reference}: {err}"
        );
        assert!(
            cli.blobs().is_empty(),
            "pull {reference} stored {:?}",
            cli.blobs()
        );
    }
}

#[test]
fn two_concurrent_pulls_into_one_store_both_succeed() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let v1 = registry
        .push(fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"))
        .expect("push");
    let v2 = registry
        .push(fixtures::get("lovelearnlinux/webserver:v2").expect("fixture"))
        .expect("push");
    // Two processes at once, sharing two layers: both finish, each shared blob is stored once.
    let children: Vec<std::process::Child> = [&v1.reference, &v2.reference]
        .iter()
        .map(|r| {
            cli.command(&[&registry])
                .args(["pull", r.as_str()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let ids = cli.ok(&registry, &["images", "-q"]);
    assert_eq!(ids.lines().count(), 2);
    // 4 distinct layers + 2 configs + 2 manifests.
    assert_eq!(cli.blobs().len(), 8, "{:?}", cli.blobs());
    let fsck = cli.run(&registry, &["fsck"]);
    assert!(fsck.status.success());
}

/// As with Docker, a registry on this machine (`127.0.0.1:PORT`,
/// `localhost:PORT`) needs no `--insecure-registry`: HTTPS is tried first,
/// then plain HTTP. Hosts elsewhere still need it.
#[test]
fn loopback_registries_need_no_insecure_flag() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("library/alpine:latest")
        .expect("push");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    // Without a tag, as Docker says: `Using default tag: latest`.
    let by_localhost = pushed
        .reference
        .replace("127.0.0.1", "localhost")
        .trim_end_matches(":latest")
        .to_owned();
    for reference in [&pushed.reference, &by_localhost] {
        let output = cli
            .command(&[])
            .args(["pull", reference])
            .output()
            .expect("run");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{reference}: {out}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(out.contains(&format!("Digest: {}", pushed.digest)), "{out}");
        let first = out.lines().next().unwrap_or_default();
        if reference == &by_localhost {
            assert_eq!(first, "Using default tag: latest", "{out}");
        } else {
            assert_eq!(first, "latest: Pulling from library/alpine", "{out}");
        }
    }
}

/// The digest the registry's `lovelearnlinux/webserver:TAG` names.
fn registry_digest(registry: &Registry, tag: &str) -> String {
    let raw = registry
        .raw_manifest("lovelearnlinux/webserver", tag)
        .expect("manifest");
    shared::digest::Digest::sha256_of(&raw).to_string()
}
