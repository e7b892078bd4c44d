//! `strata search` against a fixture of Docker Hub's search index and the
//! real distribution registry's catalog, and `/api/v1/search`.

use std::process::Command;

use test_support::search_index::SearchIndex;
use test_support::strata::StrataOptions;
use test_support::{Auth, Registry, fixtures};

fn search(index: &SearchIndex, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("search")
        .arg(format!("--index-url={}", index.url()))
        .args(args)
        .env_remove("STRATA_INDEX_URL")
        .output()
        .expect("run strata");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn names(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn index_search_with_filters_limits_and_truncation() {
    let index = SearchIndex::start().expect("index");
    let (ok, out, err) = search(&index, &["redis"]);
    assert!(ok, "{err}");
    let header = out.lines().next().expect("header");
    for column in ["NAME", "DESCRIPTION", "STARS", "OFFICIAL"] {
        assert!(header.contains(column), "{header}");
    }
    assert_eq!(
        names(&out),
        [
            "redis",
            "bitnami/redis",
            "someone/redis-tools",
            "redislabs/redisearch"
        ]
    );
    assert!(
        out.contains("Redis is the world's fastest data platform f…"),
        "cut to 45: {out}"
    );
    assert!(out.lines().nth(1).expect("row").contains("[OK]"));

    let (_, full, _) = search(&index, &["--no-trunc", "redis"]);
    assert!(
        full.contains("caching, vector search, and NoSQL databases."),
        "{full}"
    );

    let cases: &[(&[&str], &[&str])] = &[
        (&["--filter", "is-official=true", "redis"], &["redis"]),
        (
            &["--filter", "is-official=false", "redis"],
            &[
                "bitnami/redis",
                "someone/redis-tools",
                "redislabs/redisearch",
            ],
        ),
        (
            &["--filter", "is-automated=true", "redis"],
            &["bitnami/redis"],
        ),
        (
            &["--filter", "stars=50", "redis"],
            &["redis", "bitnami/redis", "redislabs/redisearch"],
        ),
        (
            &[
                "--filter",
                "stars=50",
                "--filter",
                "is-official=false",
                "redis",
            ],
            &["bitnami/redis", "redislabs/redisearch"],
        ),
        (&["--limit", "2", "redis"], &["redis", "bitnami/redis"]),
    ];
    for (args, want) in cases {
        let (ok, out, err) = search(&index, args);
        assert!(ok, "{args:?}: {err}");
        assert_eq!(names(&out), *want, "{args:?}");
    }
    let (_, formatted, _) = search(&index, &["--format", "{{.Name}}:{{.StarCount}}", "alpine"]);
    assert_eq!(formatted.trim(), "alpine:10500");

    let errors: &[(&[&str], &str)] = &[
        (
            &["--limit", "0", "redis"],
            "limit 0 is outside the range of [1, 100]",
        ),
        (
            &["--limit", "101", "redis"],
            "limit 101 is outside the range of [1, 100]",
        ),
        (&["--filter", "colour=red", "redis"], "colour"),
        (&["--filter", "stars=many", "redis"], "stars=many"),
        (&[""], "search needs a term"),
    ];
    for (args, needle) in errors {
        let (ok, _, err) = search(&index, args);
        assert!(!ok, "{args:?} must fail");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["search", "--index-url=http://127.0.0.1:1", "redis"])
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("cannot search http://127.0.0.1:1/v1/search")
    );
}

#[test]
fn catalog_search_on_the_real_registry() {
    let registry = Registry::start(Auth::Open).expect("registry");
    for name in [
        "lovelearnlinux/webserver:v1",
        "library/redis:latest",
        "library/alpine:latest",
    ] {
        registry
            .push(fixtures::get(name).expect("fixture"))
            .expect("push");
    }
    let index = SearchIndex::start().expect("index");
    let term = format!("{}/web", registry.host());
    let (ok, out, err) = search(&index, &["--insecure-registry", &registry.host(), &term]);
    assert!(ok, "{err}");
    assert_eq!(
        names(&out),
        [format!("{}/lovelearnlinux/webserver", registry.host())]
    );
    assert!(
        out.lines().nth(1).expect("row").contains('-'),
        "no stars for catalog results: {out}"
    );
    assert!(err.contains("no stars or official flag"), "{err}");
    let (ok, out, _) = search(
        &index,
        &[
            "--insecure-registry",
            &registry.host(),
            &format!("{}/library", registry.host()),
        ],
    );
    assert!(ok);
    assert_eq!(names(&out).len(), 2);

    // The index fixture is not a registry: no catalog there.
    let (ok, _, err) = search(
        &index,
        &[
            "--insecure-registry",
            &index.host(),
            &format!("{}/x", index.host()),
        ],
    );
    assert!(!ok);
    assert!(err.contains("cannot list the catalog"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_search() {
    let index = SearchIndex::start().expect("index");
    let server = StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .arg(format!("--index-url={}", index.url()))
        .start()
        .expect("serve");
    let http = reqwest::Client::new();
    let body: serde_json::Value = http
        .get(format!(
            "{}/api/v1/search?term=redis&filter=is-official%3Dtrue",
            server.url()
        ))
        .send()
        .await
        .expect("search")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["results"].as_array().expect("results").len(),
        1,
        "{body}"
    );
    assert_eq!(body["results"][0]["name"], "redis");
    let bad = http
        .get(format!(
            "{}/api/v1/search?term=redis&limit=500",
            server.url()
        ))
        .send()
        .await
        .expect("search");
    assert_eq!(bad.status(), 400);
    let bad: serde_json::Value = bad.json().await.expect("json");
    assert_eq!(bad["message"], "limit 500 is outside the range of [1, 100]");
}
