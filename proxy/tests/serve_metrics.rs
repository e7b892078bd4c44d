//! `strata serve`'s `/metrics` and `/api/v1/cache` against a real registry:
//! a blob's miss then hit counted, an upstream's rate-limit headers
//! exported, and the exposition read by a real Prometheus server.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use shared::api::{CacheCounts, CacheInfo};
use test_support::cli::Cli;
use test_support::faulty::{Fault, FaultyRegistry};
use test_support::fixtures::layer::sha256;
use test_support::prometheus::Prometheus;
use test_support::{StrataServer, eventually_async};

#[expect(dead_code, reason = "each test file uses its own part of these")]
mod serve_v2_support;

use serve_v2_support::{Redis, get, redis_registry, serve, v2, wait_stored};

/// `GET /metrics`: the exposition text, checked to be OpenMetrics.
async fn scrape(server: &StrataServer) -> String {
    let response = reqwest::get(format!("{}/metrics", server.url()))
        .await
        .expect("scrape");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    response.text().await.expect("text")
}

/// `GET /api/v1/cache`.
async fn cache_info(server: &StrataServer) -> CacheInfo {
    reqwest::get(format!("{}/api/v1/cache", server.url()))
        .await
        .expect("cache")
        .json()
        .await
        .expect("json")
}

/// A pull of redis through `/v2`: the manifest by tag, then every blob
/// it names.
async fn pull_redis(server: &StrataServer, upstream: &str, blobs: &[(String, u64)]) {
    let repo = v2(server, upstream, "library/redis");
    assert_eq!(
        get(&format!("{repo}/manifests/latest")).await.status,
        StatusCode::OK
    );
    for (digest, _) in blobs {
        assert_eq!(
            get(&format!("{repo}/blobs/{digest}")).await.status,
            StatusCode::OK
        );
    }
}

/// Every sample of an exposition, by `name{labels}` as written; panics on
/// a line that is neither a comment nor `series value`.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample: {line:?}"));
        let value: f64 = value.parse().unwrap_or_else(|e| panic!("{line:?}: {e}"));
        samples.insert(series.to_owned(), value);
    }
    samples
}

/// The value of `series`, which must be there.
fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("no {series} in {samples:#?}"))
}

/// What a real Prometheus scraping `server` found for `query`, once it
/// has scraped it: the scrape must be healthy (Prometheus parsed it) and
/// the query must have exactly one series.
async fn prometheus_sees(server: &StrataServer, query: &str) -> f64 {
    let prometheus = Prometheus::scraping(&server.host()).expect("prometheus");
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        let url = format!("{}{path}", prometheus.url());
        async move {
            http.get(&url)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .json::<serde_json::Value>()
                .await
                .map_err(|e| e.to_string())
        }
    };
    let target = eventually_async(
        Duration::from_secs(30),
        "a Prometheus scrape",
        || async move {
            let targets = get("/api/v1/targets".to_owned()).await?;
            let target = targets["data"]["activeTargets"][0].clone();
            match target["health"].as_str() {
                Some("unknown") | None => Err(format!("not scraped yet: {targets}")),
                Some(_) => Ok(target),
            }
        },
    )
    .await;
    assert_eq!(
        target["health"], "up",
        "Prometheus could not use the scrape: {target}"
    );
    assert_eq!(target["lastError"], "", "{target}");
    let encoded = url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>();
    let answer = get(format!("/api/v1/query?query={encoded}"))
        .await
        .expect("query");
    let result = answer["data"]["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(result.len(), 1, "{answer}");
    result[0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_miss_then_a_hit_are_counted() {
    let Redis {
        registry,
        layer,
        size,
        ..
    } = redis_registry();
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let before = samples(&scrape(&server).await);
    assert_eq!(
        value(&before, "strata_proxy_hits_total{type=\"blob\"}"),
        0.0
    );
    assert_eq!(
        value(&before, "strata_proxy_misses_total{type=\"blob\"}"),
        0.0
    );

    let url = format!(
        "{}/blobs/{layer}",
        v2(&server, &registry.host(), "library/redis")
    );
    let first = get(&url).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(sha256(first.bytes()), layer);
    assert!(wait_stored(&server, &layer).await, "the blob is stored");
    let second = get(&url).await;
    assert_eq!(sha256(second.bytes()), layer);

    let text = scrape(&server).await;
    let after = samples(&text);
    assert_eq!(
        value(&after, "strata_proxy_misses_total{type=\"blob\"}"),
        1.0
    );
    assert_eq!(value(&after, "strata_proxy_hits_total{type=\"blob\"}"), 1.0);
    assert_eq!(
        value(&after, "strata_proxy_coalesced_total{type=\"blob\"}"),
        0.0
    );
    assert_eq!(
        value(&after, "strata_proxy_hit_bytes_total{type=\"blob\"}"),
        size as f64
    );
    assert_eq!(
        value(&after, "strata_proxy_pulled_bytes_total"),
        size as f64
    );
    assert_eq!(
        value(
            &after,
            "strata_http_requests_total{handler=\"v2_blob\",method=\"GET\",code=\"200\"}"
        ),
        2.0
    );
    assert_eq!(
        value(
            &after,
            "strata_http_request_duration_seconds_count{handler=\"v2_blob\",method=\"GET\"}"
        ),
        2.0
    );
    assert!(
        !text.contains("/v2/"),
        "no raw path is a label value:\n{text}"
    );
    // A real Prometheus reads the same.
    assert_eq!(
        prometheus_sees(&server, "strata_proxy_hits_total{type=\"blob\"}").await,
        1.0
    );

    // The cache API counts the same.
    let cache = cache_info(&server).await;
    assert_eq!(
        cache.blobs,
        CacheCounts {
            hits: 1,
            misses: 1,
            coalesced: 0
        }
    );
    assert_eq!(
        (cache.bytes_from_cache, cache.bytes_from_upstream),
        (size, size)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_rate_limit_shows_in_metrics_and_the_cache_api() {
    let Redis { registry, .. } = redis_registry();
    let limited = FaultyRegistry::start(
        &registry.url(),
        vec![Fault::RateLimitHeaders("/manifests/".into(), 76, 100)],
    )
    .expect("faulty registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[limited.host()], &cli);
    let url = format!(
        "{}/manifests/latest",
        v2(&server, &limited.host(), "library/redis")
    );
    assert_eq!(get(&url).await.status, StatusCode::OK);

    let text = scrape(&server).await;
    let after = samples(&text);
    let label = format!("{{registry=\"{}\"}}", limited.host());
    assert_eq!(
        value(
            &after,
            &format!("strata_upstream_ratelimit_remaining{label}")
        ),
        76.0
    );
    assert_eq!(
        value(&after, &format!("strata_upstream_ratelimit_limit{label}")),
        100.0
    );
    assert_eq!(
        value(&after, "strata_proxy_misses_total{type=\"manifest\"}"),
        1.0
    );
    assert_eq!(
        prometheus_sees(&server, "strata_upstream_ratelimit_remaining").await,
        76.0
    );

    let cache = cache_info(&server).await;
    let limits: Vec<_> = cache
        .rate_limits
        .iter()
        .map(|r| (r.registry.as_str(), r.remaining, r.limit, r.window_secs))
        .collect();
    assert_eq!(
        limits,
        [(limited.host().as_str(), 76, Some(100), Some(21600))]
    );
    assert_eq!(cache.rate_limits[0].headroom(), Some(0.76));
    assert_eq!(cache.retention_next, None, "no retention policy yet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_gauges_follow_the_images_recorded() {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[]);
    let server = serve(&[registry.host()], &cli);
    let empty = samples(&scrape(&server).await);
    assert_eq!(value(&empty, "strata_store_images"), 0.0);
    assert_eq!(value(&empty, "strata_store_bytes"), 0.0);

    pull_redis(&server, &registry.host(), &blobs).await;
    let want = blobs.iter().map(|(_, size)| *size as f64).sum::<f64>();
    let recorded = eventually_async(
        Duration::from_secs(30),
        "the image recorded in the scrape",
        || async {
            let now = samples(&scrape(&server).await);
            if value(&now, "strata_store_images") == 1.0 {
                Ok(now)
            } else {
                Err(now)
            }
        },
    )
    .await;
    assert_eq!(value(&recorded, "strata_store_bytes"), want);
}

/// With `--retain`, `/api/v1/cache` previews what the next run would
/// evict (a dry run: nothing goes), and the least recently used list
/// follows the last pulls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_api_previews_what_retention_would_evict() {
    let Redis {
        registry, blobs, ..
    } = redis_registry();
    let server = test_support::strata::StrataOptions::new(env!("CARGO_BIN_EXE_strata"))
        .env("STRATA_INSECURE_REGISTRIES", registry.host())
        .arg("--retain")
        .arg("maxStoreBytes=1")
        .arg("--retain-every")
        .arg("1h")
        .start()
        .expect("strata serve --retain");
    assert_eq!(cache_info(&server).await.retention_next, Some(Vec::new()));
    pull_redis(&server, &registry.host(), &blobs).await;
    // Recorded, and its /v2 lease (which retention never evicts) ended.
    let name = format!("{}/library/redis:latest", registry.host());
    let info = eventually_async(
        Duration::from_secs(30),
        "the image recorded and previewed",
        || async {
            let info = cache_info(&server).await;
            let next: Vec<String> = info
                .retention_next
                .iter()
                .flatten()
                .map(|i| i.name.clone())
                .collect();
            if next == vec![name.clone()] {
                Ok(info)
            } else {
                Err(info)
            }
        },
    )
    .await;
    assert_eq!(info.images, 1);
    assert_eq!(info.least_recently_used[0].name, name);
    assert_eq!(
        cache_info(&server).await.images,
        1,
        "a preview evicts nothing"
    );
}
