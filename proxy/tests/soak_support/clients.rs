//! The soak's clients. Each loops until the deadline and records, for
//! every delivery, whether the bytes match the digest asked for (ok), or
//! it got an error, or (what must never happen) wrong bytes, whole.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use test_support::Browser;
use test_support::fixtures::layer::sha256;

use super::{ACCEPT, Object, Rng, Soak};

/// Concurrent blob requests in each burst.
pub const BURST: usize = 256;

/// A response: status and whole body, or the error that cut it short.
enum Got {
    Whole(reqwest::StatusCode, Vec<u8>),
    Failed,
}

async fn fetch(
    soak: &Soak,
    http: &reqwest::Client,
    url: &str,
    range: Option<(usize, usize)>,
) -> Got {
    let mut request = http.get(url).header("accept", ACCEPT);
    if let Some((first, last)) = range {
        request = request.header("range", format!("bytes={first}-{last}"));
    }
    let Ok(response) = request.send().await else {
        return Got::Failed;
    };
    soak.tally
        .answered
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let status = response.status();
    match response.bytes().await {
        Ok(body) => Got::Whole(status, body.to_vec()),
        Err(_) => Got::Failed,
    }
}

/// Checks a delivery of `object` (or of `range` of it) and records it for `client`.
fn check(
    soak: &Soak,
    client: &'static str,
    object: &Object,
    range: Option<(usize, usize)>,
    got: Got,
) {
    let tally = &soak.tally;
    match got {
        Got::Whole(status, body) if status == reqwest::StatusCode::OK => {
            if sha256(&body) == object.digest {
                tally.ok(client);
            } else {
                tally.corrupt(
                    client,
                    format!(
                        "{} ({} bytes, hash {})",
                        object.digest,
                        body.len(),
                        sha256(&body)
                    ),
                );
            }
        }
        Got::Whole(status, body) if status == reqwest::StatusCode::PARTIAL_CONTENT => {
            let (first, last) = range.unwrap_or((0, object.bytes.len().saturating_sub(1)));
            if object.bytes.get(first..=last) == Some(&body[..]) {
                tally.ok(client);
            } else {
                tally.corrupt(client, format!("{} bytes {first}-{last}", object.digest));
            }
        }
        Got::Whole(..) | Got::Failed => tally.error(client),
    }
}

/// A random range inside `object`.
fn some_range(rng: &mut Rng, object: &Object) -> (usize, usize) {
    let len = object.bytes.len().max(1);
    let first = rng.below(len);
    let last = (first + rng.below(64 << 10)).min(len - 1);
    (first, last)
}

/// Requests blobs (whole and ranges) and manifests (by digest and by tag)
/// through strata's `/v2`, one after the other.
pub async fn http_client(soak: Arc<Soak>, stream: u64) {
    let mut rng = Rng::new(soak.seed, stream);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client");
    while soak.running() {
        match rng.below(4) {
            0 => {
                let blob = rng.pick(&soak.content.blobs).clone();
                let url = format!("{}/blobs/{}", soak.v2(&blob.repo), blob.digest);
                let _flight = soak.tally.in_flight();
                let got = fetch(&soak, &http, &url, None).await;
                check(&soak, "http blob", &blob, None, got);
            }
            1 => {
                let blob = rng.pick(&soak.content.blobs).clone();
                let range = some_range(&mut rng, &blob);
                let url = format!("{}/blobs/{}", soak.v2(&blob.repo), blob.digest);
                let _flight = soak.tally.in_flight();
                let got = fetch(&soak, &http, &url, Some(range)).await;
                check(&soak, "http range", &blob, Some(range), got);
            }
            2 => {
                let manifest = rng.pick(&soak.content.manifests).clone();
                let url = format!("{}/manifests/{}", soak.v2(&manifest.repo), manifest.digest);
                let got = fetch(&soak, &http, &url, None).await;
                check(&soak, "http manifest", &manifest, None, got);
            }
            _ => {
                let image = rng.pick(&soak.content.images).clone();
                let url = format!("{}/manifests/{}", soak.v2(&image.repo), image.tag);
                let got = fetch(&soak, &http, &url, None).await;
                let expected = soak
                    .content
                    .manifests
                    .iter()
                    .find(|m| m.digest == image.digest)
                    .expect("the tagged manifest")
                    .clone();
                check(&soak, "http tag", &expected, None, got);
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.below(50) as u64)).await;
    }
}

/// Every `every`, [`BURST`] GETs of random blobs started at once.
pub async fn bursts(soak: Arc<Soak>, every: Duration) {
    let mut rng = Rng::new(soak.seed, 100);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    while soak.running() {
        let start = Arc::new(tokio::sync::Barrier::new(BURST));
        let requests: Vec<_> = (0..BURST)
            .map(|_| {
                let blob = rng.pick(&soak.content.blobs).clone();
                let (soak, http, start) = (soak.clone(), http.clone(), start.clone());
                tokio::spawn(async move {
                    let url = format!("{}/blobs/{}", soak.v2(&blob.repo), blob.digest);
                    start.wait().await;
                    let _flight = soak.tally.in_flight();
                    let got = fetch(&soak, &http, &url, None).await;
                    check(&soak, "burst blob", &blob, None, got);
                })
            })
            .collect();
        for request in requests {
            let _ = request.await;
        }
        tokio::time::sleep(every).await;
    }
}

/// Polls `/api/v1/version`, recording each answer's latency.
pub async fn api_poller(soak: Arc<Soak>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let url = format!("{}/api/v1/version", soak.strata);
    while soak.running() {
        let started = Instant::now();
        match http.get(&url).send().await {
            Ok(response) => {
                soak.tally
                    .answered
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let ok = response.status().is_success() && response.bytes().await.is_ok();
                if ok {
                    soak.tally.latency(started.elapsed(), started);
                    soak.tally.ok("api version");
                } else {
                    soak.tally.error("api version");
                }
            }
            Err(_) => soak.tally.error("api version"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `curl -r` of random ranges of random blobs.
pub fn curl_ranges(soak: &Soak) {
    let mut rng = Rng::new(soak.seed, 200);
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("range");
    while soak.running() {
        let blob = rng.pick(&soak.content.blobs).clone();
        let range = some_range(&mut rng, &blob);
        let url = format!("{}/blobs/{}", soak.v2(&blob.repo), blob.digest);
        let _ = std::fs::remove_file(&out);
        let output = Command::new("curl")
            .args(["-s", "--max-time", "120", "-w", "%{http_code}", "-o"])
            .arg(&out)
            .arg("-r")
            .arg(format!("{}-{}", range.0, range.1))
            .arg(&url)
            .output()
            .expect("run curl");
        let code = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let got = match (output.status.success(), code.parse::<u16>()) {
            (true, Ok(code)) => match reqwest::StatusCode::from_u16(code) {
                Ok(status) => {
                    soak.tally
                        .answered
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    Got::Whole(status, std::fs::read(&out).unwrap_or_default())
                }
                Err(_) => Got::Failed,
            },
            _ => Got::Failed,
        };
        check(soak, "curl range", &blob, Some(range), got);
        std::thread::sleep(Duration::from_millis(rng.below(100) as u64));
    }
}

/// Whether every file of a `skopeo copy … dir:` folder hashes to its name
/// and `manifest.json` to `digest`; the problem if not.
fn dir_verifies(dir: &Path, digest: &str) -> Result<(), String> {
    let top = std::fs::read(dir.join("manifest.json")).map_err(|e| e.to_string())?;
    if sha256(&top) != digest {
        return Err(format!("manifest.json is {}, not {digest}", sha256(&top)));
    }
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let hex = name.trim_end_matches(".manifest.json");
        if name == "manifest.json" || name == "version" || hex.len() != 64 {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        if sha256(&bytes) != format!("sha256:{hex}") {
            return Err(format!("{name} hashes to {}", sha256(&bytes)));
        }
        checked += 1;
    }
    // At least a config and a layer.
    if checked < 2 {
        return Err(format!("only {checked} files named by digest"));
    }
    Ok(())
}

/// `skopeo copy` of random images through strata into `dir:` folders,
/// each checked file by file.
pub fn skopeo_copies(soak: &Soak) {
    let mut rng = Rng::new(soak.seed, 300);
    while soak.running() {
        let image = rng.pick(&soak.content.images).clone();
        let dir = tempfile::tempdir().expect("tmp");
        let mut command = Command::new("skopeo");
        command.args(["copy", "--quiet", "--src-tls-verify=false"]);
        if image.is_index {
            command.arg("--all");
        }
        let status = command
            .arg(format!(
                "docker://{}",
                soak.reference(&image.repo, &image.tag)
            ))
            .arg(format!("dir:{}", dir.path().display()))
            .output()
            .expect("run skopeo")
            .status;
        if !status.success() {
            soak.tally.error("skopeo copy");
            continue;
        }
        match dir_verifies(dir.path(), &image.digest) {
            Ok(()) => soak.tally.ok("skopeo copy"),
            Err(problem) => soak
                .tally
                .corrupt("skopeo copy", format!("{}: {problem}", image.repo)),
        }
    }
}

/// `podman pull` of random images (not the index) through strata into a
/// throwaway vfs store, each checked by the digest podman recorded, then
/// removed so the next pull fetches again.
pub fn podman_pulls(soak: &Soak) {
    let mut rng = Rng::new(soak.seed, 400);
    let root = tempfile::tempdir().expect("tmp");
    let podman = |args: &[&str]| {
        Command::new("podman")
            .arg(format!("--root={}", root.path().join("root").display()))
            .arg(format!("--runroot={}", root.path().join("run").display()))
            .args([
                "--storage-driver=vfs",
                "--events-backend=file",
                "--cgroup-manager=cgroupfs",
            ])
            .args(args)
            .output()
            .expect("run podman")
    };
    let images: Vec<_> = soak
        .content
        .images
        .iter()
        .filter(|i| !i.is_index)
        .cloned()
        .collect();
    while soak.running() {
        let image = rng.pick(&images).clone();
        let reference = soak.reference(&image.repo, &image.tag);
        if !podman(&["pull", "-q", "--tls-verify=false", &reference])
            .status
            .success()
        {
            soak.tally.error("podman pull");
            continue;
        }
        let inspect = podman(&["image", "inspect", "--format", "{{.Digest}}", &reference]);
        let recorded = String::from_utf8_lossy(&inspect.stdout).trim().to_owned();
        if recorded == image.digest {
            soak.tally.ok("podman pull");
        } else {
            soak.tally.corrupt(
                "podman pull",
                format!("{reference} recorded as {recorded:?}, not {}", image.digest),
            );
        }
        let _ = podman(&["rmi", "-f", &reference]);
    }
}

/// The dashboard's Verify in headless Chromium, for random images by digest.
pub async fn browser_verifies(soak: Arc<Soak>) {
    let mut rng = Rng::new(soak.seed, 500);
    let browser = Browser::start().await.expect("chromium");
    while soak.running() {
        let image = rng.pick(&soak.content.images).clone();
        let url = format!(
            "{}/i/{}/{}@{}",
            soak.strata, soak.upstream_host, image.repo, image.digest
        );
        if browser.open(&url).await.is_err()
            || browser
                .wait_text(
                    "[data-test=verify-verdict][data-done=true]",
                    Duration::from_secs(60),
                )
                .await
                .is_err()
        {
            soak.tally.error("browser verify");
            continue;
        }
        let verdict: String = browser
            .json("return document.querySelector('[data-test=verify-verdict]').dataset.state;")
            .await
            .unwrap_or_default();
        let states: Vec<(String, String)> = browser
            .json(
                "return Array.from(document.querySelectorAll('[data-test=verify-tree] > li')).map(li => [li.dataset.test, li.dataset.state]);",
            )
            .await
            .unwrap_or_default();
        if let Some((node, _)) = states.iter().find(|(_, state)| state == "mismatch") {
            soak.tally.corrupt(
                "browser verify",
                format!("{}: {node} mismatched", image.repo),
            );
        } else if verdict == "verified" {
            soak.tally.ok("browser verify");
        } else {
            soak.tally.error("browser verify");
        }
    }
    let _ = browser.close().await;
}

/// What the collector process did.
#[derive(Debug, Default, Clone, Copy)]
pub struct GcRuns {
    /// `strata gc` runs that succeeded.
    pub ok: u64,
    /// `strata gc` runs that failed.
    pub failed: u64,
    /// Images removed with `strata rm -f` first, so they are fetched again.
    pub removed: u64,
}

/// `strata gc` in a loop, as another process on the server's store; every
/// other round first removes a random image (`strata rm -f`), so its blobs
/// go and the next client fetches them from the faulty upstream again.
pub fn gc_loop(soak: &Soak, strata: &Path, store: &Path) -> GcRuns {
    let mut rng = Rng::new(soak.seed, 600);
    let mut runs = GcRuns::default();
    let cli = |args: &[&str]| {
        Command::new(strata)
            .env("STRATA_STORE", store)
            .args(args)
            .output()
            .expect("run strata")
    };
    let mut round = 0u64;
    while soak.running() {
        round += 1;
        if round.is_multiple_of(2) {
            let listed = cli(&["images", "-q", "--no-trunc"]);
            let ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
                .lines()
                .map(str::to_owned)
                .collect();
            if !ids.is_empty() && cli(&["rm", "-f", rng.pick(&ids).as_str()]).status.success() {
                runs.removed += 1;
            }
        }
        let gc = cli(&["gc"]);
        if gc.status.success() {
            runs.ok += 1;
        } else {
            runs.failed += 1;
            eprintln!(
                "soak: strata gc failed: {}",
                String::from_utf8_lossy(&gc.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(500 + rng.below(1000) as u64));
    }
    runs
}
