//! `strata serve` against hostile upstreams (`test_support::faulty` in
//! front of the real registry): one that trickles a blob stalls nobody
//! else, a blob that never ends is cut at the size its manifest declared
//! (else at `--max-blob-size`), a store
//! short of disk space refuses new blobs with a message that says what to
//! do, and a tag list that never ends is cut at its total bound.

use std::time::Duration;

use reqwest::StatusCode;
use test_support::cli::Cli;
use test_support::eventually_async;
use test_support::faulty::{Fault, FaultyRegistry};
use test_support::fixtures::layer::sha256;
use test_support::strata::StrataOptions;
use test_support::{StrataServer, poll_async};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{Redis, get, ingest_files, redis_registry, stored, v2};

/// `strata serve` reaching `upstreams`, with `env` set.
fn serve_with(upstreams: &[String], cli: &Cli, env: &[(&str, &str)]) -> StrataServer {
    let mut options = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", upstreams.join(","))
        .env(
            "DOCKER_CONFIG",
            cli.dir.path().join("docker").display().to_string(),
        );
    for (key, value) in env {
        options = options.env(key, *value);
    }
    options.start().expect("strata serve")
}

/// `strata ARGS` on the server's store, killed if it outlives `deadline`;
/// (success, stderr).
async fn strata_within(
    cli: &Cli,
    server: &StrataServer,
    insecure: &str,
    args: &[&str],
    deadline: Duration,
) -> (bool, String) {
    let mut command = tokio::process::Command::from(cli.command(&[]));
    command
        .env("STRATA_STORE", server.store())
        .env("STRATA_INSECURE_REGISTRIES", insecure)
        .args(args)
        .kill_on_drop(true);
    let output = tokio::time::timeout(deadline, command.output())
        .await
        .unwrap_or_else(|_| panic!("strata {args:?} did not finish within {deadline:?}"))
        .expect("run strata");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The open file descriptors of a process (its sockets among them).
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// A blob sent without `Content-Length` after its image's manifest came
/// through `/v2` is cut at the size that manifest declared, not at
/// `--max-blob-size` (16 GiB by default): the client never gets more bytes
/// than the image promised, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_blob_is_cut_at_the_size_its_manifest_declared() {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let (layer, declared) = blobs[1].clone();
    let endless = FaultyRegistry::start(&registry.url(), vec![Fault::EndlessBlob(layer.clone())])
        .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve_with(&[endless.host()], &cli, &[]);
    let repository = v2(&server, &endless.host(), "library/redis");
    let manifest = get(&format!("{repository}/manifests/latest")).await;
    assert_eq!(manifest.status, StatusCode::OK);
    // Cut before the response headers went out: the connection closes
    // unanswered, and no byte arrived.
    let mut answer = reqwest::get(format!("{repository}/blobs/{layer}")).await;
    // Reads until the body fails or ends, and stops reading well past the
    // declared size (where a body capped at 16 GiB would still be going).
    let mut received: u64 = 0;
    let ended = loop {
        let Ok(answer) = &mut answer else { break false };
        match answer.chunk().await {
            Ok(Some(chunk)) => received += chunk.len() as u64,
            Ok(None) => break true,
            Err(_) => break false,
        }
        if received > declared + (8 << 20) {
            break false;
        }
    };
    assert!(
        received <= declared,
        "{received} bytes of a layer whose manifest declares {declared}"
    );
    assert!(!ended || received < declared, "a complete body of zeros");
    assert!(!stored(&server, &layer));
    poll_async(Duration::from_secs(10), async || {
        ingest_files(&server).is_empty()
    })
    .await
    .expect("the partial write is removed");
}

/// A registry trickles two layers of redis (a byte a second); 300 more
/// requests for the first wait behind that transfer, and 300 ask for it
/// under other names. Meanwhile the API answers, the same layer from a
/// good registry arrives through `/v2`, `strata pull` of redis (both
/// layers) from the good registry completes in another process, and the
/// requests under other names end (404 or 503): nobody waits behind the
/// trickle for longer than the store's patience, and no request holds a
/// thread while it waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_trickling_upstream_stalls_nobody_else() {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let mut layers = blobs[1..].to_vec();
    layers.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    let (held, held_by_pull) = (layers[0].0.clone(), layers[1].0.clone());
    let slow = FaultyRegistry::start(
        &registry.url(),
        vec![
            Fault::TrickleBlob(held.clone(), Duration::from_secs(1)),
            Fault::TrickleBlob(held_by_pull.clone(), Duration::from_secs(1)),
        ],
    )
    .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve_with(&[registry.host(), slow.host()], &cli, &[]);
    let slow_url = |digest: &str| {
        format!(
            "{}/blobs/{digest}",
            v2(&server, &slow.host(), "library/redis")
        )
    };

    let trickles: Vec<_> = [slow_url(&held), slow_url(&held_by_pull)]
        .into_iter()
        .map(|url| tokio::spawn(async move { get(&url).await }))
        .collect();
    eventually_async(
        Duration::from_secs(30),
        "both trickles are writing",
        async || (ingest_files(&server).len() >= 2).then_some(()).ok_or(()),
    )
    .await;
    // 300 wait for the trickle itself; 300 more ask for the same blob
    // under other names (each its own fetch, which must hold no thread).
    let http = reqwest::Client::new();
    let waiting: Vec<_> = (0..300)
        .map(|_| tokio::spawn(http.get(slow_url(&held)).send()))
        .collect();
    let others: Vec<_> = (0..300)
        .map(|n| {
            let url = format!(
                "{}/blobs/{held}",
                v2(&server, &slow.host(), &format!("library/redis-{n}"))
            );
            tokio::spawn(http.get(url).send())
        })
        .collect();
    // Every request reached strata: it holds a socket for each one still
    // open, and the fetches under other names may already have ended (404).
    let pid = server.pid();
    eventually_async(
        Duration::from_secs(60),
        "600 requests reach strata",
        async || {
            let open = open_files(pid);
            let ended = others.iter().filter(|o| o.is_finished()).count();
            (open + ended >= 600).then_some(()).ok_or((open, ended))
        },
    )
    .await;

    let version = format!("{}/api/v1/version", server.url());
    for _ in 0..20 {
        let answer = tokio::time::timeout(Duration::from_secs(10), http.get(&version).send())
            .await
            .expect("/api/v1/version did not answer within 10 s")
            .expect("version");
        assert_eq!(answer.status(), StatusCode::OK);
    }
    let good = format!(
        "{}/blobs/{held}",
        v2(&server, &registry.host(), "library/redis")
    );
    let got = tokio::time::timeout(Duration::from_secs(120), get(&good))
        .await
        .expect("the good registry's copy waited behind the trickle");
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(sha256(got.bytes()), held);
    let image = format!("{}/library/redis:latest", registry.host());
    let (ok, stderr) = strata_within(
        &cli,
        &server,
        &registry.host(),
        &["pull", &image],
        Duration::from_secs(180),
    )
    .await;
    assert!(ok, "strata pull failed: {stderr}");
    assert!(stored(&server, &held) && stored(&server, &held_by_pull));
    // The other names' fetches end: the upstream has no such repository
    // (404), or strata's transfers stayed full for too long (503).
    for other in others {
        let answer = tokio::time::timeout(Duration::from_secs(120), other)
            .await
            .expect("a request under another name hung")
            .expect("join")
            .expect("answer");
        let status = answer.status();
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::SERVICE_UNAVAILABLE].contains(&status),
            "{status}"
        );
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(answer.headers().contains_key("retry-after"));
        }
    }
    assert!(
        waiting.iter().all(|w| !w.is_finished()),
        "the 600 wait for the trickle, neither answered nor refused"
    );
    waiting.iter().for_each(tokio::task::JoinHandle::abort);
    trickles.iter().for_each(tokio::task::JoinHandle::abort);
}

/// A blob whose body never ends (no `Content-Length`) is cut at
/// `--max-blob-size`: the client's body fails, nothing is stored and no
/// ingest file is left; a declared size above the limit is refused at
/// once; `strata pull` cuts the endless blob at the layer's declared size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_blob_is_cut_at_the_size_limit() {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let layer = blobs[1].0.clone();
    let endless = FaultyRegistry::start(&registry.url(), vec![Fault::EndlessBlob(layer.clone())])
        .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve_with(&[endless.host()], &cli, &[]);
    // The flag, on a second server over the same kind of upstream.
    let capped = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", endless.host())
        .arg("--max-blob-size")
        .arg("1KiB")
        .start()
        .expect("strata serve --max-blob-size");
    let url = format!(
        "{}/blobs/{layer}",
        v2(&capped, &endless.host(), "library/redis")
    );
    // Cut: an error status, a body that fails, or (when the limit is hit
    // before the response headers went out) a connection closed unanswered.
    let cut = async {
        match reqwest::get(&url).await {
            Err(_) => None,
            Ok(answer) if answer.status() != StatusCode::OK => Some(answer.status()),
            Ok(answer) => answer.bytes().await.is_ok().then_some(StatusCode::OK),
        }
    };
    let whole = tokio::time::timeout(Duration::from_secs(60), cut)
        .await
        .expect("the endless body was not cut");
    assert_ne!(whole, Some(StatusCode::OK), "a complete body");
    assert!(!stored(&capped, &layer));
    poll_async(Duration::from_secs(10), async || {
        ingest_files(&capped).is_empty()
    })
    .await
    .expect("the partial write is removed");
    // A declared size above the limit (the config, 2 kB) is refused at once.
    let config = &blobs[0].0;
    let refused = get(&format!(
        "{}/blobs/{config}",
        v2(&capped, &endless.host(), "library/redis")
    ))
    .await;
    assert_eq!(refused.status, StatusCode::BAD_GATEWAY);
    let message = refused.json()["errors"][0]["message"].to_string();
    assert!(message.contains("more than the 1024 bytes"), "{message}");
    assert!(!stored(&capped, config));

    let image = format!("{}/library/redis:latest", endless.host());
    let (ok, stderr) = strata_within(
        &cli,
        &server,
        &endless.host(),
        &["pull", &image],
        Duration::from_secs(120),
    )
    .await;
    assert!(!ok, "the pull of an endless layer succeeded");
    assert!(stderr.contains("size mismatch"), "{stderr}");
    assert!(!stored(&server, &layer));
    assert!(ingest_files(&server).is_empty());
}

/// A store whose filesystem would drop below the reserve refuses new
/// blobs: `/v2` answers `503` with `Retry-After` and what to do, and
/// `strata pull` fails saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_short_of_space_refuses_new_blobs() {
    let Redis {
        registry, layer, ..
    } = redis_registry();
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve_with(
        &[registry.host()],
        &cli,
        &[("STRATA_MIN_FREE_SPACE", "1048576TiB")],
    );
    let url = format!(
        "{}/blobs/{layer}",
        v2(&server, &registry.host(), "library/redis")
    );
    let got = get(&url).await;
    assert_eq!(got.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!got.header("retry-after").is_empty());
    let message = got.json()["errors"][0]["message"].to_string();
    assert!(message.contains("--min-free-space"), "{message}");
    assert!(!stored(&server, &layer));

    let image = format!("{}/library/redis:latest", registry.host());
    let (ok, stderr) = strata_within(
        &cli,
        &server,
        &registry.host(),
        &["pull", "--min-free-space", "1048576TiB", &image],
        Duration::from_secs(120),
    )
    .await;
    assert!(!ok, "the pull succeeded");
    assert!(
        stderr.contains("--min-free-space") && stderr.contains("strata gc"),
        "{stderr}"
    );
    assert!(!stored(&server, &layer));
}

/// A tag list whose pages never end (each links to another) is cut once
/// its pages add up to `MAX_LISTING_BYTES`: an error, not a server that
/// reads until its memory runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_tag_list_is_cut_at_its_total_bound() {
    let Redis { registry, .. } = redis_registry();
    let huge = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::HugeListing("library/redis".to_owned())],
    )
    .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve_with(&[huge.host()], &cli, &[]);
    let url = format!("{}/tags/list", v2(&server, &huge.host(), "library/redis"));
    let got = tokio::time::timeout(Duration::from_secs(120), get(&url))
        .await
        .expect("the listing was not cut");
    assert_eq!(got.status, StatusCode::BAD_GATEWAY);
    let message = got.json()["errors"][0]["message"].to_string();
    assert!(
        message.contains(&strata::registry::MAX_LISTING_BYTES.to_string()),
        "{message}"
    );
}
