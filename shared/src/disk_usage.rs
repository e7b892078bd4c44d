//! `system df` arithmetic: from which blobs each image uses and which blobs
//! the store holds, how many bytes the images take, how many only unpinned
//! images take (what `image prune -a` could free), and how many no image
//! takes (what `gc` frees).
//!
//! Every size here is **bytes in the store**: each stored blob (config,
//! manifest, index, compressed layer) counted once, however many images
//! use it. A blob an image names but the store does not hold takes no
//! space and counts nowhere.
//!
//! - Images SIZE: the blobs any image uses.
//! - Images RECLAIMABLE: the blobs that only unpinned images use
//!   ([`freed_by`] the unpinned images).
//! - Per image: SIZE is its blobs; SHARED SIZE the part another image uses
//!   too; UNIQUE SIZE the rest (what removing it alone frees).
//! - Cache: stored blobs no image uses (pull-through cache, leftovers).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::digest::Digest;
use crate::display::human_size;
use crate::format::HeaderMap;

/// One image as `df` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageImage {
    /// The image ID.
    pub id: Digest,
    /// Whether a pin holds it (strata's "active").
    pub pinned: bool,
    /// Every blob the image uses (repeats are fine).
    pub blobs: Vec<Digest>,
}

/// One row of `df`: a kind of content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeUsage {
    /// How many (images, or blobs for the cache).
    pub total: u64,
    /// How many are in use (pinned images; none for the cache).
    pub active: u64,
    /// Bytes in the store.
    pub size: u64,
    /// Bytes that removing the unused ones would free.
    pub reclaimable: u64,
}

/// One image's share of the store (`df -v`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageUsage {
    /// The image ID.
    pub id: Digest,
    /// Bytes of its stored blobs.
    pub size: u64,
    /// The part of `size` that other images use too.
    pub shared: u64,
    /// `size - shared`: what removing only this image frees.
    pub unique: u64,
}

/// The store's usage, as `system df` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskUsage {
    /// The `Images` row.
    pub images: TypeUsage,
    /// The `Cache` row: blobs no image uses.
    pub cache: TypeUsage,
    /// One entry per image, in the order given.
    pub per_image: Vec<ImageUsage>,
}

/// The usage of `images` over the blobs the store holds (`stored`: digest
/// to size).
pub fn disk_usage(images: &[UsageImage], stored: &BTreeMap<Digest, u64>) -> DiskUsage {
    let users = users(images, stored);
    let size_of = |d: &Digest| stored.get(d).copied().unwrap_or(0);
    let per_image = images
        .iter()
        .map(|image| {
            let mine = stored_blobs(image, stored);
            let size: u64 = mine.iter().map(|d| size_of(d)).sum();
            let shared: u64 = mine
                .iter()
                .filter(|d| users.get(*d).is_some_and(|u| u.len() > 1))
                .map(|d| size_of(d))
                .sum();
            ImageUsage {
                id: image.id.clone(),
                size,
                shared,
                unique: size - shared,
            }
        })
        .collect();
    let unpinned: BTreeSet<&Digest> = images.iter().filter(|i| !i.pinned).map(|i| &i.id).collect();
    let image_count = images.iter().map(|i| &i.id).collect::<BTreeSet<_>>().len();
    let pinned_count = images
        .iter()
        .filter(|i| i.pinned)
        .map(|i| &i.id)
        .collect::<BTreeSet<_>>()
        .len();
    let cache: Vec<u64> = stored
        .iter()
        .filter(|(d, _)| !users.contains_key(*d))
        .map(|(_, size)| *size)
        .collect();
    let cache_size = cache.iter().sum();
    DiskUsage {
        images: TypeUsage {
            total: image_count as u64,
            active: pinned_count as u64,
            size: users.keys().map(|d| size_of(d)).sum(),
            reclaimable: freed_by(images, stored, &unpinned),
        },
        cache: TypeUsage {
            total: cache.len() as u64,
            active: 0,
            size: cache_size,
            reclaimable: cache_size,
        },
        per_image,
    }
}

/// Bytes of the stored blobs that only the images in `removed` use: what
/// removing them all frees.
pub fn freed_by(
    images: &[UsageImage],
    stored: &BTreeMap<Digest, u64>,
    removed: &BTreeSet<&Digest>,
) -> u64 {
    users(images, stored)
        .iter()
        .filter(|(_, users)| users.iter().all(|u| removed.contains(u)))
        .map(|(d, _)| stored.get(*d).copied().unwrap_or(0))
        .sum()
}

/// Each stored blob any image uses, with the images using it.
fn users<'a>(
    images: &'a [UsageImage],
    stored: &BTreeMap<Digest, u64>,
) -> BTreeMap<&'a Digest, BTreeSet<&'a Digest>> {
    let mut users: BTreeMap<&Digest, BTreeSet<&Digest>> = BTreeMap::new();
    for image in images {
        for blob in stored_blobs(image, stored) {
            users.entry(blob).or_default().insert(&image.id);
        }
    }
    users
}

/// The image's blobs that the store holds, each once.
fn stored_blobs<'a>(image: &'a UsageImage, stored: &BTreeMap<Digest, u64>) -> BTreeSet<&'a Digest> {
    image
        .blobs
        .iter()
        .filter(|d| stored.contains_key(*d))
        .collect()
}

/// `df`'s default table.
pub const DF_FORMAT: &str =
    "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";

/// `df`'s column headers.
pub fn df_headers() -> HeaderMap {
    [
        ("Type", "TYPE"),
        ("TotalCount", "TOTAL"),
        ("Active", "ACTIVE"),
        ("Size", "SIZE"),
        ("Reclaimable", "RECLAIMABLE"),
    ]
    .into_iter()
    .collect()
}

impl TypeUsage {
    /// The row's template value (Docker's field names, every value a
    /// string, as `docker system df --format json` prints them).
    pub fn template_value(&self, kind: &str) -> Json {
        json!({
            "Type": kind,
            "TotalCount": self.total.to_string(),
            "Active": self.active.to_string(),
            "Size": human_size(self.size),
            "Reclaimable": reclaimable(self.reclaimable, self.size),
        })
    }
}

/// `12.3MB (70%)`, as Docker prints RECLAIMABLE: the percentage of `size`,
/// rounded down, left out when `size` is 0.
pub fn reclaimable(bytes: u64, size: u64) -> String {
    if size == 0 {
        return human_size(bytes);
    }
    let percent = u128::from(bytes) * 100 / u128::from(size);
    format!("{} ({percent}%)", human_size(bytes))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn d(n: u8) -> Digest {
        Digest::sha256_of(&[n])
    }

    fn image(id: u8, pinned: bool, blobs: &[u8]) -> UsageImage {
        UsageImage {
            id: d(id),
            pinned,
            blobs: blobs.iter().map(|b| d(*b)).collect(),
        }
    }

    #[test]
    fn shared_unique_reclaimable_and_cache() {
        // Blob n has size n * 100; 9 is named but not stored; 7 and 8 are cache.
        let stored: BTreeMap<Digest, u64> = [1, 2, 3, 4, 5, 7, 8]
            .into_iter()
            .map(|n| (d(n), u64::from(n) * 100))
            .collect();
        let images = [
            image(101, false, &[1, 2, 2, 9]),
            image(102, true, &[1, 3]),
            image(103, false, &[4, 5, 2]),
        ];
        let usage = disk_usage(&images, &stored);
        assert_eq!(
            usage.images,
            TypeUsage {
                total: 3,
                active: 1,
                size: 100 + 200 + 300 + 400 + 500,
                // 1 is pinned 102's too; 3 is only 102's.
                reclaimable: 200 + 400 + 500,
            }
        );
        assert_eq!(
            usage.cache,
            TypeUsage {
                total: 2,
                active: 0,
                size: 1500,
                reclaimable: 1500
            }
        );
        #[rustfmt::skip]
        let want = [
            (101, 300, 300, 0),
            (102, 400, 100, 300),
            (103, 1100, 200, 900),
        ];
        for (got, (id, size, shared, unique)) in usage.per_image.iter().zip(want) {
            assert_eq!(
                (&got.id, got.size, got.shared, got.unique),
                (&d(id), size, shared, unique)
            );
        }
        let removed: BTreeSet<&Digest> = [&images[0].id].into_iter().collect();
        assert_eq!(freed_by(&images, &stored, &removed), 0);
        let removed: BTreeSet<&Digest> = [&images[0].id, &images[2].id].into_iter().collect();
        assert_eq!(freed_by(&images, &stored, &removed), 1100);
    }

    #[test]
    fn empty_store() {
        let usage = disk_usage(&[], &BTreeMap::new());
        assert_eq!(usage.images, TypeUsage::default());
        assert_eq!(
            usage.images.template_value("Images"),
            json!({"Type": "Images", "TotalCount": "0", "Active": "0", "Size": "0B", "Reclaimable": "0B"})
        );
    }

    #[test]
    fn reclaimable_like_docker() {
        let cases = [
            (0, 0, "0B"),
            (0, 10, "0B (0%)"),
            (11_630_000, 16_430_000, "11.6MB (70%)"),
            (5, 5, "5B (100%)"),
            (1, 3, "1B (33%)"),
        ];
        for (bytes, size, want) in cases {
            assert_eq!(reclaimable(bytes, size), want, "{bytes}/{size}");
        }
    }
}
