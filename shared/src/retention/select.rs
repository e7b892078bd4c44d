//! [`select`]: which images a [`RetentionPolicy`] evicts.
//!
//! # Semantics
//! - **Keep rules.** `pulledWithin=D` keeps an image last pulled at most
//!   `D` before now. `mostRecentlyPulledCount=N` keeps, in each repository
//!   that names the image (by a tag or a repo digest), the `N` images
//!   pulled most recently; an image counts in every repository naming it,
//!   and one that no repository names is kept by no count. As zot's
//!   `keepTags`, an image is kept if **any** keep rule keeps it; when the
//!   policy has keep rules, every image none of them keeps is evicted.
//! - **The size cap.** `maxStoreBytes=S` then evicts, among the images
//!   left, the least recently pulled first, until the blobs (configs and
//!   layers, each counted once however many images share it) of the
//!   images left add up to at most `S`. The cap overrides the keep rules:
//!   it is about the disk.
//! - **Protected images** (pinned, or held by an operation in flight) are
//!   never evicted. They still take their place in each repository's
//!   ranking and their bytes still count toward the cap, so the cap may be
//!   left exceeded ([`Selection::over_limit`]).
//! - Recency: last pulled, latest first; an image with no pull time is
//!   the least recent; ties go by ID. The order of the evictions is the
//!   order they are decided: keep-rule evictions least recently pulled
//!   first, then the cap's.

use std::collections::{HashMap, HashSet};
use std::fmt;

use time::{Duration, OffsetDateTime};

use super::RetentionPolicy;
use crate::digest::Digest;
use crate::units::{format_byte_size, format_duration};

/// An image as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The image ID.
    pub id: Digest,
    /// The repositories naming it (canonical names, such as
    /// `docker.io/library/redis`), each once.
    pub repositories: Vec<String>,
    /// When it was last pulled, if known.
    pub last_pulled: Option<OffsetDateTime>,
    /// Its config and layer blobs with their sizes.
    pub blobs: Vec<(Digest, u64)>,
    /// Pinned, or held by an operation in flight: never evicted.
    pub protected: bool,
}

/// Why an image is evicted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No keep rule keeps it. Each field is set when its rule is part of
    /// the policy.
    NotKept {
        /// `pulledWithin`: it was not pulled within this long.
        pulled_within: Option<Duration>,
        /// `mostRecentlyPulledCount`: it is beyond the `N` most recently
        /// pulled of each of these repositories (none: no repository names
        /// it).
        beyond: Option<(u32, Vec<String>)>,
    },
    /// The store was over `maxStoreBytes` and it was the least recently
    /// pulled image left.
    OverSize {
        /// The cap.
        max_store_bytes: u64,
    },
}

impl fmt::Display for Reason {
    /// `not pulled within 168h`, `beyond the 5 most recently pulled of
    /// docker.io/library/redis`, `store over 50GiB: least recently pulled`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotKept {
                pulled_within,
                beyond,
            } => {
                let mut parts = Vec::new();
                if let Some(d) = pulled_within {
                    parts.push(format!("not pulled within {}", format_duration(*d)));
                }
                match beyond {
                    Some((n, repos)) if repos.is_empty() => {
                        parts.push(format!(
                            "no repository names it, so mostRecentlyPulledCount={n} keeps it in none"
                        ));
                    }
                    Some((n, repos)) => {
                        parts.push(format!(
                            "beyond the {n} most recently pulled of {}",
                            repos.join(", ")
                        ));
                    }
                    None => {}
                }
                f.write_str(&parts.join(" and "))
            }
            Reason::OverSize { max_store_bytes } => write!(
                f,
                "store over {}: least recently pulled",
                format_byte_size(*max_store_bytes)
            ),
        }
    }
}

/// One image to evict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eviction {
    /// The image ID.
    pub id: Digest,
    /// Why.
    pub reason: Reason,
}

/// What [`select`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The images to evict, in the order decided.
    pub evict: Vec<Eviction>,
    /// The bytes of the images left (blobs counted once).
    pub bytes_left: u64,
    /// `maxStoreBytes` is still exceeded: protected images alone hold more.
    pub over_limit: bool,
}

/// Decides which of `images` `policy` evicts at `now`; see the module doc.
pub fn select(policy: &RetentionPolicy, images: &[Candidate], now: OffsetDateTime) -> Selection {
    // Most recently pulled first.
    let mut order: Vec<&Candidate> = images.iter().collect();
    order.sort_by(|a, b| {
        b.last_pulled
            .cmp(&a.last_pulled)
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut evict: Vec<Eviction> = Vec::new();
    let mut gone: HashSet<Digest> = HashSet::new();
    if policy.has_keep_rules() {
        let mut seen_in: HashMap<&str, u32> = HashMap::new();
        let mut not_kept = Vec::new();
        for image in &order {
            let within = policy
                .pulled_within
                .map(|d| image.last_pulled.is_some_and(|t| now - t <= d));
            let counted = policy.most_recently_pulled_count.map(|n| {
                let mut kept = false;
                for repo in &image.repositories {
                    let rank = seen_in.entry(repo.as_str()).or_insert(0);
                    kept |= *rank < n;
                    *rank += 1;
                }
                kept
            });
            if within == Some(true) || counted == Some(true) || image.protected {
                continue;
            }
            not_kept.push(Eviction {
                id: image.id.clone(),
                reason: Reason::NotKept {
                    pulled_within: policy.pulled_within,
                    beyond: policy
                        .most_recently_pulled_count
                        .map(|n| (n, image.repositories.clone())),
                },
            });
        }
        not_kept.reverse(); // least recently pulled first
        gone.extend(not_kept.iter().map(|e| e.id.clone()));
        evict.extend(not_kept);
    }
    let mut uses: HashMap<&Digest, (u32, u64)> = HashMap::new();
    for image in order.iter().filter(|i| !gone.contains(&i.id)) {
        for (digest, size) in &image.blobs {
            uses.entry(digest).or_insert((0, *size)).0 += 1;
        }
    }
    let mut bytes_left: u64 = uses.values().map(|(_, size)| *size).sum();
    let mut over_limit = false;
    if let Some(max) = policy.max_store_bytes {
        for image in order.iter().rev().filter(|i| !gone.contains(&i.id)) {
            if bytes_left <= max {
                break;
            }
            if image.protected {
                continue;
            }
            for (digest, _) in &image.blobs {
                if let Some((count, size)) = uses.get_mut(digest)
                    && *count > 0
                {
                    *count -= 1;
                    if *count == 0 {
                        bytes_left -= *size;
                    }
                }
            }
            evict.push(Eviction {
                id: image.id.clone(),
                reason: Reason::OverSize {
                    max_store_bytes: max,
                },
            });
        }
        over_limit = bytes_left > max;
    }
    Selection {
        evict,
        bytes_left,
        over_limit,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-01-10 12:00 UTC);

    /// Image `name` in `repos`, pulled `hours_ago` (none: never), with
    /// blobs `(name, size)` and pinned or not.
    fn image(
        name: &str,
        repos: &[&str],
        hours_ago: Option<i64>,
        blobs: &[(&str, u64)],
        protected: bool,
    ) -> Candidate {
        Candidate {
            id: Digest::sha256_of(name.as_bytes()),
            repositories: repos.iter().map(|r| (*r).to_owned()).collect(),
            last_pulled: hours_ago.map(|h| NOW - Duration::hours(h)),
            blobs: blobs
                .iter()
                .map(|(b, size)| (Digest::sha256_of(b.as_bytes()), *size))
                .collect(),
            protected,
        }
    }

    /// A store: redis a (1h ago), b (5h), c (30h, pinned), d (50h); alpine
    /// e (2h), f (200h), g (never); h in both (100h); i in none (300h).
    /// Blobs: `base` (100) shared by all redis images, then 10 each.
    fn store() -> Vec<Candidate> {
        let r = ["redis"];
        vec![
            image("a", &r, Some(1), &[("base", 100), ("a", 10)], false),
            image("b", &r, Some(5), &[("base", 100), ("b", 10)], false),
            image("c", &r, Some(30), &[("base", 100), ("c", 10)], true),
            image("d", &r, Some(50), &[("base", 100), ("d", 10)], false),
            image("e", &["alpine"], Some(2), &[("e", 10)], false),
            image("f", &["alpine"], Some(200), &[("f", 10)], false),
            image("g", &["alpine"], None, &[("g", 10)], false),
            image("h", &["alpine", "redis"], Some(100), &[("h", 10)], false),
            image("i", &[], Some(300), &[("i", 10)], false),
        ]
    }

    fn names(selection: &Selection) -> String {
        let store = store();
        selection
            .evict
            .iter()
            .map(|e| {
                let name = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
                    .iter()
                    .zip(&store)
                    .find(|(_, c)| c.id == e.id)
                    .map_or("?", |(n, _)| n);
                let kind = match e.reason {
                    Reason::NotKept { .. } => "",
                    Reason::OverSize { .. } => "$",
                };
                format!("{name}{kind}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn selections() {
        #[rustfmt::skip]
        let cases: [(&str, &str, u64, bool); 11] = [
            // policy, evicted (in order; $: by the cap), bytes left, over the cap
            ("pulledWithin=24h", "g i f h d", 140, false),
            ("pulledWithin=1000h", "g", 180, false),
            // h is 2nd of alpine; c (pinned) takes a redis place.
            ("mostRecentlyPulledCount=2", "g i f d", 150, false),
            ("mostRecentlyPulledCount=3", "g i d", 160, false),
            // Kept if any keep rule keeps it.
            ("mostRecentlyPulledCount=2,pulledWithin=3h", "g i f d", 150, false),
            ("mostRecentlyPulledCount=2,pulledWithin=60h", "g i f", 160, false),
            ("maxStoreBytes=1TiB", "", 190, false),
            // Least recently pulled first, never c; shared base stays while used.
            ("maxStoreBytes=150", "g$ i$ f$ h$", 150, false),
            ("maxStoreBytes=120", "g$ i$ f$ h$ d$ b$ e$", 120, false),
            ("maxStoreBytes=0", "g$ i$ f$ h$ d$ b$ e$ a$", 110, true),
            ("pulledWithin=24h,maxStoreBytes=125", "g i f h d b$ e$", 120, false),
        ];
        for (text, want, bytes, over) in cases {
            let policy: RetentionPolicy = text.parse().expect(text);
            let selection = select(&policy, &store(), NOW);
            assert_eq!(names(&selection), want, "{text}");
            assert_eq!(selection.bytes_left, bytes, "{text}");
            assert_eq!(selection.over_limit, over, "{text}");
        }
    }

    #[test]
    fn reasons_read_as_sentences() {
        let redis = vec!["docker.io/library/redis".to_owned()];
        #[rustfmt::skip]
        let cases: [(Reason, &str); 5] = [
            (Reason::NotKept { pulled_within: Some(Duration::hours(168)), beyond: None },
             "not pulled within 168h"),
            (Reason::NotKept { pulled_within: None, beyond: Some((5, redis.clone())) },
             "beyond the 5 most recently pulled of docker.io/library/redis"),
            (Reason::NotKept { pulled_within: Some(Duration::seconds(2)), beyond: Some((1, redis)) },
             "not pulled within 2s and beyond the 1 most recently pulled of docker.io/library/redis"),
            (Reason::NotKept { pulled_within: None, beyond: Some((1, vec![])) },
             "no repository names it, so mostRecentlyPulledCount=1 keeps it in none"),
            (Reason::OverSize { max_store_bytes: 50 << 30 },
             "store over 50GiB: least recently pulled"),
        ];
        for (reason, want) in cases {
            assert_eq!(reason.to_string(), want);
        }
    }
}
