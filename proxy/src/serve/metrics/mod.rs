//! `/metrics`: what a team operating the cache watches, in the Prometheus
//! (OpenMetrics) text format, named as distribution and zot name theirs,
//! with a `strata_` prefix.
//!
//! | metric | type | labels | what |
//! | --- | --- | --- | --- |
//! | `strata_http_requests_total` | counter | `handler`, `method`, `code` | requests answered ([`http`]) |
//! | `strata_http_request_duration_seconds` | histogram | `handler`, `method` | time to the response's head |
//! | `strata_proxy_hits_total` | counter | `type` (`blob`, `manifest`) | `/v2` requests served from the store ([`proxy`]) |
//! | `strata_proxy_misses_total` | counter | `type` | `/v2` requests that fetched from the upstream |
//! | `strata_proxy_coalesced_total` | counter | `type` | `/v2` requests that joined another's fetch |
//! | `strata_proxy_hit_bytes_total` | counter | `type` | bytes sent from the store |
//! | `strata_proxy_pulled_bytes_total` | counter | | bytes fetched from upstreams into the store |
//! | `strata_upstream_ratelimit_remaining` | gauge | `registry` | the latest `ratelimit-remaining` ([`scrape`]) |
//! | `strata_upstream_ratelimit_limit` | gauge | `registry` | the latest `ratelimit-limit` |
//! | `strata_store_bytes` | gauge | | distinct blobs of the recorded images |
//! | `strata_store_images` | gauge | | images recorded |
//! | `strata_gc_runs_total` | counter | | garbage collections this process ran ([`Metrics::gc_ran`]) |
//! | `strata_gc_deleted_bytes_total` | counter | | bytes they deleted |
//!
//! Counters start at zero when `strata serve` starts. `/metrics` sits
//! behind the same guard as `/api/v1`: with `--private` it needs the
//! bearer token, and requests from other sites' pages are refused.

pub mod http;
pub mod proxy;
pub mod scrape;

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::{Registry, Unit};
use time::OffsetDateTime;

use crate::serve::error::ApiError;
use http::HttpMetrics;
use proxy::{Kind, ProxyMetrics, Tally};
use scrape::StateGauges;

/// Every metric of one server, cheap to clone.
#[derive(Clone, Debug)]
pub struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    http: HttpMetrics,
    proxy: Arc<ProxyMetrics>,
    gauges: StateGauges,
    gc_runs: Counter,
    gc_deleted_bytes: Counter,
    since: OffsetDateTime,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric at zero, registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("strata");
        let http = HttpMetrics::default();
        let proxy = Arc::new(ProxyMetrics::default());
        let gauges = StateGauges::default();
        let (gc_runs, gc_deleted_bytes) = (Counter::default(), Counter::default());
        http.register(&mut registry);
        proxy.register(&mut registry);
        gauges.register(&mut registry);
        let gc = registry.sub_registry_with_prefix("gc");
        gc.register(
            "runs",
            "Garbage collections this server process ran",
            gc_runs.clone(),
        );
        gc.register_with_unit(
            "deleted",
            "Bytes those garbage collections deleted",
            Unit::Bytes,
            gc_deleted_bytes.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                http,
                proxy,
                gauges,
                gc_runs,
                gc_deleted_bytes,
                since: OffsetDateTime::now_utc(),
            }),
        }
    }

    /// A garbage collection inside this process finished, deleting
    /// `deleted_bytes`: the hook for anything in `strata serve` that runs
    /// one (a scheduled retention run, an API endpoint).
    pub fn gc_ran(&self, deleted_bytes: u64) {
        self.inner.gc_runs.inc();
        self.inner.gc_deleted_bytes.inc_by(deleted_bytes);
    }

    /// Counts one `/v2` request for `kind` (see [`proxy`]).
    pub fn tally(&self, kind: Kind) -> Tally {
        Tally::new(self.inner.proxy.clone(), kind)
    }

    /// The cache counters.
    pub fn proxy(&self) -> &ProxyMetrics {
        &self.inner.proxy
    }

    /// When counting started (the server's start).
    pub fn since(&self) -> OffsetDateTime {
        self.inner.since
    }

    fn http(&self) -> &HttpMetrics {
        &self.inner.http
    }

    fn gauges(&self) -> &StateGauges {
        &self.inner.gauges
    }

    /// The exposition text of every metric.
    fn encode(&self) -> Result<String, ApiError> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .map_err(|e| ApiError::internal("encoding the metrics", e))?;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gc_runs_are_counted() {
        let metrics = Metrics::new();
        metrics.gc_ran(1000);
        metrics.gc_ran(24);
        let text = metrics.encode().expect("encodes");
        assert!(text.contains("strata_gc_runs_total 2\n"), "{text}");
        assert!(
            text.contains("strata_gc_deleted_bytes_total 1024\n"),
            "{text}"
        );
        assert!(
            text.contains("strata_proxy_hits_total{type=\"blob\"} 0\n"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
