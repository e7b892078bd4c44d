//! `POST /api/v1/prune` on a running `strata serve`: refused without the
//! CSRF token, a dry run that changes nothing and says the bytes, then the
//! prune itself freeing exactly those bytes; pins keep images.

use test_support::cli::blob_sizes;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, fixtures};

fn stored_bytes(store: &std::path::Path) -> u64 {
    blob_sizes(store).values().sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_through_the_api() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .start()
        .expect("strata serve");
    let store = server.store().to_path_buf();
    let host = registry.host();
    let strata = |args: &[&str]| server.cli(env!("CARGO_BIN_EXE_strata"), &host, args);
    for (fixture, repo) in [
        ("test/labels:a", "test/x"),
        ("test/labels:b", "test/x"),
        ("lovelearnlinux/webserver:v1", "web"),
    ] {
        let pushed = registry
            .push_as(fixtures::get(fixture).expect("fixture"), repo, "t")
            .expect("push");
        strata(&["pull", "-q", &pushed.reference]);
    }
    let web = format!("{}/web:t", registry.host());
    strata(&["pin", &web, "--by", "prod"]);
    let dangling = strata(&["images", "-q", "--no-trunc", "--filter", "dangling=true"]);
    let dangling = dangling.trim();

    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/prune", server.url());
    let csrf = server.csrf_token(&http).await.expect("csrf token");
    let post = |body: serde_json::Value, token: Option<String>| {
        let mut request = http.post(&url).json(&body);
        if let Some(token) = token {
            request = request.header("x-strata-csrf", token);
        }
        async move {
            let r = request.send().await.expect("post");
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let count = || strata(&["images", "-q"]).lines().count();

    // No CSRF token: refused, nothing changes.
    let (status, body) = post(serde_json::json!({}), None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(count(), 3);
    let (status, body) = post(serde_json::json!({}), Some("wrong".into())).await;
    assert_eq!(status, 403, "{body}");

    // A dry run: the dangling image and the bytes only it uses.
    let before = stored_bytes(&store);
    let (status, preview) = post(serde_json::json!({"dry_run": true}), Some(csrf.clone())).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["dry_run"], true);
    assert_eq!(
        preview["images"].as_array().map(Vec::len),
        Some(1),
        "{preview}"
    );
    assert_eq!(preview["images"][0]["id"], dangling);
    assert_eq!(count(), 3);
    assert_eq!(stored_bytes(&store), before);

    // The prune frees what the dry run said.
    let (status, done) = post(serde_json::json!({}), Some(csrf.clone())).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["bytes"], preview["bytes"], "{done}");
    assert_eq!(
        before - stored_bytes(&store),
        done["bytes"].as_u64().expect("bytes")
    );
    assert!(
        done["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .any(|l| l == &serde_json::json!(format!("deleted: {dangling}"))),
        "{done}"
    );
    assert_eq!(count(), 2);

    // -a: the pinned image stays; the filter must parse.
    let (status, preview) = post(
        serde_json::json!({"all": true, "dry_run": true}),
        Some(csrf.clone()),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    let names: Vec<&str> = preview["images"][0]["names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(
        preview["images"].as_array().map(Vec::len),
        Some(1),
        "{preview}"
    );
    assert!(names.iter().any(|n| n.ends_with("/test/x:t")), "{preview}");
    let (status, body) = post(
        serde_json::json!({"filters": ["reference=x"]}),
        Some(csrf.clone()),
    )
    .await;
    assert!((400..500).contains(&status), "{status} {body}");
    let (status, done) = post(serde_json::json!({"all": true}), Some(csrf)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        strata(&["images", "--format", "{{.Repository}}:{{.Tag}}"]).trim(),
        web
    );
}
