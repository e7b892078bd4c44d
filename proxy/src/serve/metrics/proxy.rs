//! The pull-through cache's counters: how each `/v2` request for a blob or
//! a manifest (by digest) was answered, and the bytes on each side.
//!
//! A request counts once, as the first of these that happens to it
//! ([`Tally`]): it **joined** a fetch already in flight (coalesced), it
//! **led** a fetch from the upstream (miss), or it was **served** from the
//! store (hit). A request that waited for another's fetch and was then
//! served from the store is coalesced, not a hit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::body::Body;
use axum::http::{Response, header};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;
use shared::api::CacheCounts;

/// What a `/v2` request asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A blob (layer or config).
    Blob,
    /// A manifest or an index, by digest (a tag resolves to one).
    Manifest,
}

impl Kind {
    /// The `type` label's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Manifest => "manifest",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabel {
    r#type: &'static str,
}

impl From<Kind> for TypeLabel {
    fn from(kind: Kind) -> Self {
        TypeLabel {
            r#type: kind.as_str(),
        }
    }
}

/// The cache counters (registered as `strata_proxy_*`).
#[derive(Debug, Default)]
pub struct ProxyMetrics {
    hits: Family<TypeLabel, Counter>,
    misses: Family<TypeLabel, Counter>,
    coalesced: Family<TypeLabel, Counter>,
    hit_bytes: Family<TypeLabel, Counter>,
    pulled_bytes: Counter,
}

impl ProxyMetrics {
    /// Registers the counters in `registry` (prefixed `strata_`).
    pub(super) fn register(&self, registry: &mut Registry) {
        let proxy = registry.sub_registry_with_prefix("proxy");
        proxy.register(
            "hits",
            "/v2 requests for a blob or manifest served from the store",
            self.hits.clone(),
        );
        proxy.register(
            "misses",
            "/v2 requests for a blob or manifest that fetched it from the upstream",
            self.misses.clone(),
        );
        proxy.register(
            "coalesced",
            "/v2 requests for a blob or manifest that joined another request's upstream fetch",
            self.coalesced.clone(),
        );
        proxy.register(
            "hit_bytes",
            "Bytes /v2 sent from the store (response lengths of hits)",
            self.hit_bytes.clone(),
        );
        proxy.register(
            "pulled_bytes",
            "Bytes /v2 fetched from upstreams into the store (verified and committed)",
            self.pulled_bytes.clone(),
        );
        // Every series from the start, so a dashboard sees 0 rather than nothing.
        for kind in [Kind::Blob, Kind::Manifest] {
            for family in [&self.hits, &self.misses, &self.coalesced, &self.hit_bytes] {
                drop(family.get_or_create(&kind.into()));
            }
        }
    }

    /// `bytes` fetched from an upstream were committed to the store.
    pub fn pulled(&self, bytes: u64) {
        self.pulled_bytes.inc_by(bytes);
    }

    /// How requests for `kind` were answered so far.
    pub fn counts(&self, kind: Kind) -> CacheCounts {
        let label = TypeLabel::from(kind);
        let get = |family: &Family<TypeLabel, Counter>| family.get_or_create(&label).get();
        CacheCounts {
            hits: get(&self.hits),
            misses: get(&self.misses),
            coalesced: get(&self.coalesced),
        }
    }

    /// Bytes sent from the store, both kinds.
    pub fn hit_bytes(&self) -> u64 {
        [Kind::Blob, Kind::Manifest]
            .into_iter()
            .map(|k| self.hit_bytes.get_or_create(&k.into()).get())
            .fold(0, u64::saturating_add)
    }

    /// Bytes fetched from upstreams into the store.
    pub fn pulled_bytes(&self) -> u64 {
        self.pulled_bytes.get()
    }
}

/// One request's count: the first of [`Tally::joined`], [`Tally::miss`]
/// and [`Tally::hit`] called on it counts, the rest are ignored.
#[derive(Debug)]
pub struct Tally {
    metrics: Arc<ProxyMetrics>,
    kind: Kind,
    counted: AtomicBool,
}

impl Tally {
    /// A request for `kind`, not counted yet.
    pub(super) fn new(metrics: Arc<ProxyMetrics>, kind: Kind) -> Tally {
        Tally {
            metrics,
            kind,
            counted: AtomicBool::new(false),
        }
    }

    fn first(&self) -> bool {
        !self.counted.swap(true, Ordering::Relaxed)
    }

    /// Served from the store, sending `bytes`.
    pub fn hit(&self, bytes: u64) {
        if self.first() {
            let label = self.kind.into();
            self.metrics.hits.get_or_create(&label).inc();
            self.metrics.hit_bytes.get_or_create(&label).inc_by(bytes);
        }
    }

    /// Served from the store with `response` (its `Content-Length`; no
    /// bytes for a `HEAD`).
    pub fn hit_response(&self, response: &Response<Body>, head: bool) {
        let length = response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .filter(|_| !head)
            .unwrap_or(0);
        self.hit(length);
    }

    /// Leads the fetch from the upstream.
    pub fn miss(&self) {
        if self.first() {
            self.metrics.misses.get_or_create(&self.kind.into()).inc();
        }
    }

    /// Joins a fetch in flight; hands `waiter` back, so a match arm stays
    /// one line.
    pub fn joined<T>(&self, waiter: T) -> T {
        if self.first() {
            self.metrics
                .coalesced
                .get_or_create(&self.kind.into())
                .inc();
        }
        waiter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_counts_once_as_what_happened_first() {
        let metrics = Arc::new(ProxyMetrics::default());
        let tally = |kind| Tally::new(metrics.clone(), kind);
        #[rustfmt::skip]
        let requests: &[(Kind, &[&str])] = &[
            (Kind::Blob, &["hit"]),
            (Kind::Blob, &["miss", "hit"]),
            (Kind::Blob, &["joined", "hit"]),
            (Kind::Blob, &["miss", "miss"]),
            (Kind::Manifest, &["hit"]),
            (Kind::Manifest, &[]),
        ];
        for (kind, events) in requests {
            let t = tally(*kind);
            for event in *events {
                match *event {
                    "hit" => t.hit(10),
                    "miss" => t.miss(),
                    _ => t.joined(()),
                }
            }
        }
        assert_eq!(
            metrics.counts(Kind::Blob),
            CacheCounts {
                hits: 1,
                misses: 2,
                coalesced: 1
            }
        );
        assert_eq!(
            metrics.counts(Kind::Manifest),
            CacheCounts {
                hits: 1,
                misses: 0,
                coalesced: 0
            }
        );
        assert_eq!(metrics.hit_bytes(), 20);
    }
}
