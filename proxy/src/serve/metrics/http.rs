//! Every request's count and duration, by a low-cardinality route label
//! (never the raw path): `strata_http_requests_total{handler,method,code}`
//! and `strata_http_request_duration_seconds{handler,method}`.
//!
//! | handler | paths |
//! | --- | --- |
//! | `v2_base` | `/v2`, `/v2/` |
//! | `v2_manifest` | `/v2/<name>/manifests/<reference>` |
//! | `v2_blob` | `/v2/<name>/blobs/<digest>` |
//! | `v2_tags` | `/v2/<name>/tags/list` |
//! | `v2_referrers` | `/v2/<name>/referrers/<digest>` |
//! | `v2_other` | any other `/v2/…` |
//! | `api` | `/api/v1/…` |
//! | `metrics` | `/metrics` |
//! | `dashboard` | anything else (the dashboard's files) |
//!
//! The duration runs until the response's head is ready, not until its
//! body has been sent: a blob streamed for minutes counts the time to its
//! first byte.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::serve::AppState;

/// Upper bounds of the duration buckets, in seconds (Prometheus's defaults
/// and a tail for slow upstreams).
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    handler: &'static str,
    method: &'static str,
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DurationLabels {
    handler: &'static str,
    method: &'static str,
}

#[derive(Clone, Debug)]
struct Buckets;

impl MetricConstructor<Histogram> for Buckets {
    fn new_metric(&self) -> Histogram {
        Histogram::new(BUCKETS)
    }
}

/// The request counters and duration histograms.
#[derive(Debug)]
pub struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    durations: Family<DurationLabels, Histogram, Buckets>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        HttpMetrics {
            requests: Family::default(),
            durations: Family::new_with_constructor(Buckets),
        }
    }
}

impl HttpMetrics {
    /// Registers both in `registry` (prefixed `strata_`).
    pub(super) fn register(&self, registry: &mut Registry) {
        let http = registry.sub_registry_with_prefix("http");
        http.register(
            "requests",
            "HTTP requests answered, by route, method and status code",
            self.requests.clone(),
        );
        http.register_with_unit(
            "request_duration",
            "Time from a request's arrival to its response's head, by route and method",
            Unit::Seconds,
            self.durations.clone(),
        );
    }

    fn observe(&self, handler: &'static str, method: &'static str, code: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                handler,
                method,
                code,
            })
            .inc();
        self.durations
            .get_or_create(&DurationLabels { handler, method })
            .observe(seconds);
    }
}

/// The middleware: counts and times every request.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let handler = handler_label(request.uri().path());
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics().http().observe(
        handler,
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The `handler` label of a request for `path` (see the module doc).
pub fn handler_label(path: &str) -> &'static str {
    if path == "/metrics" {
        return "metrics";
    }
    if path.starts_with("/api/v1/") || path == "/api/v1" {
        return "api";
    }
    let Some(rest) = path.strip_prefix("/v2") else {
        return "dashboard";
    };
    if rest.is_empty() || rest == "/" {
        return "v2_base";
    }
    if !rest.starts_with('/') {
        return "dashboard";
    }
    // The operation is the last marker in the path: a repository may well
    // have a component called `blobs` or `manifests`.
    let markers = [
        ("/manifests/", "v2_manifest"),
        ("/blobs/", "v2_blob"),
        ("/referrers/", "v2_referrers"),
    ];
    let found = markers
        .iter()
        .filter_map(|(marker, label)| rest.rfind(marker).map(|at| (at, *label)))
        .max_by_key(|(at, _)| *at);
    match found {
        Some((_, label)) => label,
        None if rest.ends_with("/tags/list") => "v2_tags",
        None => "v2_other",
    }
}

/// The `method` label: the standard methods, else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_labels() {
        #[rustfmt::skip]
        let cases = [
            ("/v2", "v2_base"),
            ("/v2/", "v2_base"),
            ("/v2/docker.io/library/redis/manifests/latest", "v2_manifest"),
            ("/v2/library/redis/manifests/sha256:abc", "v2_manifest"),
            ("/v2/a/blobs/b/manifests/latest", "v2_manifest"),
            ("/v2/a/manifests/b/blobs/sha256:abc", "v2_blob"),
            ("/v2/127.0.0.1_5000/team/app/blobs/sha256:abc", "v2_blob"),
            ("/v2/a/tags/list", "v2_tags"),
            ("/v2/a/referrers/sha256:abc", "v2_referrers"),
            ("/v2/a/blobs/uploads/", "v2_blob"),
            ("/v2/_catalog", "v2_other"),
            ("/v2x/a", "dashboard"),
            ("/api/v1/images", "api"),
            ("/api/v1", "api"),
            ("/api/v2/x", "dashboard"),
            ("/metrics", "metrics"),
            ("/metrics/x", "dashboard"),
            ("/", "dashboard"),
            ("/i/redis", "dashboard"),
            ("/cache", "dashboard"),
        ];
        for (path, want) in cases {
            assert_eq!(handler_label(path), want, "{path}");
        }
    }

    #[test]
    fn method_labels() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::CONNECT), "other");
        let custom = Method::from_bytes(b"PURGE").expect("a method");
        assert_eq!(method_label(&custom), "other");
    }
}
