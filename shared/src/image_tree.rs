//! `images --tree`: each image by name, then the platforms of the index it
//! was pulled from, in Docker 27's shape:
//!
//! ```text
//! IMAGE                           ID             DISK USAGE   CONTENT SIZE   IN USE
//! registry:5000/library/multi:latest
//!                                 3f2a1b9c8d7e        1.2kB          1.1kB
//! ├─ linux/amd64                  5e6f7a8b9c0d        1.1kB          1.1kB
//! └─ linux/arm64/v8               9a8b7c6d5e4f           0B             0B   not available
//! ```
//!
//! (A name too long for the column gets a line of its own, as Docker
//! does.) The image line's ID is the image ID; a platform line's ID is
//! its manifest digest. Sizes are **bytes in the store**: DISK USAGE
//! counts each stored blob once (config, manifest, layers; the image line
//! adds the index), CONTENT SIZE the compressed config and layers. A
//! platform the store does not hold shows `0B` and `not available`; IN
//! USE shows `✔` for a pinned image. Attestation entries are left out, as
//! Docker leaves them out.

use crate::digest::Digest;
use crate::display::{display_width, human_size};
use crate::manifest::ImageIndex;

/// The widest name that shares its line with the columns.
const NAME_WIDTH: usize = 30;

/// One image of the tree: a name and its platforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeImage {
    /// `name:tag` in familiar form, or `<none>:<none>`.
    pub name: String,
    /// The image ID.
    pub id: Digest,
    /// Stored bytes of the image, its index included.
    pub disk_usage: u64,
    /// Compressed config and layers of the stored platforms.
    pub content_size: u64,
    /// A pin holds the image.
    pub in_use: bool,
    /// Its platforms, in index order.
    pub platforms: Vec<TreePlatform>,
}

/// One platform of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePlatform {
    /// `os/arch[/variant]`.
    pub platform: String,
    /// The platform's manifest digest.
    pub manifest: Digest,
    /// What the store holds of it, `None` when it does not hold it.
    pub stored: Option<StoredPlatform>,
}

/// A platform the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoredPlatform {
    /// Stored bytes of its manifest, config and layers.
    pub disk_usage: u64,
    /// Compressed config and layers.
    pub content_size: u64,
    /// A pin holds it.
    pub in_use: bool,
}

/// The runnable platforms of `index`, in order, each with what `stored`
/// says the store holds of its manifest.
pub fn index_platforms(
    index: &ImageIndex,
    stored: impl Fn(&Digest) -> Option<StoredPlatform>,
) -> Vec<TreePlatform> {
    index
        .manifests
        .iter()
        .filter(|d| !d.is_attestation())
        .map(|d| TreePlatform {
            platform: d
                .platform
                .as_ref()
                .map_or_else(|| "unknown".to_owned(), ToString::to_string),
            manifest: d.digest.clone(),
            stored: stored(&d.digest),
        })
        .collect()
}

/// The tree as text, a blank line between images; `no_trunc` prints whole
/// digests.
pub fn render_tree(images: &[TreeImage], no_trunc: bool) -> String {
    let id = |d: &Digest| {
        if no_trunc {
            d.to_string()
        } else {
            d.short().to_owned()
        }
    };
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut starts = Vec::new();
    for image in images {
        starts.push(rows.len());
        rows.push([
            image.name.clone(),
            id(&image.id),
            human_size(image.disk_usage),
            human_size(image.content_size),
            mark(image.in_use).to_owned(),
        ]);
        let last = image.platforms.len().saturating_sub(1);
        for (i, p) in image.platforms.iter().enumerate() {
            let branch = if i == last { "└─" } else { "├─" };
            let stored = p.stored.unwrap_or_default();
            rows.push([
                format!("{branch} {}", p.platform),
                id(&p.manifest),
                human_size(stored.disk_usage),
                human_size(stored.content_size),
                if p.stored.is_some() {
                    mark(stored.in_use).to_owned()
                } else {
                    "not available".to_owned()
                },
            ]);
        }
    }
    let header = ["IMAGE", "ID", "DISK USAGE", "CONTENT SIZE", "IN USE"].map(str::to_owned);
    let mut widths = header.clone().map(|h| display_width(&h));
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row).skip(1) {
            *w = (*w).max(display_width(cell));
        }
        if display_width(&row[0]) <= NAME_WIDTH {
            widths[0] = widths[0].max(display_width(&row[0]));
        }
    }
    let mut out = line(&header, &widths);
    for (n, row) in rows.iter().enumerate() {
        if n > 0 && starts.contains(&n) {
            out.push('\n');
        }
        if display_width(&row[0]) > widths[0] {
            out.push_str(&row[0]);
            out.push('\n');
            let mut rest = row.clone();
            rest[0] = String::new();
            out.push_str(&line(&rest, &widths));
        } else {
            out.push_str(&line(row, &widths));
        }
    }
    out
}

fn mark(in_use: bool) -> &'static str {
    if in_use { "✔" } else { "" }
}

/// One line: name and ID left-aligned, the sizes right-aligned, three
/// spaces between columns, no trailing spaces.
fn line(cells: &[String; 5], widths: &[usize; 5]) -> String {
    let pad = |cell: &str, width: usize| " ".repeat(width.saturating_sub(display_width(cell)));
    let mut out = String::new();
    out.push_str(&cells[0]);
    out.push_str(&pad(&cells[0], widths[0]));
    out.push_str("   ");
    out.push_str(&cells[1]);
    out.push_str(&pad(&cells[1], widths[1]));
    for i in 2..4 {
        out.push_str("   ");
        out.push_str(&pad(&cells[i], widths[i]));
        out.push_str(&cells[i]);
    }
    out.push_str("   ");
    out.push_str(&cells[4]);
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::manifest::Manifest;

    fn d(n: u8) -> Digest {
        Digest::sha256_of(&[n])
    }

    fn index() -> ImageIndex {
        let json = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d(1).to_string(), "size": 10,
                 "platform": {"os": "linux", "architecture": "amd64"}},
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d(2).to_string(), "size": 10,
                 "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
                {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d(3).to_string(), "size": 10,
                 "platform": {"os": "unknown", "architecture": "unknown"},
                 "annotations": {"vnd.docker.reference.type": "attestation-manifest"}}
            ]
        });
        let manifest = Manifest::from_value(json, None).unwrap_or_else(|e| panic!("{e}"));
        manifest
            .as_index()
            .cloned()
            .unwrap_or_else(|| panic!("an index"))
    }

    #[test]
    fn platforms_skip_attestations_and_say_what_is_stored() {
        let stored = StoredPlatform {
            disk_usage: 1500,
            content_size: 1200,
            in_use: false,
        };
        let platforms = index_platforms(&index(), |m| (*m == d(1)).then_some(stored));
        let got: Vec<(&str, &Digest, bool)> = platforms
            .iter()
            .map(|p| (p.platform.as_str(), &p.manifest, p.stored.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                ("linux/amd64", &d(1), true),
                ("linux/arm64/v8", &d(2), false)
            ]
        );
    }

    #[test]
    fn renders_like_docker_27() {
        let images = [
            TreeImage {
                name: "multi:latest".into(),
                id: d(9),
                disk_usage: 1800,
                content_size: 1200,
                in_use: true,
                platforms: index_platforms(&index(), |m| {
                    (*m == d(1)).then_some(StoredPlatform {
                        disk_usage: 1500,
                        content_size: 1200,
                        in_use: true,
                    })
                }),
            },
            TreeImage {
                name: "a-rather-long-registry.example:5000/some/image:latest".into(),
                id: d(8),
                disk_usage: 20,
                content_size: 10,
                in_use: false,
                platforms: vec![TreePlatform {
                    platform: "linux/amd64".into(),
                    manifest: d(7),
                    stored: Some(StoredPlatform {
                        disk_usage: 20,
                        content_size: 10,
                        in_use: false,
                    }),
                }],
            },
        ];
        let text = render_tree(&images, false);
        let s = |n: u8| d(n).short().to_owned();
        let want = format!(
            "\
IMAGE               ID             DISK USAGE   CONTENT SIZE   IN USE
multi:latest        {}        1.8kB          1.2kB   ✔
├─ linux/amd64      {}        1.5kB          1.2kB   ✔
└─ linux/arm64/v8   {}           0B             0B   not available

a-rather-long-registry.example:5000/some/image:latest
                    {}          20B            10B
└─ linux/amd64      {}          20B            10B
",
            s(9),
            s(1),
            s(2),
            s(8),
            s(7)
        );
        assert_eq!(text, want, "\n{text}");
        assert!(render_tree(&images, true).contains(&d(9).to_string()));
    }
}
