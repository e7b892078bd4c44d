//! The soak test (issue #15, "figures, not promises"): `strata serve` in
//! front of the real distribution registry behind the faulty proxy, under
//! a mix of concurrent clients, while faults are injected, the registry
//! restarts, `strata gc` runs in a loop in another process, and the server
//! is killed with `kill -9` twice and started again on the same store and
//! port.
//!
//! Clients: HTTP blob, range and manifest requests; bursts of
//! [`BURST`](soak_support::clients::BURST) blob requests at once; `curl -r`;
//! `skopeo copy`; `podman pull`; `/api/v1/version` polled for latency;
//! the dashboard's Verify in headless Chromium (when the dashboard is
//! built; `STRATA_SOAK_BROWSER=1` requires it, `0` leaves it out).
//!
//! Afterwards it asserts that no client received wrong bytes whole, that
//! `strata fsck` passes (so no recorded image lacks a blob), and that each
//! kind of fault was injected. Latency is reported, not asserted.
//!
//! `STRATA_SOAK_SECONDS` sets the length (default 40, what `cargo test`
//! runs), `STRATA_SOAK_SEED` the seed (printed), `STRATA_SOAK_REPORT` a
//! file to write the table to, `STRATA_SOAK_BIN` another `strata` binary. `make soak` (`scripts/soak.sh`) runs it for
//! 600 s and puts the table in `bench/results.md`.

mod soak_support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use soak_support::clients::{self, GcRuns};
use soak_support::{Content, Image, Rng, Soak, Tally};
use test_support::faulty::{Fault, FaultyRegistry};
use test_support::fixtures::{self, large_image};
use test_support::strata::{StrataOptions, built_dashboard};
use test_support::{Auth, Registry};

/// The `strata` binary: this build's, or `STRATA_SOAK_BIN` (`make soak`
/// runs the release build, so the figures are the server's, not a debug
/// build's).
fn strata_bin() -> String {
    std::env::var("STRATA_SOAK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_strata").to_owned())
}

/// The fault kinds every run must inject at least once.
const KINDS: [&str; 6] = [
    "corrupt blob",
    "corrupt manifest",
    "reset",
    "status 500",
    "status 429",
    "trickle manifest",
];

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Whether to run Chromium: `STRATA_SOAK_BROWSER=1` requires it, `0`
/// leaves it out; otherwise it runs when the dashboard is built.
fn with_browser() -> bool {
    match std::env::var("STRATA_SOAK_BROWSER").as_deref() {
        Ok("0") => false,
        Ok("1") => {
            built_dashboard().expect("STRATA_SOAK_BROWSER=1 needs the dashboard");
            true
        }
        _ => built_dashboard().is_ok(),
    }
}

/// Pushes the fixtures the soak uses (and a 16 MiB image, so transfers
/// take long enough to be cut) and returns them.
fn push(registry: &Registry) -> Vec<Image> {
    let mut images = Vec::new();
    for name in [
        "library/redis:latest",
        "library/alpine:latest",
        "library/multi:latest",
        "test/zstd:latest",
        "test/docker-v2:latest",
    ] {
        let fixture = fixtures::get(name).expect("fixture");
        let pushed = registry.push(fixture).expect("push");
        images.push(Image {
            repo: fixture.repo.to_owned(),
            tag: fixture.tag.to_owned(),
            digest: pushed.digest,
            is_index: fixture.is_index,
        });
    }
    let large = large_image(16).expect("large image");
    let pushed = registry.push(&large).expect("push large");
    images.push(Image {
        repo: large.repo.to_owned(),
        tag: large.tag.to_owned(),
        digest: pushed.digest,
        is_index: false,
    });
    images
}

/// `strata ARGS` on `store`: (success, stdout).
fn cli(store: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(strata_bin())
        .env("STRATA_STORE", store)
        .args(args)
        .output()
        .expect("run strata");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

/// What the run did, for the table.
struct Figures {
    start: Instant,
    seconds: u64,
    seed: u64,
    tally: Arc<Tally>,
    injected: BTreeMap<String, u64>,
    registry_restarts: Vec<Duration>,
    kills: Vec<Duration>,
    gc: GcRuns,
    images: usize,
    lost: usize,
    fsck: String,
    browser: bool,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The table, in Markdown.
fn table(f: &Figures) -> String {
    let latencies = f.tally.latencies();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map(|(took, _)| *took)
            .unwrap_or_default()
    };
    let (max, max_sent) = latencies
        .last()
        .map(|(took, sent)| (*took, sent.duration_since(f.start)))
        .unwrap_or_default();
    let seconds = |moments: &[Duration]| {
        moments
            .iter()
            .map(|m| format!("{:.1} s", m.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let clients = f
        .tally
        .by_client()
        .iter()
        .map(|(name, c)| format!("{name} {}/{}", c.ok, c.errors))
        .collect::<Vec<_>>()
        .join(", ");
    let faults = f
        .injected
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .chain([format!(
            "registry restart {} (at {})",
            f.registry_restarts.len(),
            seconds(&f.registry_restarts)
        )])
        .collect::<Vec<_>>()
        .join(", ");
    let rows = [
        (
            "run".to_owned(),
            format!(
                "{} s, seed {}, strata {} build, browser {}",
                f.seconds,
                f.seed,
                if strata_bin().contains("/release/") {
                    "release"
                } else {
                    "debug"
                },
                if f.browser { "on" } else { "off" }
            ),
        ),
        (
            "HTTP requests answered by strata".to_owned(),
            f.tally.answered.load(Ordering::Relaxed).to_string(),
        ),
        (
            "GET /api/v1/version under load".to_owned(),
            format!(
                "{} answers; p50 {}, p99 {}, max {} (sent at {:.1} s)",
                latencies.len(),
                ms(at(0.5)),
                ms(at(0.99)),
                ms(max),
                max_sent.as_secs_f64()
            ),
        ),
        (
            "peak concurrent blob requests".to_owned(),
            f.tally.peak.load(Ordering::Relaxed).to_string(),
        ),
        ("deliveries ok/error, by client".to_owned(), clients),
        ("faults injected".to_owned(), faults),
        (
            "strata serve kill -9 survived".to_owned(),
            format!("{} (at {})", f.kills.len(), seconds(&f.kills)),
        ),
        (
            "strata gc runs (another process)".to_owned(),
            format!(
                "{} ok, {} failed; {} images removed with rm -f meanwhile",
                f.gc.ok, f.gc.failed, f.gc.removed
            ),
        ),
        (
            "corrupt deliveries".to_owned(),
            f.tally.corrupt_deliveries().len().to_string(),
        ),
        (
            "lost images".to_owned(),
            format!("{} of {} recorded; fsck: {}", f.lost, f.images, f.fsck),
        ),
    ];
    let mut out = String::from("| figure | value |\n| --- | --- |\n");
    for (name, value) in rows {
        out += &format!("| {name} | {value} |\n");
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn soak() {
    let seconds = env_u64("STRATA_SOAK_SECONDS").unwrap_or(40);
    let seed = env_u64("STRATA_SOAK_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(15)
    });
    let browser = with_browser();
    eprintln!(
        "soak: {seconds} s, seed {seed} (STRATA_SOAK_SEED={seed} draws the same faults and kills)"
    );
    let mut rng = Rng::new(seed, 0);

    let mut registry = Registry::start(Auth::Open).expect("registry");
    let images = push(&registry);
    let content = Content::read(&registry, images).await;
    let faulty = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::AtRandom {
            seed,
            one_in: 6,
            // Faults take turns in this order among those that fit a
            // request, so the rarer sorts (a manifest GET that reaches the
            // upstream) start with the faults only they can get.
            faults: vec![
                Fault::CorruptManifest(String::new()),
                Fault::TrickleManifest(String::new(), Duration::from_millis(3)),
                Fault::CorruptBlob(String::new()),
                Fault::ResetBlob(String::new()),
                Fault::SlowBlob(String::new(), 1 << 20),
                Fault::Status(String::new(), 500),
                Fault::Status(String::new(), 429),
            ],
        }],
    )
    .expect("faulty registry");
    let mut options =
        StrataOptions::new(strata_bin()).env("STRATA_INSECURE_REGISTRIES", faulty.host());
    if browser {
        options = options.with_built_dashboard().expect("dashboard");
    }
    let mut server = options.start().expect("strata serve");
    let store = server.store().to_owned();

    let start = Instant::now();
    let soak = Arc::new(Soak {
        strata: server.url(),
        upstream: faulty.host().replace(':', "_"),
        upstream_host: faulty.host(),
        content,
        deadline: start + Duration::from_secs(seconds),
        seed,
        tally: Arc::default(),
    });

    // The clients.
    let mut tasks = Vec::new();
    for stream in 1..=6 {
        tasks.push(tokio::spawn(clients::http_client(soak.clone(), stream)));
    }
    tasks.push(tokio::spawn(clients::bursts(
        soak.clone(),
        Duration::from_secs(10),
    )));
    // The poller has a thread and runtime of its own, so its latencies are
    // strata's, not the wait for a worker busy hashing another client's blob.
    let poller = {
        let soak = soak.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(clients::api_poller(soak))
        })
    };
    if browser {
        tasks.push(tokio::spawn(clients::browser_verifies(soak.clone())));
    }
    let threads = [
        clients::curl_ranges as fn(&Soak),
        clients::skopeo_copies,
        clients::podman_pulls,
    ]
    .map(|client| {
        let soak = soak.clone();
        std::thread::spawn(move || client(&soak))
    });
    let gc = {
        let (soak, store) = (soak.clone(), store.clone());
        std::thread::spawn(move || {
            clients::gc_loop(&soak, std::path::Path::new(&strata_bin()), &store)
        })
    };

    // The disruptions, at seeded moments: two kill -9s of strata serve and
    // one registry restart.
    let mut moments: Vec<(Duration, &str)> = vec![
        (0.20 + 0.25 * rng.fraction(), "kill"),
        (0.55 + 0.25 * rng.fraction(), "kill"),
        (0.30 + 0.40 * rng.fraction(), "registry"),
    ]
    .into_iter()
    .map(|(at, what)| (Duration::from_secs_f64(seconds as f64 * at), what))
    .collect();
    moments.sort();
    let (mut kills, mut registry_restarts) = (Vec::new(), Vec::new());
    for (at, what) in moments {
        tokio::time::sleep_until((start + at).into()).await;
        if what == "kill" {
            let pid = server.pid();
            eprintln!("soak: kill -9 {pid} at {:.1} s", at.as_secs_f64());
            let killed = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .expect("run kill");
            assert!(killed.success(), "kill -9 {pid}");
            server = tokio::task::block_in_place(move || server.restart_in_place())
                .expect("strata serve starts again on the same store and port");
            assert_eq!(server.url(), soak.strata);
            kills.push(at);
        } else {
            eprintln!("soak: registry restart at {:.1} s", at.as_secs_f64());
            tokio::task::block_in_place(|| registry.restart()).expect("registry restart");
            registry_restarts.push(at);
        }
    }

    for task in tasks {
        task.await.expect("a client panicked");
    }
    for thread in threads {
        thread.join().expect("a client panicked");
    }
    poller.join().expect("the poller panicked");
    let gc = gc.join().expect("the gc loop panicked");
    server.check_alive().expect("strata serve is running");

    // The server still answers (not wedged), and the store is whole.
    let version = reqwest::get(format!("{}/api/v1/version", soak.strata))
        .await
        .expect("strata answers after the soak");
    assert!(version.status().is_success());
    let (fsck_ok, fsck) = cli(&store, &["fsck"]);
    let (_, listed) = cli(&store, &["images", "-q", "--no-trunc"]);
    let lost = fsck
        .lines()
        .filter(|l| l.contains("is missing") || l.contains("the record says"))
        .count();
    let figures = Figures {
        start,
        seconds,
        seed,
        tally: soak.tally.clone(),
        injected: faulty.injected(),
        registry_restarts,
        kills,
        gc,
        images: listed.lines().count(),
        lost,
        fsck: fsck.lines().last().unwrap_or_default().to_owned(),
        browser,
    };
    let table = table(&figures);
    println!("\n{table}");
    if let Ok(path) = std::env::var("STRATA_SOAK_REPORT") {
        std::fs::write(&path, &table).expect("write the report");
    }

    assert_eq!(soak.tally.corrupt_deliveries(), Vec::<String>::new());
    assert!(fsck_ok, "strata fsck failed:\n{fsck}");
    assert_eq!(lost, 0, "{fsck}");
    assert_eq!(figures.kills.len(), 2);
    assert_eq!(figures.registry_restarts.len(), 1);
    assert_eq!(figures.gc.failed, 0, "strata gc failed meanwhile");
    for kind in KINDS {
        assert!(
            figures.injected.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} was injected: {:?}",
            figures.injected
        );
    }
    assert!(
        soak.tally.peak.load(Ordering::Relaxed) >= 200,
        "fewer than 200 blob requests were in flight at once"
    );
}
