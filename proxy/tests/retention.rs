//! Retention (`strata gc --retain POLICY [--dry-run]`) against the real
//! distribution registry: which images a policy selects by last pull time,
//! per repository and by size; pins; the real run and `fsck`; and a real
//! run in a loop while 20 pulls go on in other processes; and
//! `strata serve --retain` on a schedule, with an image pulled through
//! `/v2` counting as pulled.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use test_support::cli::{Cli, at};
use test_support::eventually::eventually;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, fixtures, poll_async};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{children, get, strata, v2};

const IMAGES: [&str; 4] = [
    "lovelearnlinux/webserver:v1",
    "lovelearnlinux/webserver:v2",
    "library/alpine:latest",
    "library/redis:latest",
];

/// A registry holding [`IMAGES`] and a store.
fn setup() -> (Registry, Cli) {
    let registry = Registry::start(Auth::Open).expect("registry");
    for name in IMAGES {
        registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
    }
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    (registry, cli)
}

fn pull(registry: &Registry, cli: &Cli, name: &str) {
    cli.ok(registry, &["pull", "-q", &at(registry, name)]);
}

/// `HOST/repo:tag` → short image ID, for every tag in the store.
fn image_ids(registry: &Registry, cli: &Cli) -> BTreeMap<String, String> {
    cli.ok(
        registry,
        &["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
    )
    .lines()
    .filter_map(|l| l.split_once(' '))
    .map(|(r, id)| (r.to_owned(), id.to_owned()))
    .collect()
}

/// The lines `strata gc --retain POLICY --dry-run` prints about images.
fn dry_run(registry: &Registry, cli: &Cli, policy: &str) -> Vec<String> {
    let out = cli.ok(registry, &["gc", "--retain", policy, "--dry-run"]);
    assert!(
        !out.contains("Deleted:"),
        "a dry run deletes nothing: {out}"
    );
    out.lines()
        .filter_map(|l| l.strip_prefix("Would evict: "))
        .map(str::to_owned)
        .collect()
}

/// The line a dry run prints for `name` (`repo:tag`), up to its size.
fn names(registry: &Registry, ids: &BTreeMap<String, String>, name: &str) -> String {
    let reference = at(registry, name);
    format!("{reference} {}", ids[&reference])
}

/// Each line cut before its size, and its reason.
fn heads_and_reasons(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| {
            let (head, reason) = l.split_once(": ").expect("a reason");
            let head = head.rsplit_once(' ').expect("a size").0;
            (head.to_owned(), reason.to_owned())
        })
        .collect()
}

fn fsck_passes(registry: &Registry, cli: &Cli) {
    let fsck = cli.run(registry, &["fsck"]);
    assert!(
        fsck.status.success(),
        "fsck: {}{}",
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
}

#[test]
fn most_recently_pulled_per_repository_pins_and_the_size_cap() {
    let (registry, cli) = setup();
    for name in IMAGES {
        pull(&registry, &cli, name);
    }
    let ids = image_ids(&registry, &cli);
    let web = format!("{}/lovelearnlinux/webserver", registry.host());
    let [v1, v2, alpine, redis] = IMAGES.map(|n| names(&registry, &ids, n));

    // v1 is the older of webserver's two; the other repositories have one.
    let beyond = format!("beyond the 1 most recently pulled of {web}");
    assert_eq!(
        heads_and_reasons(&dry_run(&registry, &cli, "mostRecentlyPulledCount=1")),
        [(v1.clone(), beyond.clone())]
    );
    assert_eq!(
        dry_run(&registry, &cli, "mostRecentlyPulledCount=2"),
        Vec::<String>::new()
    );

    // A pinned image is never selected, by any rule.
    cli.ok(
        &registry,
        &["pin", &at(&registry, IMAGES[0]), "--by", "prod"],
    );
    assert_eq!(
        dry_run(&registry, &cli, "mostRecentlyPulledCount=1"),
        Vec::<String>::new()
    );
    let cap = "store over 0: least recently pulled".to_owned();
    assert_eq!(
        heads_and_reasons(&dry_run(&registry, &cli, "maxStoreBytes=0")),
        [
            (v2.clone(), cap.clone()),
            (alpine.clone(), cap.clone()),
            (redis.clone(), cap.clone()),
        ]
    );
    // A cap the images fit in selects nothing.
    assert_eq!(
        dry_run(&registry, &cli, "maxStoreBytes=1GiB"),
        Vec::<String>::new()
    );
    cli.ok(&registry, &["unpin", &at(&registry, IMAGES[0])]);

    // Pulling v1 again makes it webserver's most recent: now v2 goes.
    pull(&registry, &cli, IMAGES[0]);
    assert_eq!(
        heads_and_reasons(&dry_run(&registry, &cli, "mostRecentlyPulledCount=1")),
        [(v2.clone(), beyond.clone())]
    );

    // The real run removes exactly that, and collects its blobs.
    let blobs_before = cli.blobs().len();
    let out = cli.ok(&registry, &["gc", "--retain", "mostRecentlyPulledCount=1"]);
    let evicted: Vec<String> = out
        .lines()
        .filter_map(|l| l.strip_prefix("Evicted: "))
        .map(str::to_owned)
        .collect();
    assert_eq!(heads_and_reasons(&evicted), [(v2, beyond)], "{out}");
    assert!(out.contains("Total reclaimed space: "), "{out}");
    // v2's config, manifest and own layer; the layers v1 shares stay.
    assert_eq!(cli.blobs().len(), blobs_before - 3, "{out}");
    let left: Vec<String> = image_ids(&registry, &cli).into_keys().collect();
    let mut want: Vec<String> = [IMAGES[0], IMAGES[2], IMAGES[3]]
        .iter()
        .map(|n| at(&registry, n))
        .collect();
    want.sort();
    assert_eq!(left, want);
    fsck_passes(&registry, &cli);
    let again = cli.ok(&registry, &["pull", &at(&registry, IMAGES[0])]);
    assert!(again.contains("Image is up to date"), "{again}");
}

#[test]
fn pulled_within_keeps_what_was_pulled_recently() {
    let (registry, cli) = setup();
    pull(&registry, &cli, IMAGES[2]);
    let pulled = Instant::now();
    let within = Duration::from_secs(4);
    eventually(Duration::from_secs(30), "alpine's pull to age", || {
        pulled.elapsed() > within
    });
    pull(&registry, &cli, IMAGES[3]);
    let ids = image_ids(&registry, &cli);
    assert_eq!(
        heads_and_reasons(&dry_run(&registry, &cli, "pulledWithin=4s")),
        [(
            names(&registry, &ids, IMAGES[2]),
            "not pulled within 4s".to_owned()
        )]
    );
    // Any keep rule keeps: redis is the one of its repository.
    assert_eq!(
        dry_run(&registry, &cli, "pulledWithin=4s,mostRecentlyPulledCount=1"),
        Vec::<String>::new()
    );
    assert_eq!(
        dry_run(&registry, &cli, "pulledWithin=1h"),
        Vec::<String>::new()
    );
    let shown = cli.ok(&registry, &["images", "--format", "{{.LastPulledSince}}"]);
    assert!(
        shown.lines().all(|l| l.ends_with(" ago")),
        "every image has a last pull time: {shown}"
    );
}

#[test]
fn policies_and_flags_are_checked() {
    let (registry, cli) = setup();
    #[rustfmt::skip]
    let cases: [(&[&str], &str); 5] = [
        (&["gc", "--retain", "keepTags=5"], "unknown retention key \"keepTags\""),
        (&["gc", "--retain", "pulledWithin=a week"], "bad pulledWithin: \"a week\" is not a duration"),
        (&["gc", "--retain", "maxStoreBytes=lots"], "bad maxStoreBytes: \"lots\" is not a size"),
        (&["gc", "--dry-run"], "--dry-run goes with --retain POLICY or --retain-file FILE"),
        (&["gc", "--retain-file", "/nonexistent/policy"], "cannot read the retention policy file /nonexistent/policy"),
    ];
    for (args, want) in cases {
        let err = cli.fails(&registry, args);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let file = cli.dir.path().join("policy");
    std::fs::write(&file, "# one rule a line\nmostRecentlyPulledCount=1\n").expect("write");
    let file = file.to_string_lossy().into_owned();
    let out = cli.ok(&registry, &["gc", "--retain-file", &file, "--dry-run"]);
    assert!(out.contains("Would evict 0 images"), "{out}");
}

/// `strata gc --retain maxStoreBytes=0` (evict everything it may) runs in a
/// loop in other processes while 20 `strata pull`s run at once: every
/// pull succeeds, and the store checks out afterwards.
#[test]
fn a_real_run_during_20_concurrent_pulls_fails_none_of_them() {
    let (registry, cli) = setup();
    let pulls_done = AtomicBool::new(false);
    let gc_runs = std::thread::scope(|scope| {
        let gc = scope.spawn(|| {
            let mut runs = 0;
            while !pulls_done.load(Ordering::SeqCst) || runs == 0 {
                let out = cli.run(&registry, &["gc", "--retain", "maxStoreBytes=0"]);
                assert!(
                    out.status.success(),
                    "gc --retain failed during pulls: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                runs += 1;
            }
            runs
        });
        let children: Vec<(String, std::process::Child)> = (0..20)
            .map(|i| {
                let reference = at(&registry, IMAGES[i % IMAGES.len()]);
                let child = cli
                    .command(&[&registry])
                    .args(["pull", "-q", &reference])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn a pull");
                (reference, child)
            })
            .collect();
        let failures: Vec<String> = children
            .into_iter()
            .filter_map(|(reference, child)| {
                let out = child.wait_with_output().expect("wait");
                (!out.status.success())
                    .then(|| format!("{reference}: {}", String::from_utf8_lossy(&out.stderr)))
            })
            .collect();
        pulls_done.store(true, Ordering::SeqCst);
        let runs = gc.join().expect("gc loop");
        assert_eq!(failures, Vec::<String>::new(), "pulls failed");
        runs
    });
    assert!(gc_runs >= 1);
    fsck_passes(&registry, &cli);
    // One more run, with no pull in flight, evicts every image left.
    cli.ok(&registry, &["gc", "--retain", "maxStoreBytes=0"]);
    assert_eq!(cli.ok(&registry, &["images", "-q"]), "");
    fsck_passes(&registry, &cli);
    // What is left is whole: pulling everything again works.
    for name in IMAGES {
        pull(&registry, &cli, name);
    }
    fsck_passes(&registry, &cli);
}

/// `strata serve` with `STRATA_RETAIN=mostRecentlyPulledCount=1` and
/// `--retain-every 1s`: webserver:v1 pulled with `strata pull`, then v2
/// pulled through `/v2`; the schedule evicts v1, the older of the two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_applies_the_policy_on_a_schedule_and_v2_pulls_count() {
    let registry = Registry::start(Auth::Open).expect("registry");
    for name in &IMAGES[..2] {
        registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
    }
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .env(
            "DOCKER_CONFIG",
            cli.dir.path().join("docker").display().to_string(),
        )
        .env("STRATA_RETAIN", "mostRecentlyPulledCount=1")
        .arg("--retain-every")
        .arg("1s")
        .start()
        .expect("strata serve");
    let pulled = cli
        .command(&[&registry])
        .env("STRATA_STORE", server.store())
        .args(["pull", "-q", &at(&registry, IMAGES[0])])
        .output()
        .expect("pull");
    assert!(pulled.status.success(), "{pulled:?}");

    let base = v2(&server, &registry.host(), "lovelearnlinux/webserver");
    let top = get(&format!("{base}/manifests/v2")).await;
    assert!(top.status.is_success(), "{}", top.status);
    for (digest, _) in children(&top.json()).1 {
        let got = get(&format!("{base}/blobs/{digest}")).await;
        assert!(got.status.is_success(), "{digest}: {}", got.status);
    }

    let tags = poll_async(Duration::from_secs(30), async || {
        let (ok, out, err) = strata(&cli, &server, &["images", "--format", "{{.Tag}}"]);
        assert!(ok, "{err}");
        if out == "v2\n" { Ok(out) } else { Err(out) }
    })
    .await;
    assert!(
        tags.is_ok(),
        "the schedule should leave only v2, pulled last: {tags:?}"
    );
    let (ok, out, err) = strata(&cli, &server, &["fsck"]);
    assert!(ok, "fsck: {out}{err}");
}

/// `--retain-every` without a policy is refused, naming what to add,
/// instead of being ignored.
#[test]
fn retain_every_without_a_policy_is_refused() {
    let store = tempfile::tempdir().expect("tmp");
    let dist = tempfile::tempdir().expect("tmp");
    std::fs::write(dist.path().join("index.html"), "<!doctype html>").expect("index.html");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["serve", "--listen=127.0.0.1:0", "--retain-every", "1m"])
        .arg(format!("--store={}", store.path().display()))
        .arg(format!("--dist={}", dist.path().display()))
        .env_remove("STRATA_RETAIN")
        .output()
        .expect("run strata serve");
    assert!(!output.status.success(), "it started");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("--retain-every") && err.contains("--retain POLICY"),
        "{err}"
    );
}
