//! `rm` with Docker's semantics: untag vs delete, shared layers kept, pins,
//! force, several arguments; and dangling images after a tag moves.

use test_support::cli::{Cli, at};
use test_support::{Auth, Registry, fixtures};

fn pull_webservers(registry: &Registry, cli: &Cli) {
    for tag in ["v1", "v2"] {
        let pushed = registry
            .push(fixtures::get(&format!("lovelearnlinux/webserver:{tag}")).expect("fixture"))
            .expect("push");
        cli.ok(registry, &["pull", "-q", &pushed.reference]);
    }
}

#[test]
fn untag_then_delete_keeps_shared_layers() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    pull_webservers(&registry, &cli);
    let v1 = at(&registry, "lovelearnlinux/webserver:v1");
    let v2 = at(&registry, "lovelearnlinux/webserver:v2");
    cli.ok(&registry, &["tag", &v1, "web:one"]);

    let out = cli.ok(&registry, &["rm", "web:one"]);
    assert_eq!(out, "Untagged: web:one\n");

    let blobs_before = cli.blobs().len();
    let out = cli.ok(&registry, &["rm", &v1]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("Untagged: {v1}"));
    assert!(
        lines[1].starts_with(&format!(
            "Untagged: {}/lovelearnlinux/webserver@sha256:",
            registry.host()
        )),
        "{out}"
    );
    assert!(lines[2].starts_with("Deleted: sha256:"), "{out}");
    // The image, its one unshared layer; the two shared layers stay for v2.
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("Deleted:")).count(),
        2,
        "{out}"
    );
    assert!(cli.blobs().len() < blobs_before);
    let left = cli.ok(&registry, &["images", "--format", "{{.Tag}}"]);
    assert_eq!(left.trim(), "v2");
    let fsck = cli.run(&registry, &["fsck"]);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stdout)
    );
    let again = cli.ok(&registry, &["pull", &v2]);
    assert!(again.contains("Image is up to date"), "{again}");
}

#[test]
fn pins_conflict_unless_forced_and_multiple_args_report_each() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    pull_webservers(&registry, &cli);
    let v1 = at(&registry, "lovelearnlinux/webserver:v1");
    cli.ok(&registry, &["pin", &v1, "--by", "prod"]);
    let err = cli.fails(&registry, &["rm", &v1]);
    assert!(err.contains("must force") && err.contains("prod"), "{err}");
    assert!(cli.ok(&registry, &["images", "-q"]).lines().count() == 2);

    // `pin ls` lists every pin, so `unpin --by` needs no guessing.
    let v2 = at(&registry, "lovelearnlinux/webserver:v2");
    cli.ok(&registry, &["pin", &v2, "--by", "ci"]);
    cli.ok(&registry, &["pin", &v1, "--by", "staging"]);
    let id = |image: &str| {
        cli.ok(&registry, &["images", "-q", image])
            .trim()
            .to_owned()
    };
    let (v1_id, v2_id) = (id(&v1), id(&v2));
    let listed = cli.ok(&registry, &["pin", "ls"]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 4, "{listed}");
    assert!(
        lines[0].starts_with("IMAGE ID") && lines[0].contains("PINNED BY"),
        "{listed}"
    );
    for (pinned_id, name, by) in [
        (&v1_id, &v1, "prod"),
        (&v2_id, &v2, "ci"),
        (&v1_id, &v1, "staging"),
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(pinned_id.as_str())
                && l.contains(&format!(" {by} "))
                && l.contains(name.trim_start_matches("docker.io/"))
                && l.ends_with("ago")),
            "{by} on {name}: {listed}"
        );
    }
    let quiet = cli.ok(&registry, &["pin", "ls", "-q"]);
    let mut quiet: Vec<&str> = quiet.lines().collect();
    quiet.sort_unstable();
    let mut want = vec![
        format!("{v1_id} prod"),
        format!("{v1_id} staging"),
        format!("{v2_id} ci"),
    ];
    want.sort();
    assert_eq!(quiet, want);
    cli.ok(&registry, &["unpin", &v1, "--by", "staging"]);
    cli.ok(&registry, &["unpin", &v2]);
    assert_eq!(
        cli.ok(&registry, &["pin", "ls", "-q"]).trim(),
        format!("{v1_id} prod")
    );
    let usage = cli.fails(&registry, &["pin", &v1]);
    assert!(usage.contains("--by"), "{usage}");

    cli.ok(&registry, &["unpin", &v1]);
    cli.ok(&registry, &["pin", &v1, "--by", "prod"]);
    let forced = cli.ok(&registry, &["rm", "-f", &v1]);
    assert!(forced.contains("Deleted: sha256:"), "{forced}");

    // Several arguments: one unknown, one real; both reported, exit non-zero.
    let output = cli.run(
        &registry,
        &[
            "rm",
            "no/such:image",
            &at(&registry, "lovelearnlinux/webserver:v2"),
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("No such image"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Deleted:"));
    assert!(cli.ok(&registry, &["images", "-q"]).is_empty());
    assert!(
        cli.blobs().is_empty(),
        "every blob collected: {:?}",
        cli.blobs()
    );
}

#[test]
fn rm_of_every_id_with_force_empties_the_store() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    pull_webservers(&registry, &cli);
    cli.ok(
        &registry,
        &[
            "tag",
            &at(&registry, "lovelearnlinux/webserver:v1"),
            "other/name:x",
        ],
    );
    let shared_id = cli.ok(&registry, &["images", "-q", "other/name"]);
    let err = cli.fails(&registry, &["rm", shared_id.trim()]);
    assert!(
        err.contains("must be forced") || err.contains("must force"),
        "{err}"
    );
    let ids = cli.ok(&registry, &["images", "-q"]);
    let ids: Vec<&str> = ids.lines().collect();
    let mut args = vec!["rm"];
    args.extend(ids.iter().copied());
    args.push("-f");
    let output = cli.run(&registry, &args);
    // Duplicate IDs (one per tag) may report "No such image" once removed; the store ends empty.
    assert!(String::from_utf8_lossy(&output.stdout).contains("Deleted:"));
    assert!(cli.ok(&registry, &["images", "-q"]).is_empty());
}

#[test]
fn a_moved_tag_leaves_the_old_image_dangling() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let reference = at(&registry, "moving/app:latest");
    registry
        .push_as(
            fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"),
            "moving/app",
            "latest",
        )
        .expect("push");
    cli.ok(&registry, &["pull", "-q", &reference]);
    let old_id = cli.ok(&registry, &["images", "-q"]).trim().to_owned();
    registry
        .push_as(
            fixtures::get("lovelearnlinux/webserver:v2").expect("fixture"),
            "moving/app",
            "latest",
        )
        .expect("push");
    let out = cli.ok(&registry, &["pull", &reference]);
    assert!(out.contains("Downloaded newer image"), "{out}");
    let dangling = cli.ok(
        &registry,
        &[
            "images",
            "--filter",
            "dangling=true",
            "--format",
            "{{.Repository}} {{.Tag}} {{.ID}}",
        ],
    );
    assert_eq!(dangling.trim(), format!("<none> <none> {old_id}"));
    let rows = cli.ok(
        &registry,
        &["images", "--format", "{{.Repository}}:{{.Tag}}"],
    );
    assert_eq!(rows.lines().count(), 2, "{rows}");
}
