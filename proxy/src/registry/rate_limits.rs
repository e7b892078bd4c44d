//! The latest rate limit each upstream registry announced.
//!
//! Every response the client gets from a registry passes
//! [`RateLimits::observe`] (in `client::send`); one that carries
//! `ratelimit-remaining` (Docker Hub's pull limit, on manifest `GET` and
//! `HEAD`; see [`shared::rate_limit`]) replaces what was known about that
//! registry. At most [`MAX_REGISTRIES`] registries are kept: past that,
//! the one heard from longest ago is forgotten.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use reqwest::header::HeaderMap;
use shared::api::RateLimit;
use shared::rate_limit::{LIMIT_HEADER, REMAINING_HEADER, RateLimitReading};
use time::OffsetDateTime;

use super::registries::MAX_REGISTRIES;

/// The latest rate limit per registry, bounded.
#[derive(Debug, Default)]
pub(crate) struct RateLimits {
    latest: Mutex<HashMap<String, RateLimit>>,
}

impl RateLimits {
    /// Keeps what `headers` (a response from `registry`) say about its
    /// rate limit, if anything.
    pub(crate) fn observe(&self, registry: &str, headers: &HeaderMap) {
        let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let Some(reading) =
            RateLimitReading::from_values(value(REMAINING_HEADER), value(LIMIT_HEADER))
        else {
            return;
        };
        self.record(registry, reading, OffsetDateTime::now_utc());
    }

    fn record(&self, registry: &str, reading: RateLimitReading, seen_at: OffsetDateTime) {
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        if !latest.contains_key(registry) && latest.len() >= MAX_REGISTRIES {
            let oldest = latest
                .values()
                .min_by_key(|r| r.seen_at)
                .map(|r| r.registry.clone());
            if let Some(oldest) = oldest {
                latest.remove(&oldest);
            }
        }
        latest.insert(
            registry.to_owned(),
            RateLimit {
                registry: registry.to_owned(),
                remaining: reading.remaining,
                limit: reading.limit,
                window_secs: reading.window_secs,
                seen_at,
            },
        );
    }

    /// Every registry's latest rate limit, by registry name.
    pub(crate) fn all(&self) -> Vec<RateLimit> {
        let latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<RateLimit> = latest.values().cloned().collect();
        all.sort_by(|a, b| a.registry.cmp(&b.registry));
        all
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_latest_reading_per_registry_is_kept() {
        let limits = RateLimits::default();
        limits.observe(
            "docker.io",
            &headers(&[
                ("ratelimit-limit", "100;w=21600"),
                ("ratelimit-remaining", "76;w=21600"),
            ]),
        );
        limits.observe(
            "docker.io",
            &headers(&[
                ("RateLimit-Limit", "100;w=21600"),
                ("RateLimit-Remaining", "75;w=21600"),
            ]),
        );
        limits.observe(
            "docker.io",
            &headers(&[("content-type", "application/json")]),
        );
        limits.observe("ghcr.io", &headers(&[("ratelimit-remaining", "garbage")]));
        let all = limits.all();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(
            (
                all[0].registry.as_str(),
                all[0].remaining,
                all[0].limit,
                all[0].window_secs
            ),
            ("docker.io", 75, Some(100), Some(21600))
        );
    }

    #[test]
    fn the_map_stays_bounded_and_forgets_the_oldest() {
        let limits = RateLimits::default();
        let reading = RateLimitReading {
            remaining: 1,
            limit: None,
            window_secs: None,
        };
        let start = OffsetDateTime::UNIX_EPOCH;
        for n in 0..MAX_REGISTRIES + 10 {
            let at = start + time::Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX));
            limits.record(&format!("r{n}.example"), reading, at);
        }
        let all = limits.all();
        assert_eq!(all.len(), MAX_REGISTRIES);
        assert!(
            !all.iter().any(|r| r.registry == "r0.example"),
            "the oldest is forgotten"
        );
        assert!(
            all.iter()
                .any(|r| r.registry == format!("r{}.example", MAX_REGISTRIES + 9))
        );
    }
}
