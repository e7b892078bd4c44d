//! The images list: one summary per image, turned into the rows
//! `docker images` prints (one per repository and tag), written once for the
//! CLI table and the dashboard.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::digest::Digest;
use crate::display::{created_at, created_since, human_size, human_size_or_unknown};
use crate::filter::{ImagePredicate, ImageSubject};
use crate::reference::Reference;

/// One image in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSummary {
    /// ID, names, labels and created time: what filters look at.
    #[serde(flatten)]
    pub subject: ImageSubject,
    /// The layers' unpacked (tar) sizes added up, as Docker's and podman's
    /// SIZE; `None` until every layer's is known.
    #[serde(default)]
    pub size: Option<u64>,
    /// Compressed layers plus config, in bytes: what the image's blobs take
    /// (nerdctl's BLOB SIZE).
    pub blob_size: u64,
    /// When it was last pulled (`strata pull`, the API, or through `/v2`),
    /// if known: what retention ranks images by.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_pulled: Option<OffsetDateTime>,
}

/// One row of the images table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRow {
    /// The image ID (config digest).
    pub id: Digest,
    /// The familiar repository name, or `<none>`.
    pub repository: String,
    /// The tag, or `<none>`.
    pub tag: String,
    /// The manifest digest of this repository, when digests are shown and known.
    pub digest: Option<Digest>,
    /// When the image was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// The unpacked size in bytes, when known.
    #[serde(default)]
    pub size: Option<u64>,
    /// The compressed size of its blobs in bytes.
    pub blob_size: u64,
    /// When the image was last pulled, if known.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_pulled: Option<OffsetDateTime>,
}

/// Shown where a row has no repository, tag or digest.
pub const NONE: &str = "<none>";

/// The rows for `images`, newest image first, as Docker builds them: one row
/// per tag; with `with_digests`, one per tag and digest; a repository known
/// only by digest gets a `<none>` tag; a dangling image is `<none> <none>`.
/// With a predicate, only matching images, and of those only the names a
/// `reference=` filter matched.
pub fn image_rows(
    images: &[ImageSummary],
    predicate: Option<&ImagePredicate>,
    with_digests: bool,
) -> Vec<ImageRow> {
    let mut selected: Vec<&ImageSummary> = images
        .iter()
        .filter(|image| predicate.is_none_or(|p| p.matches(&image.subject)))
        .collect();
    selected.sort_by(|a, b| {
        b.subject
            .created
            .cmp(&a.subject.created)
            .then_with(|| a.subject.id.cmp(&b.subject.id))
    });
    let mut rows = Vec::new();
    for image in selected {
        let row = |repository: String, tag: String, digest: Option<Digest>| ImageRow {
            id: image.subject.id.clone(),
            repository,
            tag,
            digest,
            created: image.subject.created,
            size: image.size,
            blob_size: image.blob_size,
            last_pulled: image.last_pulled,
        };
        let keep = |r: &&Reference| predicate.is_none_or(|p| p.reference_matches(r));
        let tags: Vec<&Reference> = image.subject.repo_tags.iter().filter(keep).collect();
        let digests: Vec<&Reference> = image.subject.repo_digests.iter().filter(keep).collect();
        if image.subject.repo_tags.is_empty() && image.subject.repo_digests.is_empty() {
            rows.push(row(NONE.into(), NONE.into(), None));
            continue;
        }
        let mut repos: Vec<String> = tags
            .iter()
            .chain(&digests)
            .map(|r| r.familiar_name())
            .collect();
        repos.sort();
        repos.dedup();
        for repo in repos {
            let repo_digests: Vec<&Digest> = digests
                .iter()
                .filter(|r| r.familiar_name() == repo)
                .filter_map(|r| r.digest())
                .collect();
            let mut repo_tags: Vec<String> = tags
                .iter()
                .filter(|r| r.familiar_name() == repo)
                .filter_map(|r| r.tag().map(|t| t.to_string()))
                .collect();
            repo_tags.sort();
            if repo_tags.is_empty() {
                if with_digests {
                    for d in &repo_digests {
                        rows.push(row(repo.clone(), NONE.into(), Some((*d).clone())));
                    }
                } else {
                    rows.push(row(repo.clone(), NONE.into(), None));
                }
                continue;
            }
            for tag in repo_tags {
                if with_digests && !repo_digests.is_empty() {
                    for d in &repo_digests {
                        rows.push(row(repo.clone(), tag.clone(), Some((*d).clone())));
                    }
                } else {
                    rows.push(row(repo.clone(), tag, None));
                }
            }
        }
    }
    rows
}

impl ImageRow {
    /// The row as `--format` templates see it (`{{.ID}}`, `{{.Repository}}`,
    /// `{{.Tag}}`, `{{.Digest}}`, `{{.CreatedSince}}`, `{{.CreatedAt}}`,
    /// `{{.Size}}`), as Docker fills them: ID short unless `no_trunc`;
    /// `Size` is the unpacked size, `unknown` until known. strata adds
    /// `{{.BlobSize}}`, the compressed size, as nerdctl does.
    /// strata adds `{{.LastPulled}}` (as `CreatedAt`) and
    /// `{{.LastPulledSince}}` (as `CreatedSince`), `<none>` when unknown.
    pub fn template_value(&self, no_trunc: bool, now: OffsetDateTime) -> serde_json::Value {
        let id = if no_trunc {
            self.id.to_string()
        } else {
            self.id.short().to_owned()
        };
        serde_json::json!({
            "ID": id,
            "Repository": self.repository,
            "Tag": self.tag,
            "Digest": self.digest.as_ref().map_or_else(|| NONE.to_owned(), Digest::to_string),
            "CreatedSince": created_since(self.created, now),
            "CreatedAt": created_at(self.created),
            "LastPulled": self.last_pulled.map_or_else(|| NONE.to_owned(), created_at),
            "LastPulledSince": self
                .last_pulled
                .map_or_else(|| NONE.to_owned(), |t| created_since(t, now)),
            "Size": human_size_or_unknown(self.size),
            "VirtualSize": human_size_or_unknown(self.size),
            "BlobSize": human_size(self.blob_size),
            "SharedSize": "N/A",
            "UniqueSize": "N/A",
            "Containers": "N/A",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{ImageFilters, ResolvedAnchors};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const A: &str = "sha256:aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000";
    const B: &str = "sha256:bbbbbbbbbbbb0000000000000000000000000000000000000000000000000000";
    const C: &str = "sha256:cccccccccccc0000000000000000000000000000000000000000000000000000";
    const M: &str = "sha256:dddddddddddd0000000000000000000000000000000000000000000000000000";

    fn image(id: &str, tags: &[&str], digests: &[&str], created: i64) -> ImageSummary {
        let parse = |s: &&str| s.parse::<Reference>().expect("reference");
        ImageSummary {
            subject: ImageSubject {
                id: id.parse().expect("digest"),
                repo_tags: tags.iter().map(parse).collect(),
                repo_digests: digests.iter().map(parse).collect(),
                labels: Default::default(),
                created: OffsetDateTime::from_unix_timestamp(created).expect("time"),
            },
            size: (created != 300).then_some(277_000_000),
            blob_size: 99_100_000,
            last_pulled: (created == 100)
                .then(|| OffsetDateTime::from_unix_timestamp(100 + 3600).expect("time")),
        }
    }

    fn table(rows: &[ImageRow]) -> Vec<String> {
        rows.iter()
            .map(|r| {
                let digest = r
                    .digest
                    .as_ref()
                    .map_or("-".to_owned(), |d| d.short().to_owned());
                format!("{} {} {} {}", r.repository, r.tag, r.id.short(), digest)
            })
            .collect()
    }

    fn images() -> Vec<ImageSummary> {
        let web_digest = format!("lovelearnlinux/webserver@{M}");
        vec![
            image(
                A,
                &[
                    "lovelearnlinux/webserver:v1",
                    "lovelearnlinux/webserver:latest",
                ],
                &[&web_digest],
                100,
            ),
            image(B, &[], &[], 300),
            image(C, &[], &[&format!("redis@{M}")], 200),
        ]
    }

    #[test]
    fn rows_like_docker_images() {
        let rows = image_rows(&images(), None, false);
        assert_eq!(
            table(&rows),
            [
                "<none> <none> bbbbbbbbbbbb -",
                "redis <none> cccccccccccc -",
                "lovelearnlinux/webserver latest aaaaaaaaaaaa -",
                "lovelearnlinux/webserver v1 aaaaaaaaaaaa -",
            ]
        );
    }

    #[test]
    fn rows_with_digests() {
        let rows = image_rows(&images(), None, true);
        assert_eq!(
            table(&rows),
            [
                "<none> <none> bbbbbbbbbbbb -",
                "redis <none> cccccccccccc dddddddddddd",
                "lovelearnlinux/webserver latest aaaaaaaaaaaa dddddddddddd",
                "lovelearnlinux/webserver v1 aaaaaaaaaaaa dddddddddddd",
            ]
        );
    }

    #[test]
    fn reference_filter_keeps_only_matching_names() {
        let filters = ImageFilters::parse(["reference=*/*:v1"]).expect("filters");
        let predicate = filters.resolve(&ResolvedAnchors::new()).expect("resolve");
        let rows = image_rows(&images(), Some(&predicate), false);
        assert_eq!(table(&rows), ["lovelearnlinux/webserver v1 aaaaaaaaaaaa -"]);
    }

    #[test]
    fn template_fields() {
        let rows = image_rows(&images(), None, true);
        let now = OffsetDateTime::from_unix_timestamp(100 + 3 * 3600).expect("time");
        let value = rows[3].template_value(false, now);
        assert_eq!(value["ID"], "aaaaaaaaaaaa");
        assert_eq!(value["Repository"], "lovelearnlinux/webserver");
        assert_eq!(value["Tag"], "v1");
        assert_eq!(value["Digest"], M);
        assert_eq!(value["CreatedSince"], "3 hours ago");
        assert_eq!(value["CreatedAt"], "1970-01-01 00:01:40 +0000 UTC");
        assert_eq!(value["Size"], "277MB");
        assert_eq!(value["BlobSize"], "99.1MB");
        assert_eq!(rows[0].template_value(false, now)["Size"], "unknown");
        assert_eq!(value["LastPulled"], "1970-01-01 01:01:40 +0000 UTC");
        assert_eq!(value["LastPulledSince"], "2 hours ago");
        assert_eq!(rows[0].template_value(false, now)["LastPulled"], "<none>");
        assert_eq!(rows[3].template_value(true, now)["ID"], A);
        assert_eq!(rows[0].template_value(false, now)["Digest"], "<none>");
    }
}
