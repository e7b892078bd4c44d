//! Pull progress seen from any replica (#17): two `strata serve` processes
//! on one real PostgreSQL, each with a store folder of its own, and a real
//! registry. A pull started on replica A is listed by replica B and its
//! events stream from B with the same numbers, ending the same way; the
//! ids of both replicas never collide; B hears again after its listening
//! connection is cut.

use std::time::Duration;

use serde_json::{Value, json};
use test_support::eventually_async;
use test_support::postgres::Postgres;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, StrataServer, fixtures};

/// How long a replica may take to hear of a pull (generous: a loaded CI).
const HEAR: Duration = Duration::from_secs(60);

/// The connections that listen for pulls: the statement they ran last.
const LISTENING: &str = "query = 'LISTEN strata_pulls'";

/// One replica and a client that passes its CSRF check.
struct Replica {
    server: StrataServer,
    http: reqwest::Client,
    csrf: String,
}

/// One event as a watcher receives it: its SSE id and its JSON.
type Sse = (String, Value);

impl Replica {
    async fn start(database: &str, registry: &Registry) -> Replica {
        let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
            .env("STRATA_DATABASE_URL", database)
            .env("STRATA_INSECURE_REGISTRIES", registry.host())
            .start()
            .expect("strata serve");
        let http = reqwest::Client::new();
        let csrf = server.csrf_token(&http).await.expect("csrf token");
        Replica { server, http, csrf }
    }

    /// Starts a pull of `reference`; its id.
    async fn pull(&self, reference: &str) -> u64 {
        let response = self
            .http
            .post(format!("{}/api/v1/pulls", self.server.url()))
            .header("x-strata-csrf", &self.csrf)
            .json(&json!({ "reference": reference }))
            .send()
            .await
            .expect("POST /api/v1/pulls");
        let status = response.status().as_u16();
        let info: Value = response.json().await.expect("json");
        assert_eq!(status, 200, "{info}");
        info["id"].as_u64().expect("id")
    }

    /// `GET /api/v1/pulls`.
    async fn pulls(&self) -> Vec<Value> {
        let list: Value = self
            .http
            .get(format!("{}/api/v1/pulls", self.server.url()))
            .send()
            .await
            .expect("GET /api/v1/pulls")
            .json()
            .await
            .expect("json");
        list.as_array().expect("a list").clone()
    }

    /// Pull `id` as listed, once it is, and ended.
    async fn ended(&self, id: u64) -> Value {
        eventually_async(HEAR, &format!("pull {id} listed as ended"), async || {
            let pulls = self.pulls().await;
            pulls
                .iter()
                .find(|p| p["id"] == id && p["done"] == true)
                .cloned()
                .ok_or(pulls)
        })
        .await
    }

    /// Pull `id`'s events, read until the stream ends with the pull.
    async fn events(&self, id: u64) -> Vec<Sse> {
        let response = self
            .http
            .get(format!("{}/api/v1/pulls/{id}/events", self.server.url()))
            .send()
            .await
            .expect("GET events");
        assert_eq!(response.status().as_u16(), 200, "pull {id} is known");
        let body = response
            .text()
            .await
            .expect("the stream ends with the pull");
        let mut events = Vec::new();
        let mut sse_id = String::new();
        for line in body.lines() {
            if let Some(n) = line.strip_prefix("id:") {
                sse_id = n.trim().to_owned();
            } else if let Some(data) = line.strip_prefix("data:") {
                let event = serde_json::from_str(data.trim()).expect("event json");
                events.push((std::mem::take(&mut sse_id), event));
            }
        }
        events
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_on_one_replica_streams_from_the_other() {
    let postgres = Postgres::start().expect("PostgreSQL");
    let database = postgres.create_database("cluster").expect("database");
    let registry = Registry::start(Auth::Open).expect("registry");
    let v1 = registry
        .push(fixtures::get("lovelearnlinux/webserver:v1").expect("fixture"))
        .expect("push");
    let a = Replica::start(&database, &registry).await;
    let b = Replica::start(&database, &registry).await;

    // A pull on A: B lists it, and streams the same events, numbered the same.
    let id = a.pull(&v1.reference).await;
    let on_b = b.ended(id).await;
    assert_eq!(on_b["reference"], v1.reference.as_str(), "{on_b}");
    assert_eq!(on_b["error"], Value::Null, "{on_b}");
    let from_b = b.events(id).await;
    let from_a = a.events(id).await;
    assert_eq!(from_b, from_a);
    let numbers: Vec<String> = (0..from_a.len()).map(|n| n.to_string()).collect();
    assert_eq!(
        from_b.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        numbers,
        "every event, once, in order"
    );
    let events: Vec<&Value> = from_b.iter().map(|(_, e)| e).collect();
    assert_eq!(
        events.first().map(|e| &e["event"]),
        Some(&json!("pulling_from"))
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "digest" && e["digest"] == v1.digest.as_str()),
        "{events:?}"
    );
    assert_eq!(events.last().map(|e| &e["event"]), Some(&json!("done")));

    // A pull that fails on A shows as failed on B.
    let missing = format!("{}/lovelearnlinux/webserver:nope", registry.host());
    let failed_id = a.pull(&missing).await;
    let failed = b.ended(failed_id).await;
    let error = failed["error"].as_str().unwrap_or_default();
    assert!(error.contains("not found"), "{failed}");
    let from_b = b.events(failed_id).await;
    assert_eq!(from_b, a.events(failed_id).await);
    let (_, last) = from_b.last().expect("events");
    assert_eq!(last["event"], "failed");
    assert_eq!(last["message"], error);

    // B numbers its pulls apart from A's, and A lists them.
    let b_id = b.pull(&missing).await;
    assert!(![id, failed_id].contains(&b_id), "{b_id}");
    a.ended(b_id).await;
    let listed: Vec<u64> = a
        .pulls()
        .await
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    assert_eq!(listed, [b_id, failed_id, id], "newest first, each once");

    // Cut every listening connection: the replicas listen again, and B
    // hears of A's next pull.
    let listeners = postgres
        .psql(
            "cluster",
            &format!("SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE {LISTENING}"),
        )
        .expect("the listening connections");
    assert_eq!(
        listeners.split(',').count(),
        2,
        "one per replica: {listeners}"
    );
    postgres
        .psql(
            "cluster",
            &format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN ({listeners})"
            ),
        )
        .expect("cut the listening connections");
    let new_listeners = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE {LISTENING} AND pid NOT IN ({listeners})"
    );
    eventually_async(HEAR, "both replicas listen again", async || {
        postgres
            .psql("cluster", &new_listeners)
            .is_ok_and(|n| n == "2")
    })
    .await;
    let again = a.pull(&v1.reference).await;
    b.ended(again).await;
    let from_b = b.events(again).await;
    assert_eq!(from_b, a.events(again).await);
    assert_eq!(
        from_b.last().map(|(_, e)| &e["event"]),
        Some(&json!("done"))
    );
}
