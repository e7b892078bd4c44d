//! `GET /api/v1/cache`: how the pull-through cache is doing, for the
//! dashboard's `/cache` page. The counts are this server process's, since
//! it started (as `/metrics` counts them).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ImageSummary;
use crate::digest::Digest;

/// Requests `/v2` answered for one kind of content (blobs or manifests).
///
/// Each `GET` (or `HEAD` answered from the store) of a blob or a manifest
/// by digest counts once: a **hit** was served from the store, a **miss**
/// fetched from the upstream (this request led the fetch), a **coalesced**
/// request joined a fetch another request was already making.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheCounts {
    /// Served from the store.
    pub hits: u64,
    /// Fetched from the upstream.
    pub misses: u64,
    /// Waited for another request's fetch.
    pub coalesced: u64,
}

impl CacheCounts {
    /// Requests counted.
    pub fn requests(&self) -> u64 {
        self.hits
            .saturating_add(self.misses)
            .saturating_add(self.coalesced)
    }

    /// The share of requests the upstream did not have to answer (hits
    /// and coalesced requests), from 0 to 1; `None` before any request.
    pub fn hit_ratio(&self) -> Option<f64> {
        let requests = self.requests();
        (requests > 0).then(|| (requests - self.misses) as f64 / requests as f64)
    }

    /// Both kinds added up.
    pub fn plus(&self, other: &CacheCounts) -> CacheCounts {
        CacheCounts {
            hits: self.hits.saturating_add(other.hits),
            misses: self.misses.saturating_add(other.misses),
            coalesced: self.coalesced.saturating_add(other.coalesced),
        }
    }
}

/// The latest rate limit one upstream registry announced
/// (`ratelimit-remaining`, `ratelimit-limit`; see [`crate::rate_limit`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// The registry, as references name it: `docker.io`.
    pub registry: String,
    /// Requests left in the window.
    pub remaining: u64,
    /// Requests the window allows, if the registry said.
    pub limit: Option<u64>,
    /// The window, in seconds, if the registry said.
    pub window_secs: Option<u64>,
    /// When the response that said so arrived.
    #[serde(with = "time::serde::rfc3339")]
    pub seen_at: OffsetDateTime,
}

impl RateLimit {
    /// `remaining / limit`, from 0 to 1, when the limit is known and not 0.
    pub fn headroom(&self) -> Option<f64> {
        self.limit
            .filter(|l| *l > 0)
            .map(|l| self.remaining.min(l) as f64 / l as f64)
    }
}

/// One stored image in a list of the cache page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedImage {
    /// The image ID.
    pub id: Digest,
    /// Its first tag (familiar form), else its short ID.
    pub name: String,
    /// Compressed layers plus config, in bytes: what it takes in the store.
    pub size: u64,
    /// The time the list is ordered by (see [`CacheInfo::least_recently_used_by`]).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl CachedImage {
    /// `image` as the lists show it, at `at`.
    pub fn of(image: &ImageSummary, at: OffsetDateTime) -> CachedImage {
        let subject = &image.subject;
        CachedImage {
            id: subject.id.clone(),
            name: subject
                .repo_tags
                .first()
                .map_or_else(|| subject.id.short().to_owned(), |r| r.familiar()),
            size: image.blob_size,
            at,
        }
    }
}

/// The `n` largest of `images`, largest first (ties by ID), each at its
/// build time.
pub fn largest(images: &[ImageSummary], n: usize) -> Vec<CachedImage> {
    first(
        images,
        n,
        |a, b| b.blob_size.cmp(&a.blob_size),
        |i| i.subject.created,
    )
}

/// The `n` least recently used of `images`, least recent first, by
/// [`RecencyBasis::LastPulled`]: an image with no pull recorded counts as
/// the least recent; ties by build time, then ID.
pub fn least_recently_used(images: &[ImageSummary], n: usize) -> Vec<CachedImage> {
    first(
        images,
        n,
        |a, b| {
            a.last_pulled
                .cmp(&b.last_pulled)
                .then_with(|| a.subject.created.cmp(&b.subject.created))
        },
        |i| i.last_pulled.unwrap_or(i.subject.created),
    )
}

/// The first `n` of `images` in `order` (ties by ID), each at `at`.
fn first(
    images: &[ImageSummary],
    n: usize,
    order: impl Fn(&ImageSummary, &ImageSummary) -> std::cmp::Ordering,
    at: impl Fn(&ImageSummary) -> OffsetDateTime,
) -> Vec<CachedImage> {
    let mut sorted: Vec<&ImageSummary> = images.iter().collect();
    sorted.sort_by(|a, b| order(a, b).then_with(|| a.subject.id.cmp(&b.subject.id)));
    sorted
        .into_iter()
        .take(n)
        .map(|i| CachedImage::of(i, at(i)))
        .collect()
}

/// What the "least recently used" list is ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecencyBasis {
    /// When the image was last pulled (`strata pull`, the API, or through
    /// `/v2`); an image with no pull recorded counts as least recent.
    LastPulled,
}

/// `GET /api/v1/cache`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CacheInfo {
    /// When this server process started counting.
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
    /// Blob requests through `/v2`.
    pub blobs: CacheCounts,
    /// Manifest requests (by digest) through `/v2`.
    pub manifests: CacheCounts,
    /// Bytes `/v2` sent from the store.
    pub bytes_from_cache: u64,
    /// Bytes `/v2` fetched from upstreams into the store.
    pub bytes_from_upstream: u64,
    /// The latest rate limit of each upstream that announced one.
    pub rate_limits: Vec<RateLimit>,
    /// Images recorded in the store.
    pub images: u64,
    /// The largest images, largest first.
    pub largest: Vec<CachedImage>,
    /// The least recently used images, least recent first.
    pub least_recently_used: Vec<CachedImage>,
    /// What [`Self::least_recently_used`] is ordered by.
    pub least_recently_used_by: RecencyBasis,
    /// What the retention policy would evict next; `None` when no
    /// retention policy is configured (this version has none).
    pub retention_next: Option<Vec<CachedImage>>,
}

impl CacheInfo {
    /// Blobs and manifests together.
    pub fn total(&self) -> CacheCounts {
        self.blobs.plus(&self.manifests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_ratios() {
        #[rustfmt::skip]
        let cases = [
            (CacheCounts { hits: 0, misses: 0, coalesced: 0 }, None),
            (CacheCounts { hits: 3, misses: 1, coalesced: 0 }, Some(0.75)),
            (CacheCounts { hits: 0, misses: 1, coalesced: 1 }, Some(0.5)),
            (CacheCounts { hits: 0, misses: 4, coalesced: 0 }, Some(0.0)),
            (CacheCounts { hits: 9, misses: 0, coalesced: 0 }, Some(1.0)),
        ];
        for (counts, want) in cases {
            assert_eq!(counts.hit_ratio(), want, "{counts:?}");
        }
    }

    fn image(
        hex: char,
        tag: Option<&str>,
        size: u64,
        created: i64,
        pulled: Option<i64>,
    ) -> ImageSummary {
        use crate::filter::ImageSubject;
        ImageSummary {
            subject: ImageSubject {
                id: format!("sha256:{}", hex.to_string().repeat(64))
                    .parse()
                    .expect("digest"),
                repo_tags: tag
                    .map(|t| t.parse().expect("reference"))
                    .into_iter()
                    .collect(),
                repo_digests: Vec::new(),
                labels: Default::default(),
                created: OffsetDateTime::from_unix_timestamp(created).expect("time"),
            },
            size: None,
            blob_size: size,
            last_pulled: pulled.map(|t| OffsetDateTime::from_unix_timestamp(t).expect("time")),
        }
    }

    #[test]
    fn largest_and_least_recently_used() {
        let images = [
            image('a', Some("redis:7"), 30, 300, Some(1000)),
            image('b', None, 10, 100, Some(900)),
            image('c', Some("ghcr.io/x/y:1"), 20, 200, Some(2000)),
            image('d', Some("alpine"), 30, 50, None),
        ];
        let names = |list: Vec<CachedImage>| list.into_iter().map(|i| i.name).collect::<Vec<_>>();
        assert_eq!(
            names(largest(&images, 3)),
            ["redis:7", "alpine", "ghcr.io/x/y:1"]
        );
        assert_eq!(
            names(least_recently_used(&images, 2)),
            ["alpine", "bbbbbbbbbbbb"]
        );
        assert_eq!(largest(&images, 0), Vec::new());
        assert_eq!(largest(&[], 5), Vec::new());
    }

    #[test]
    fn headroom() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let limit = |remaining, limit| RateLimit {
            registry: "docker.io".into(),
            remaining,
            limit,
            window_secs: Some(21600),
            seen_at: at,
        };
        #[rustfmt::skip]
        let cases = [
            (limit(76, Some(100)), Some(0.76)),
            (limit(0, Some(100)), Some(0.0)),
            (limit(150, Some(100)), Some(1.0)),
            (limit(5, None), None),
            (limit(5, Some(0)), None),
        ];
        for (rate, want) in cases {
            assert_eq!(rate.headroom(), want, "{rate:?}");
        }
    }
}
