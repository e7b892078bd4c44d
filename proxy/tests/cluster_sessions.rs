//! The dashboard's sign-in across replicas (#17): two `strata serve
//! --private` processes with one token on one real PostgreSQL, each with
//! a store folder of its own, as behind a load balancer. The code replica
//! A printed signs in on replica B, once in all; the session opened on B
//! reads A and writes to A with its CSRF token; signing out on A ends it
//! on B too.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use test_support::StrataServer;
use test_support::eventually_async;
use test_support::postgres::Postgres;
use test_support::strata::StrataOptions;

const TOKEN: &str = "a-long-random-cluster-s3cret";

fn replica(database: &str) -> StrataServer {
    StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_DATABASE_URL", database)
        .env("STRATA_TOKEN", TOKEN)
        .arg("--private")
        .start()
        .expect("strata serve")
}

/// Signs in on `server` with `body`: the status, the `Cookie` header to
/// send back, and the answer.
async fn sign_in(server: &StrataServer, body: Value) -> (StatusCode, Option<String>, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/session/sign-in", server.url()))
        .json(&body)
        .send()
        .await
        .expect("sign in");
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let status = response.status();
    (status, cookie, response.json().await.unwrap_or(Value::Null))
}

/// `GET path` on `server` with `cookie`: its status.
async fn read(server: &StrataServer, path: &str, cookie: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}{path}", server.url()))
        .header(COOKIE, cookie)
        .send()
        .await
        .expect("GET")
        .status()
}

fn printed_code(server: &StrataServer) -> String {
    let link = server.sign_in_url().expect("a sign-in link");
    link.rsplit_once("code=").expect("a code").1.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_opened_on_one_replica_works_on_the_other() {
    let postgres = Postgres::start().expect("PostgreSQL");
    let database = postgres.create_database("sessions").expect("database");
    let (a, b) = (replica(&database), replica(&database));

    // A's code signs in on B, and only once in all.
    let code = printed_code(&a);
    let (status, cookie, session) = sign_in(&b, json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let cookie = cookie.expect("a session cookie");
    let csrf = session["csrf_token"].as_str().expect("csrf").to_owned();
    let (again, _, refusal) = sign_in(&a, json!({ "code": code })).await;
    assert_eq!(again, StatusCode::UNAUTHORIZED, "{refusal}");

    // B's session reads A, and writes to A with its CSRF token.
    assert_eq!(read(&a, "/api/v1/images", &cookie).await, StatusCode::OK);
    assert_eq!(
        read(&a, "/api/v1/images", "strata_session=forged").await,
        StatusCode::UNAUTHORIZED
    );
    let write = reqwest::Client::new()
        .post(format!("{}/api/v1/prune", a.url()))
        .header(COOKIE, &cookie)
        .header("x-strata-csrf", &csrf)
        .json(&json!({ "dry_run": true }))
        .send()
        .await
        .expect("prune preview");
    assert_eq!(
        write.status(),
        StatusCode::OK,
        "a write with the session on A"
    );
    let (state, answer) = {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/session", a.url()))
            .header(COOKIE, &cookie)
            .send()
            .await
            .expect("session");
        let body: Value = response.json().await.expect("json");
        (body["state"].clone(), body)
    };
    assert_eq!(state, "signed_in", "{answer}");
    assert_eq!(
        answer["csrf_token"],
        csrf.as_str(),
        "one CSRF token everywhere"
    );

    // Signing out on A ends the session on B too.
    let out = reqwest::Client::new()
        .post(format!("{}/api/v1/session/sign-out", a.url()))
        .header(COOKIE, &cookie)
        .header("x-strata-csrf", &csrf)
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), StatusCode::OK);
    eventually_async(
        Duration::from_secs(30),
        "B forgets the session A ended",
        async || match read(&b, "/api/v1/images", &cookie).await {
            StatusCode::UNAUTHORIZED => Ok(()),
            other => Err(other),
        },
    )
    .await;
}
