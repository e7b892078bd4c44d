//! `manifest.json` and `repositories`, the docker-archive's own members.
//!
//! `manifest.json` is a JSON list with one entry per image:
//! `{"Config": PATH, "RepoTags": [NAME:TAG…] or null, "Layers": [PATH…]}`,
//! layers base first. Docker also writes `LayerSources` (foreign layers),
//! which strata neither writes nor needs. Names are written in Docker's
//! familiar form (`redis:latest`) and parsed with the usual defaulting
//! (`redis` is `docker.io/library/redis`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::member_path::{MemberPath, PathError};
use crate::reference::Reference;

/// One image of a docker-archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveEntry {
    /// The config member; its digest is the image ID.
    pub config: MemberPath,
    /// The names the image is loaded under (none: loaded by ID only).
    pub repo_tags: Vec<Reference>,
    /// The layer members, base first.
    pub layers: Vec<MemberPath>,
}

/// Why a `manifest.json` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestJsonError {
    /// Not the JSON list Docker writes.
    #[error("manifest.json is not a docker-archive manifest: {0}")]
    Json(String),
    /// A member path is unsafe.
    #[error("manifest.json names the member {member:?}, whose path {problem}")]
    Path {
        /// The path as written.
        member: String,
        /// What is wrong with it.
        problem: PathError,
    },
    /// A `RepoTags` entry is not a `name:tag` reference.
    #[error("manifest.json names the image {tag:?}, which is not a NAME:TAG reference")]
    Tag {
        /// The entry as written.
        tag: String,
    },
}

#[derive(Serialize, Deserialize)]
struct RawEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    layers: Vec<String>,
}

/// Parses `manifest.json`.
pub fn parse_manifest_json(bytes: &[u8]) -> Result<Vec<ArchiveEntry>, ManifestJsonError> {
    let raw: Vec<RawEntry> =
        serde_json::from_slice(bytes).map_err(|e| ManifestJsonError::Json(e.to_string()))?;
    let path = |s: &String| {
        s.parse::<MemberPath>()
            .map_err(|problem| ManifestJsonError::Path {
                member: s.clone(),
                problem,
            })
    };
    raw.iter()
        .map(|entry| {
            let repo_tags = entry
                .repo_tags
                .iter()
                .flatten()
                .map(|t| match t.parse::<Reference>() {
                    Ok(r) if r.tag().is_some() && r.digest().is_none() => Ok(r),
                    _ => Err(ManifestJsonError::Tag { tag: t.clone() }),
                })
                .collect::<Result<_, _>>()?;
            Ok(ArchiveEntry {
                config: path(&entry.config)?,
                repo_tags,
                layers: entry.layers.iter().map(path).collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

impl ArchiveEntry {
    /// `manifest.json` for `entries`, as Docker writes it (`RepoTags`
    /// null for an image saved by ID).
    pub fn to_json(entries: &[ArchiveEntry]) -> Vec<u8> {
        let raw: Vec<RawEntry> = entries
            .iter()
            .map(|e| RawEntry {
                config: e.config.to_string(),
                repo_tags: (!e.repo_tags.is_empty())
                    .then(|| e.repo_tags.iter().map(Reference::familiar).collect()),
                layers: e.layers.iter().map(MemberPath::to_string).collect(),
            })
            .collect();
        serde_json::to_vec(&raw).unwrap_or_default()
    }
}

/// The legacy `repositories` member: familiar name → tag → the hex of
/// the image's top layer, as `docker save` writes it. `docker load` and
/// podman read `manifest.json` instead; strata only writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Repositories(BTreeMap<String, BTreeMap<String, String>>);

impl Repositories {
    /// The member for `entries`: each tag names the image's last layer
    /// (by the hex its member path names, else the path's first component).
    pub fn of(entries: &[ArchiveEntry]) -> Repositories {
        let mut repos = Repositories::default();
        for entry in entries {
            let Some(top) = entry.layers.last() else {
                continue;
            };
            let hex = top.named_digest().map_or_else(
                || {
                    top.as_str()
                        .split('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                },
                |d| d.encoded().to_owned(),
            );
            for name in &entry.repo_tags {
                if let Some(tag) = name.tag() {
                    repos
                        .0
                        .entry(name.familiar_name())
                        .or_default()
                        .insert(tag.to_string(), hex.clone());
                }
            }
        }
        repos
    }

    /// The JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_what_docker_and_podman_write() {
        /// The JSON, and (tags, layers) of its first entry or a part of the error.
        type Case = (String, Result<(usize, usize), &'static str>);
        let cases: &[Case] = &[
            (
                format!(
                    r#"[{{"Config":"blobs/sha256/{HEX}","RepoTags":["redis:latest"],"Layers":["blobs/sha256/{HEX}"]}}]"#
                ),
                Ok((1, 1)),
            ),
            (
                format!(
                    r#"[{{"Config":"{HEX}.json","RepoTags":null,"Layers":["{HEX}/layer.tar"]}}]"#
                ),
                Ok((0, 1)),
            ),
            (
                format!(r#"[{{"Config":"{HEX}.json","Layers":[]}}]"#),
                Ok((0, 0)),
            ),
            (
                r#"[{"Config":"../x.json","RepoTags":null,"Layers":[]}]"#.to_owned(),
                Err("leaves the archive"),
            ),
            (
                r#"[{"Config":"a.json","RepoTags":null,"Layers":["/etc/passwd"]}]"#.to_owned(),
                Err("absolute"),
            ),
            (
                r#"[{"Config":"a.json","RepoTags":["Not A Name"],"Layers":[]}]"#.to_owned(),
                Err("not a NAME:TAG"),
            ),
            (r#"{"Config":"a"}"#.to_owned(), Err("not a docker-archive")),
        ];
        for (json, want) in cases {
            let got = parse_manifest_json(json.as_bytes());
            match (got, want) {
                (Ok(entries), Ok((tags, layers))) => {
                    assert_eq!(entries[0].repo_tags.len(), *tags, "{json}");
                    assert_eq!(entries[0].layers.len(), *layers, "{json}");
                }
                (Err(e), Err(part)) => assert!(e.to_string().contains(part), "{json}: {e}"),
                (got, want) => panic!("{json}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn writes_familiar_names_and_repositories() {
        let json = format!(
            r#"[{{"Config":"blobs/sha256/{HEX}","RepoTags":["docker.io/library/redis:7"],"Layers":["blobs/sha256/{HEX}"]}},{{"Config":"x.json","RepoTags":null,"Layers":[]}}]"#
        );
        let entries = parse_manifest_json(json.as_bytes()).expect("parse");
        let written = String::from_utf8(ArchiveEntry::to_json(&entries)).expect("utf8");
        assert!(written.contains(r#""RepoTags":["redis:7"]"#), "{written}");
        assert!(written.contains(r#""RepoTags":null"#), "{written}");
        assert_eq!(parse_manifest_json(written.as_bytes()), Ok(entries.clone()));
        let repos = String::from_utf8(Repositories::of(&entries).to_json()).expect("utf8");
        assert_eq!(repos, format!(r#"{{"redis":{{"7":"{HEX}"}}}}"#));
    }
}
