//! Helpers shared by the `/v2` integration tests (`serve_v2`,
//! `serve_v2_store`): `strata serve` in front of test registries, requests
//! through its `/v2` with what came back, and what the store holds.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use test_support::cli::{Cli, files_under};
use test_support::registry::Pushed;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, poll_async};

/// The manifest types a client accepts (what `get` sends).
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// `strata serve` reaching `upstreams` over plain http, with the Docker
/// config (credentials) of `cli`.
pub fn serve(upstreams: &[String], cli: &Cli) -> StrataServer {
    StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", upstreams.join(","))
        .env(
            "DOCKER_CONFIG",
            cli.dir.path().join("docker").display().to_string(),
        )
        .start()
        .expect("strata serve")
}

/// `http://strata/v2/<host with _>/<repo>`.
pub fn v2(server: &StrataServer, upstream: &str, repo: &str) -> String {
    format!("{}/v2/{}/{repo}", server.url(), upstream.replace(':', "_"))
}

/// A response, with its body or the error that cut it short.
pub struct Got {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Result<Vec<u8>, String>,
}

impl Got {
    /// The body; panics if it failed.
    pub fn bytes(&self) -> &[u8] {
        match &self.body {
            Ok(b) => b,
            Err(e) => panic!("the body failed: {e}"),
        }
    }

    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(self.bytes())
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(self.bytes())))
    }

    /// The code of a distribution error body (`errors[0].code`).
    pub fn code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A header's value, empty when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Sends `method url` with `headers`; checks the answer speaks the
/// distribution API (`Docker-Distribution-API-Version: registry/2.0`).
pub async fn send(method: reqwest::Method, url: &str, headers: &[(&str, &str)]) -> Got {
    let http = reqwest::Client::new();
    let mut request = http.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map(|b| b.to_vec())
        .map_err(|e| format!("{e:?}"));
    assert_eq!(
        headers
            .get("docker-distribution-api-version")
            .and_then(|v| v.to_str().ok()),
        Some("registry/2.0"),
        "{url}"
    );
    Got {
        status,
        headers,
        body,
    }
}

/// `GET url`, accepting every manifest type ([`ACCEPT`]).
pub async fn get(url: &str) -> Got {
    send(reqwest::Method::GET, url, &[("accept", ACCEPT)]).await
}

/// `n` GETs of `url` at once, each answer in the order started.
pub async fn get_concurrently(url: &str, n: usize) -> Vec<Got> {
    let requests: Vec<_> = (0..n)
        .map(|_| {
            tokio::spawn({
                let url = url.to_owned();
                async move { get(&url).await }
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for request in requests {
        answers.push(request.await.expect("join"));
    }
    answers
}

/// Whether the server's store holds the blob `digest`.
pub fn stored(server: &StrataServer, digest: &str) -> bool {
    server
        .store()
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
        .is_file()
}

/// Waits (up to 10 s) until `digest` is in the store: a cold transfer hands
/// the client its last verified bytes just before the fsync and rename.
pub async fn wait_stored(server: &StrataServer, digest: &str) -> bool {
    poll_async(std::time::Duration::from_secs(10), async || {
        stored(server, digest)
    })
    .await
    .is_ok()
}

/// `strata ARGS` on the server's store; (success, stdout, stderr).
pub fn strata(cli: &Cli, server: &StrataServer, args: &[&str]) -> (bool, String, String) {
    let output = cli
        .command(&[])
        .env("STRATA_STORE", server.store())
        .args(args)
        .output()
        .expect("run strata");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `strata gc` on the server's store, in a process of its own; returns
/// what it printed.
pub fn gc_in_cli(cli: &Cli, server: &StrataServer) -> String {
    let (ok, out, err) = strata(cli, server, &["gc"]);
    assert!(ok, "strata gc failed: {err}");
    out
}

/// `strata images --digests --no-trunc` on the server's store, once it
/// lists `wanted` (an image cached through `/v2` is recorded after the
/// response that completed it); panics after 20 s.
pub async fn images_listing(cli: &Cli, server: &StrataServer, wanted: &str) -> String {
    poll_async(std::time::Duration::from_secs(20), async || {
        let (ok, out, err) = strata(cli, server, &["images", "--digests", "--no-trunc"]);
        assert!(ok, "{err}");
        if out.contains(wanted) {
            Ok(out)
        } else {
            Err(out)
        }
    })
    .await
    .unwrap_or_else(|timed_out| panic!("{wanted} is not listed:\n{}", timed_out.last))
}

/// The blob and manifest digests an image or index names, with sizes.
pub fn children(manifest: &Value) -> (Vec<String>, Vec<(String, u64)>) {
    let digest = |d: &Value| d["digest"].as_str().expect("digest").to_owned();
    match manifest["manifests"].as_array() {
        Some(manifests) => (manifests.iter().map(digest).collect(), Vec::new()),
        None => {
            let mut blobs = vec![(
                digest(&manifest["config"]),
                manifest["config"]["size"].as_u64().expect("size"),
            )];
            for layer in manifest["layers"].as_array().expect("layers") {
                blobs.push((digest(layer), layer["size"].as_u64().expect("size")));
            }
            (Vec::new(), blobs)
        }
    }
}

/// The files left in the store's ingest folder (transfers in flight or abandoned).
pub fn ingest_files(server: &StrataServer) -> Vec<std::path::PathBuf> {
    files_under(&server.store().join("ingest"))
}

/// A registry holding `library/redis:latest` (six layers), with what was
/// pushed, every blob its manifest names (with sizes) and the largest one.
pub struct Redis {
    /// The registry.
    pub registry: Registry,
    /// The pushed image.
    pub pushed: Pushed,
    /// The config and layers, with sizes.
    pub blobs: Vec<(String, u64)>,
    /// The largest blob's digest.
    pub layer: String,
    /// Its size.
    pub size: u64,
}

/// Starts an open registry and pushes redis into it: see [`Redis`].
pub fn redis_registry() -> Redis {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push_fixture("library/redis:latest")
        .expect("push redis");
    let manifest: Value = serde_json::from_slice(
        &registry
            .raw_manifest("library/redis", &pushed.digest)
            .expect("raw"),
    )
    .expect("json");
    let (_, blobs) = children(&manifest);
    let (layer, size) = blobs
        .iter()
        .max_by_key(|(_, size)| *size)
        .expect("a layer")
        .clone();
    Redis {
        registry,
        pushed,
        blobs,
        layer,
        size,
    }
}
