//! The dashboard API on a running `strata serve` with the real registry:
//! pulls with live events, the images table, detail, rm with a pin conflict.

use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, fixtures};

struct Api {
    server: StrataServer,
    http: reqwest::Client,
    csrf: String,
}

impl Api {
    async fn start(registry: &Registry) -> Self {
        Self::connect(
            StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
                .env("STRATA_INSECURE_REGISTRIES", registry.host()),
        )
        .await
    }

    /// Starts `strata serve` with `options` and fetches the CSRF token.
    async fn connect(options: StrataOptions) -> Self {
        let server = options.start().expect("strata serve");
        let http = reqwest::Client::new();
        let session: serde_json::Value = http
            .get(format!("{}/api/v1/session", server.url()))
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let csrf = session["csrf_token"].as_str().expect("token").to_owned();
        Self { server, http, csrf }
    }

    async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.server.url()))
            .send()
            .await
            .expect("get");
        (
            r.status().as_u16(),
            r.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.server.url()))
            .header("x-strata-csrf", &self.csrf)
            .json(&body)
            .send()
            .await
            .expect("post");
        (
            r.status().as_u16(),
            r.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// Starts a pull and reads its SSE stream to the end; returns the events.
    async fn pull(&self, reference: &str) -> Vec<serde_json::Value> {
        let (status, info) = self
            .post("/api/v1/pulls", serde_json::json!({"reference": reference}))
            .await;
        assert_eq!(status, 200, "{info}");
        self.events(info["id"].as_u64().expect("id"), None).await
    }

    async fn events(&self, id: u64, last_event_id: Option<&str>) -> Vec<serde_json::Value> {
        let mut request = self
            .http
            .get(format!("{}/api/v1/pulls/{id}/events", self.server.url()));
        if let Some(last) = last_event_id {
            request = request.header("last-event-id", last);
        }
        let body = request
            .send()
            .await
            .expect("events")
            .text()
            .await
            .expect("stream ends with the pull");
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|d| serde_json::from_str(d.trim()).expect("event json"))
            .collect()
    }
}

fn layer_states(events: &[serde_json::Value], state: &str) -> usize {
    events
        .iter()
        .filter(|e| e["event"] == "layer" && e["status"]["state"] == state)
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_images_and_manage_them_through_the_api() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let v1 = registry
        .push(fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"))
        .expect("push");
    let v2 = registry
        .push(fixtures::get("lovelearnlinux/webserver:v2").expect("fixture"))
        .expect("push");
    let api = Api::start(&registry).await;

    let events = api.pull(&v1.reference).await;
    assert_eq!(layer_states(&events, "pull_complete"), 3, "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "digest" && e["digest"] == v1.digest.as_str())
    );
    assert_eq!(events.last().expect("events")["event"], "done");

    let events = api.pull(&v2.reference).await;
    assert_eq!(layer_states(&events, "already_exists"), 2, "{events:?}");
    assert_eq!(layer_states(&events, "pull_complete"), 1, "{events:?}");

    // A second watcher joining after the end sees the same events; a reconnect resumes.
    let (_, pulls) = api.get("/api/v1/pulls").await;
    let id = pulls[0]["id"].as_u64().expect("id");
    assert_eq!(pulls[0]["done"], true);
    let replay = api.events(id, None).await;
    assert_eq!(replay, events);
    let resumed = api.events(id, Some("2")).await;
    assert_eq!(resumed.as_slice(), &events[3..]);
    // A Last-Event-ID past anything sent replays nothing, and the stream ends.
    assert!(
        api.events(id, Some(&usize::MAX.to_string()))
            .await
            .is_empty()
    );
    // Another server (a restart) numbers its pulls apart, so a page still
    // watching a pull of this one never gets another pull's events.
    let restarted = Api::start(&registry).await;
    let (status, info) = restarted
        .post(
            "/api/v1/pulls",
            serde_json::json!({"reference": v1.reference}),
        )
        .await;
    assert_eq!(status, 200, "{info}");
    let new_id = info["id"].as_u64().expect("id");
    let old_ids: Vec<u64> = pulls
        .as_array()
        .expect("pulls")
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    assert!(!old_ids.contains(&new_id), "{new_id} in {old_ids:?}");

    let (status, bad) = api
        .post(
            "/api/v1/pulls",
            serde_json::json!({"reference": "Not A Ref"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(bad["code"], "invalid_input");
    let failed = api
        .pull(&format!(
            "{}/lovelearnlinux/webserver:nope",
            registry.host()
        ))
        .await;
    let last = failed.last().expect("event");
    assert_eq!(last["event"], "failed");
    assert!(
        last["message"]
            .as_str()
            .expect("message")
            .contains("not found"),
        "{last}"
    );

    let (status, list) = api
        .get("/api/v1/images?filter=reference%3D*%2F*%2F*%3Av1")
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["rows"][0]["tag"], "v1");
    let (_, all) = api.get("/api/v1/images?sort=tag&order=asc").await;
    let tags: Vec<&str> = all["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["tag"].as_str())
        .collect();
    assert_eq!(tags, ["v1", "v2"]);

    let name = format!("{}/lovelearnlinux/webserver:v1", registry.host());
    let (status, detail) = api.get(&format!("/api/v1/images/{name}")).await;
    assert_eq!(status, 200, "{detail}");
    let layers = detail["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 3);
    let shared_count = layers
        .iter()
        .filter(|l| !l["shared_with"].as_array().expect("list").is_empty())
        .count();
    assert_eq!(shared_count, 2, "{detail}");
    assert_eq!(
        detail["inspect"]["Config"]["Cmd"],
        serde_json::json!(["httpd", "-f"])
    );
    let (_, usage) = api.get("/api/v1/usage").await;
    assert!(usage["bytes_saved"].as_u64().expect("saved") > 0, "{usage}");

    let (status, _) = api
        .post(
            "/api/v1/pins",
            serde_json::json!({"image": name, "by": "prod"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, outcome) = api
        .post(
            "/api/v1/rm",
            serde_json::json!({"images": [name], "force": false}),
        )
        .await;
    assert_eq!(status, 200);
    let error = outcome[0]["error"].as_str().expect("conflict");
    assert!(
        error.contains("prod") && error.contains("must force"),
        "{error}"
    );
    let (_, outcome) = api
        .post(
            "/api/v1/rm",
            serde_json::json!({"images": [name], "force": true}),
        )
        .await;
    let lines: Vec<&str> = outcome[0]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(
        lines.iter().any(|l| l.starts_with("Deleted: sha256:")),
        "{lines:?}"
    );
    let (_, after) = api.get("/api/v1/images").await;
    assert_eq!(after["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn upstreams_on_private_addresses_are_refused_unless_allowed() {
    let registry = Registry::start(Auth::Open).expect("registry");
    registry
        .push(fixtures::get("library/alpine:latest").expect("fixture"))
        .expect("push");
    // No --insecure-registry / --allow-registry: the loopback registry is off limits.
    let refusing = Api::connect(StrataOptions::new(env!("CARGO_BIN_EXE_strata"))).await;
    let port = registry.addr().port();
    // Only addresses of this machine: the policy refuses them before any connection.
    let targets = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("127.0.0.2:{port}"),
        format!("[::1]:{port}"),
        format!("0.0.0.0:{port}"),
        format!("[::ffff:7f00:1]:{port}"),
    ];
    for target in targets {
        let events = refusing
            .pull(&format!("{target}/library/alpine:latest"))
            .await;
        let last = events.last().expect("events");
        assert_eq!(last["event"], "failed", "{target}: {events:?}");
        assert!(
            last["message"]
                .as_str()
                .is_some_and(|m| m.contains("--allow-registry")),
            "{target}: {last}"
        );
    }
    let (_, listed) = refusing.get("/api/v1/images").await;
    assert_eq!(listed["total"], 0);

    // Allowed explicitly, the same registry works.
    let api = Api::connect(
        StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
            .arg(format!("--allow-registry=127.0.0.1:{port}"))
            .arg(format!("--insecure-registry=127.0.0.1:{port}")),
    )
    .await;
    let events = api
        .pull(&format!("127.0.0.1:{port}/library/alpine:latest"))
        .await;
    assert_eq!(
        events.last().expect("events")["event"],
        "done",
        "{events:?}"
    );
}

#[test]
fn non_loopback_binding_needs_a_token() {
    let dist = tempfile::tempdir().expect("tmp");
    std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["serve", "--listen", "0.0.0.0:0", "--store"])
        .arg(dist.path().join("store"))
        .arg("--dist")
        .arg(dist.path())
        .env_remove("STRATA_TOKEN")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("--token-file"), "{err}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["serve", "--private", "--store"])
        .arg(dist.path().join("store"))
        .arg("--dist")
        .arg(dist.path())
        .env_remove("STRATA_TOKEN")
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--private needs a token"));
}

#[tokio::test(flavor = "multi_thread")]
async fn store_failures_do_not_show_the_stores_paths() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let pushed = registry
        .push(fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"))
        .expect("push");
    let api = Api::start(&registry).await;
    // The store cannot write: its ingest folder is a file now (refused
    // even to root).
    let ingest = api.server.store().join("ingest");
    if ingest.is_dir() {
        std::fs::remove_dir_all(&ingest).expect("remove ingest");
    }
    std::fs::write(&ingest, b"not a folder").expect("write");

    let events = api.pull(&pushed.reference).await;
    let failed = events.last().expect("events");
    assert_eq!(failed["event"], "failed", "{events:?}");
    let store = api.server.store().display().to_string();
    let everything = serde_json::Value::Array(events.clone()).to_string();
    assert!(!everything.contains(&store), "{store} in {everything}");
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.contains("see the server log")),
        "{failed}"
    );
}
