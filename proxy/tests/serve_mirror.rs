//! `strata serve` as a registry mirror, driven by the real clients with
//! their own mirror configuration and unchanged image names:
//!
//! - containerd (`ctr images pull --hosts-dir`), with a `hosts.toml` for
//!   `docker.io` and one for `_default` (every other registry, through
//!   containerd's `?ns=`);
//! - podman, with a `registries.conf` `[[registry.mirror]]`.
//!
//! Docker Hub is the real distribution registry here
//! (`STRATA_HUB_REGISTRY`), and the clients' own fallback to the registry
//! is a closed loopback port, so a pull can only succeed through strata.

use std::process::Command;

use serde_json::Value;
use test_support::containerd::Containerd;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, run};

/// A closed port on loopback, standing in for the registry the clients
/// would fall back to without the mirror.
const NOWHERE: &str = "127.0.0.1:1";

/// `strata serve` with `registry` as Docker Hub.
fn mirror_for(registry: &Registry) -> StrataServer {
    StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_HUB_REGISTRY", registry.url())
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .start()
        .expect("strata serve")
}

/// The images strata recorded: `(repository:tag, manifest digest)`,
/// repositories in their familiar form (`redis`).
async fn recorded(server: &StrataServer) -> Vec<(String, String)> {
    let page: Value = reqwest::get(format!("{}/api/v1/images?digests=true", server.url()))
        .await
        .expect("GET /api/v1/images")
        .json()
        .await
        .expect("json");
    page["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let field = |key: &str| row[key].as_str().unwrap_or_default().to_owned();
            (
                format!("{}:{}", field("repository"), field("tag")),
                field("digest"),
            )
        })
        .collect()
}

/// Waits until strata recorded `reference` (recording runs once the
/// image's last blob is stored).
async fn wait_recorded(server: &StrataServer, reference: &str) -> Vec<(String, String)> {
    test_support::poll_async(std::time::Duration::from_secs(20), async || {
        let all = recorded(server).await;
        all.iter().any(|(r, _)| r == reference).then_some(all)
    })
    .await
    .unwrap_or_else(|seen| panic!("strata never recorded {reference}: {seen:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn containerd_pulls_through_strata_with_unchanged_names() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry
        .push_fixture("library/redis:latest")
        .expect("push redis");
    let app = registry
        .push_as(
            test_support::fixtures::get("library/alpine:latest").expect("fixture"),
            "team/app",
            "v1",
        )
        .expect("push team/app");
    let server = mirror_for(&registry);
    let containerd = Containerd::start().expect("containerd");
    // As on a node: docker.io's own hosts.toml, and `_default` for every
    // other registry (containerd adds `?ns=<registry>` to each request).
    let mirror = format!(
        "[host.\"{}\"]\n  capabilities = [\"pull\", \"resolve\"]\n",
        server.url()
    );
    containerd
        .write_hosts(
            "docker.io",
            &format!("server = \"http://{NOWHERE}\"\n\n{mirror}"),
        )
        .expect("docker.io hosts.toml");
    containerd
        .write_hosts("_default", &mirror)
        .expect("_default hosts.toml");
    let hosts = containerd.hosts_dir();
    let pull = |name: &str| {
        run(containerd
            .ctr()
            .args(["images", "pull", "--snapshotter", "native", "--hosts-dir"])
            .arg(&hosts)
            .arg(name))
    };

    pull("docker.io/library/redis:latest");
    let listed = run(containerd.ctr().args(["images", "ls"]));
    assert!(
        listed.contains("docker.io/library/redis:latest") && listed.contains(&redis.digest),
        "{listed}"
    );
    let hub = wait_recorded(&server, "redis:latest").await;
    assert!(
        hub.contains(&("redis:latest".into(), redis.digest.clone())),
        "{hub:?}"
    );

    // Another registry, through `_default` and `?ns=`; its fallback is
    // the registry itself, so strata's record is what shows the mirror
    // served it.
    let name = format!("{}/team/app:v1", registry.host());
    pull(&name);
    let all = wait_recorded(&server, &name).await;
    assert!(all.contains(&(name.clone(), app.digest.clone())), "{all:?}");

    // The registry `ns` chose is named in the answer (the distribution
    // spec's `OCI-Namespace`); a name without `ns` is on Docker Hub.
    let ns = reqwest::get(format!(
        "{}/v2/team/app/manifests/v1?ns={}",
        server.url(),
        registry.host()
    ))
    .await
    .expect("GET with ns");
    assert_eq!(ns.status(), reqwest::StatusCode::OK);
    assert_eq!(
        ns.headers()["oci-namespace"].to_str().ok(),
        Some(registry.host().as_str())
    );
    let hub = reqwest::get(format!("{}/v2/redis/manifests/latest", server.url()))
        .await
        .expect("GET without ns");
    assert_eq!(hub.status(), reqwest::StatusCode::OK);
    assert!(!hub.headers().contains_key("oci-namespace"));
    assert_eq!(
        hub.headers()["docker-content-digest"].to_str().ok(),
        Some(redis.digest.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn podman_pulls_through_strata_as_a_registry_mirror() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let redis = registry
        .push_fixture("library/redis:latest")
        .expect("push redis");
    let server = mirror_for(&registry);
    let dir = test_support::scratch::dir("podman-mirror").expect("scratch");
    let conf = dir.path().join("registries.conf");
    std::fs::write(
        &conf,
        format!(
            r#"unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "docker.io"
location = "{NOWHERE}"

[[registry.mirror]]
location = "{}"
insecure = true
"#,
            server.host()
        ),
    )
    .expect("registries.conf");
    let podman = |args: &[&str]| {
        run(Command::new("podman")
            .env("CONTAINERS_REGISTRIES_CONF", &conf)
            .arg(format!("--root={}", dir.path().join("root").display()))
            .arg(format!("--runroot={}", dir.path().join("run").display()))
            .args([
                "--storage-driver=vfs",
                "--events-backend=file",
                "--cgroup-manager=cgroupfs",
            ])
            .args(args))
    };
    // A short name, as people type it: docker.io/library/redis, mirrored.
    podman(&["pull", "-q", "redis"]);
    let digest = podman(&[
        "image",
        "inspect",
        "--format",
        "{{.Digest}}",
        "docker.io/library/redis:latest",
    ]);
    assert_eq!(digest.trim(), redis.digest);
    let hub = wait_recorded(&server, "redis:latest").await;
    assert!(
        hub.contains(&("redis:latest".into(), redis.digest.clone())),
        "{hub:?}"
    );
}

/// Docker's `registry-mirrors` (dockerd from Debian's `docker.io`), in a
/// network namespace of its own (`mirror_docker/run.sh`): `docker pull
/// redis` gets the digest that was pushed, through strata, which records
/// the image; then `strata save` → `docker load` and `docker save` →
/// `strata load` keep its ID.
#[test]
fn docker_pulls_through_strata_as_its_registry_mirror() {
    let fixture = test_support::fixtures::get("library/redis:latest").expect("fixture");
    let work = test_support::scratch::dir("docker-mirror").expect("scratch");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mirror_docker/run.sh");
    let out = run(Command::new(script)
        .arg(env!("CARGO_BIN_EXE_strata"))
        .arg(&fixture.layout)
        .arg(work.path()));
    let field = |key: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {out}"))
            .trim()
            .to_owned()
    };
    let pushed = field("pushed=");
    assert_eq!(field("docker="), format!("redis@{pushed}"), "{out}");
    assert!(out.contains(&format!("redis:latest {pushed}")), "{out}");
    // The archives both ways keep the image ID: docker loads what strata
    // saved, and strata loads what docker saved.
    let id = field("strata_id=");
    assert!(id.starts_with("sha256:"), "{out}");
    assert_eq!(field("docker_loaded_id="), id, "{out}");
    assert_eq!(field("strata_loaded="), id, "{out}");
}
