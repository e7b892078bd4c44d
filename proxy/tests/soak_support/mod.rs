//! The soak test's parts (`soak.rs`): what the registry holds and every
//! client must get back byte for byte ([`Content`]), what the clients saw
//! ([`Tally`]), and the clients themselves ([`clients`]).

pub mod clients;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use test_support::Registry;
use test_support::fixtures::layer::sha256;

/// The manifest types a client accepts.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// An image pushed to the registry under `repo:tag`.
#[derive(Debug, Clone)]
pub struct Image {
    /// `library/redis`.
    pub repo: String,
    /// `latest`.
    pub tag: String,
    /// The digest of its manifest or index.
    pub digest: String,
    /// Whether the top object is an index.
    pub is_index: bool,
}

/// A blob or manifest, with its bytes as the registry holds them.
#[derive(Debug, Clone)]
pub struct Object {
    /// The repository it is reachable in.
    pub repo: String,
    /// `sha256:…`.
    pub digest: String,
    /// The bytes.
    pub bytes: Arc<Vec<u8>>,
}

/// Everything pushed, read straight from the registry (not through the
/// faulty proxy) before the soak starts.
#[derive(Debug, Default)]
pub struct Content {
    /// The images, by tag.
    pub images: Vec<Image>,
    /// Every manifest and index.
    pub manifests: Vec<Object>,
    /// Every config and layer.
    pub blobs: Vec<Object>,
}

impl Content {
    /// Reads `images` and everything they name from `registry`.
    pub async fn read(registry: &Registry, images: Vec<Image>) -> Content {
        let http = reqwest::Client::new();
        let get = async |path: String| -> Vec<u8> {
            let response = http
                .get(format!("{}/v2/{path}", registry.url()))
                .header("accept", ACCEPT)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            assert!(response.status().is_success(), "{path}");
            response.bytes().await.expect("body").to_vec()
        };
        let mut content = Content::default();
        for image in &images {
            let mut pending = vec![image.digest.clone()];
            while let Some(digest) = pending.pop() {
                let bytes = get(format!("{}/manifests/{digest}", image.repo)).await;
                assert_eq!(sha256(&bytes), digest);
                let manifest: Value = serde_json::from_slice(&bytes).expect("manifest json");
                content.manifests.push(Object {
                    repo: image.repo.clone(),
                    digest,
                    bytes: Arc::new(bytes),
                });
                let children = manifest["manifests"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                pending.extend(
                    children
                        .iter()
                        .filter_map(|m| m["digest"].as_str().map(str::to_owned)),
                );
                let blobs = manifest["layers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .chain([manifest["config"].clone()]);
                for blob in blobs {
                    let Some(digest) = blob["digest"].as_str() else {
                        continue;
                    };
                    if content.blobs.iter().any(|b| b.digest == digest) {
                        continue;
                    }
                    let bytes = get(format!("{}/blobs/{digest}", image.repo)).await;
                    assert_eq!(sha256(&bytes), digest);
                    content.blobs.push(Object {
                        repo: image.repo.clone(),
                        digest: digest.to_owned(),
                        bytes: Arc::new(bytes),
                    });
                }
            }
        }
        content.images = images;
        content
    }
}

/// What one kind of client saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Deliveries checked and right.
    pub ok: u64,
    /// Errors: a status other than success, a cut body, a failed tool.
    pub errors: u64,
}

/// What every client saw, shared between them.
#[derive(Debug, Default)]
pub struct Tally {
    by_client: Mutex<BTreeMap<&'static str, Counts>>,
    corrupt: Mutex<Vec<String>>,
    /// HTTP responses strata sent the test's own clients (any status).
    pub answered: AtomicU64,
    latencies: Mutex<Vec<(Duration, Instant)>>,
    in_flight: AtomicUsize,
    /// The most blob requests in flight at once.
    pub peak: AtomicUsize,
}

impl Tally {
    /// A right delivery to `client`.
    pub fn ok(&self, client: &'static str) {
        self.count(client, |c| c.ok += 1);
    }

    /// An error seen by `client` (not wrong bytes).
    pub fn error(&self, client: &'static str) {
        self.count(client, |c| c.errors += 1);
    }

    /// Wrong bytes delivered whole: what must never happen.
    pub fn corrupt(&self, client: &'static str, what: String) {
        eprintln!("soak: CORRUPT delivery to {client}: {what}");
        self.corrupt
            .lock()
            .expect("lock")
            .push(format!("{client}: {what}"));
    }

    fn count(&self, client: &'static str, f: impl FnOnce(&mut Counts)) {
        f(self
            .by_client
            .lock()
            .expect("lock")
            .entry(client)
            .or_default());
    }

    /// The corrupt deliveries so far.
    pub fn corrupt_deliveries(&self) -> Vec<String> {
        self.corrupt.lock().expect("lock").clone()
    }

    /// Counts by client.
    pub fn by_client(&self) -> BTreeMap<&'static str, Counts> {
        self.by_client.lock().expect("lock").clone()
    }

    /// Records one `/api/v1/version` answer's latency, for a request sent at `sent`.
    pub fn latency(&self, took: Duration, sent: Instant) {
        self.latencies.lock().expect("lock").push((took, sent));
    }

    /// The latencies recorded with when each request was sent, sorted by latency.
    pub fn latencies(&self) -> Vec<(Duration, Instant)> {
        let mut all = self.latencies.lock().expect("lock").clone();
        all.sort();
        all
    }

    /// Marks a blob request in flight until the guard drops.
    pub fn in_flight(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        InFlight(self.clone())
    }
}

/// A blob request in flight (see [`Tally::in_flight`]).
pub struct InFlight(Arc<Tally>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What every client shares: where strata is, what it should deliver,
/// until when, and the tally.
#[derive(Debug)]
pub struct Soak {
    /// `http://127.0.0.1:PORT` of strata (the same across restarts).
    pub strata: String,
    /// The upstream as strata's `/v2` names it (`127.0.0.1_PORT`).
    pub upstream: String,
    /// The upstream's `host:port`, for image references.
    pub upstream_host: String,
    /// What the registry holds.
    pub content: Content,
    /// When clients stop starting new work.
    pub deadline: Instant,
    /// The seed of every random choice.
    pub seed: u64,
    /// What the clients saw.
    pub tally: Arc<Tally>,
}

impl Soak {
    /// Whether the soak is still running.
    pub fn running(&self) -> bool {
        Instant::now() < self.deadline
    }

    /// `http://strata/v2/<upstream>/<repo>`.
    pub fn v2(&self, repo: &str) -> String {
        format!("{}/v2/{}/{repo}", self.strata, self.upstream)
    }

    /// `127.0.0.1:STRATA/<upstream>/<repo>`, for skopeo and podman.
    pub fn reference(&self, repo: &str, tag: &str) -> String {
        format!(
            "{}/{}/{repo}:{tag}",
            self.strata.trim_start_matches("http://"),
            self.upstream
        )
    }
}

/// A small seeded generator (SplitMix64), one per client.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for client `stream` of the run seeded with `seed`.
    pub fn new(seed: u64, stream: u64) -> Rng {
        Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 for `n == 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A fraction in `[0, 1)`.
    pub fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}
