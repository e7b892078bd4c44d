//! What an image filter looks at: [`ImageSubject`], and the created times of
//! the images that `before=` and `since=` name ([`ResolvedAnchors`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::digest::Digest;
use crate::reference::Reference;

/// The facts about one image that `images --filter` tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSubject {
    /// The image ID (config digest).
    pub id: Digest,
    /// The tags naming the image; empty if it is dangling.
    pub repo_tags: Vec<Reference>,
    /// The `name@digest` references naming the image, if any.
    #[serde(default)]
    pub repo_digests: Vec<Reference>,
    /// The image config's labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// When the image was created (the config's `created`).
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

impl ImageSubject {
    /// Whether no tag names the image (`<none>:<none>` in `images`).
    pub fn is_dangling(&self) -> bool {
        self.repo_tags.is_empty()
    }
}

/// The created times of the images that `before=` and `since=` filters
/// name, looked up by the caller.
///
/// Fill it with [`ResolvedAnchors::insert`] for each name from
/// [`ImageFilters::anchors`](super::ImageFilters::anchors), leaving out the
/// names that match no image; [`ImageFilters::resolve`](super::ImageFilters::resolve)
/// then reports those as `no such image`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedAnchors {
    created: BTreeMap<String, OffsetDateTime>,
}

impl ResolvedAnchors {
    /// No anchors resolved yet.
    pub fn new() -> ResolvedAnchors {
        ResolvedAnchors::default()
    }

    /// Records that the image named `name` (exactly as the filter wrote it)
    /// was created at `created`.
    pub fn insert(&mut self, name: impl Into<String>, created: OffsetDateTime) {
        self.created.insert(name.into(), created);
    }

    /// The created time recorded for `name`.
    pub fn get(&self, name: &str) -> Option<OffsetDateTime> {
        self.created.get(name).copied()
    }
}

impl<N: Into<String>> FromIterator<(N, OffsetDateTime)> for ResolvedAnchors {
    fn from_iter<I: IntoIterator<Item = (N, OffsetDateTime)>>(iter: I) -> Self {
        ResolvedAnchors {
            created: iter
                .into_iter()
                .map(|(name, created)| (name.into(), created))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;

    use super::*;

    #[test]
    fn serde_round_trip() {
        let json = r#"{"id":"sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c","repo_tags":["docker.io/library/redis:7"],"repo_digests":[],"labels":{"a":"b"},"created":"2024-05-01T12:00:00Z"}"#;
        let subject: ImageSubject = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(subject.created, datetime!(2024-05-01 12:00 UTC));
        assert!(!subject.is_dangling());
        assert_eq!(serde_json::to_string(&subject).ok().as_deref(), Some(json));
        // Labels and digests may be left out.
        let short = r#"{"id":"sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c","repo_tags":[],"created":"2024-05-01T12:00:00Z"}"#;
        let dangling: ImageSubject = serde_json::from_str(short).unwrap_or_else(|e| panic!("{e}"));
        assert!(dangling.is_dangling());
        assert!(dangling.labels.is_empty());
    }

    #[test]
    fn anchors_by_name() {
        let mut anchors = ResolvedAnchors::new();
        anchors.insert("redis:7", datetime!(2024-01-01 0:00 UTC));
        assert_eq!(anchors.get("redis:7"), Some(datetime!(2024-01-01 0:00 UTC)));
        assert_eq!(anchors.get("redis"), None);
        let collected: ResolvedAnchors = [("redis:7", datetime!(2024-01-01 0:00 UTC))]
            .into_iter()
            .collect();
        assert_eq!(collected, anchors);
    }
}
