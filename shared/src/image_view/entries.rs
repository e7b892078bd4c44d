//! An index's entries as the image page lists them, and which one it shows.
//!
//! Entries are [`EntryKind::Platform`] (an image to run),
//! [`EntryKind::Attestation`] (BuildKit's `unknown/unknown` entries, or ones
//! annotated `vnd.docker.reference.type: attestation-manifest`; never a
//! platform) or [`EntryKind::Unspecified`] (no platform given).
//!
//! [`choose`] picks the entry to show by the image walk's one rule
//! ([`PlatformChoice::Page`]):
//! 1. the platform asked for (in the URL), matched as `--platform` is
//!    ([`crate::platform::select`]);
//! 2. otherwise the entry with the `preferred` digest (the one the local
//!    store holds), if it is an image entry;
//! 3. otherwise the first image entry.

use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageIndex};
use crate::platform::Platform;
use crate::walk::{NoEntry, PlatformChoice};

/// The annotation naming the manifest an attestation is about.
const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";

/// What an index entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// An image for this platform.
    Platform(Platform),
    /// An attestation (provenance, SBOM), about the manifest `about` if it says.
    Attestation {
        /// The manifest it attests, from `vnd.docker.reference.digest`.
        about: Option<Digest>,
    },
    /// An entry without a platform.
    Unspecified,
}

/// One entry of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The entry's descriptor.
    pub descriptor: Descriptor,
    /// What it is.
    pub kind: EntryKind,
}

impl IndexEntry {
    /// The platform as the URL spells it (`linux/arm64/v8`), for image entries.
    pub fn platform_text(&self) -> Option<String> {
        match &self.kind {
            EntryKind::Platform(p) => Some(p.to_string()),
            _ => None,
        }
    }
}

/// Every entry of `index`, in index order.
pub fn entries(index: &ImageIndex) -> Vec<IndexEntry> {
    index
        .manifests
        .iter()
        .map(|d| IndexEntry {
            descriptor: d.clone(),
            kind: if d.is_attestation() {
                EntryKind::Attestation {
                    about: d
                        .annotations
                        .get(REFERENCE_DIGEST)
                        .and_then(|a| a.parse().ok()),
                }
            } else {
                match &d.platform {
                    Some(p) => EntryKind::Platform(p.clone()),
                    None => EntryKind::Unspecified,
                }
            },
        })
        .collect()
}

/// The entry to show (see the module docs): [`PlatformChoice::choose`].
pub fn choose<'a>(
    index: &'a ImageIndex,
    wanted: Option<&Platform>,
    preferred: Option<&Digest>,
) -> Result<&'a Descriptor, NoEntry> {
    PlatformChoice::Page {
        wanted: wanted.cloned(),
        preferred: preferred.cloned(),
    }
    .choose(index)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    use crate::digest::repeated as digest;

    fn index(entries: &[(char, Option<&str>, bool)]) -> ImageIndex {
        let manifests: Vec<serde_json::Value> = entries
            .iter()
            .map(|(c, platform, attestation)| {
                let mut e = serde_json::json!({
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": digest(*c).to_string(), "size": 10,
                });
                if let Some(p) = platform {
                    let parts: Vec<&str> = p.split('/').collect();
                    e["platform"] = serde_json::json!({"os": parts[0], "architecture": parts[1]});
                    if let Some(v) = parts.get(2) {
                        e["platform"]["variant"] = serde_json::json!(v);
                    }
                }
                if *attestation {
                    e["annotations"] = serde_json::json!({
                        "vnd.docker.reference.type": "attestation-manifest",
                        "vnd.docker.reference.digest": digest('a').to_string(),
                    });
                }
                e
            })
            .collect();
        serde_json::from_value(serde_json::json!({"schemaVersion": 2, "manifests": manifests}))
            .expect("index")
    }

    #[test]
    fn entries_say_what_they_are() {
        let i = index(&[
            ('a', Some("linux/amd64"), false),
            ('b', Some("linux/arm64/v8"), false),
            ('c', Some("unknown/unknown"), true),
            ('d', Some("unknown/unknown"), false),
            ('e', None, false),
        ]);
        let kinds: Vec<EntryKind> = entries(&i).into_iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::Platform(Platform::new("linux", "amd64")),
                EntryKind::Platform(Platform::new("linux", "arm64").with_variant("v8")),
                EntryKind::Attestation {
                    about: Some(digest('a'))
                },
                EntryKind::Attestation { about: None },
                EntryKind::Unspecified,
            ]
        );
        let texts: Vec<Option<String>> =
            entries(&i).iter().map(IndexEntry::platform_text).collect();
        assert_eq!(
            texts,
            [
                Some("linux/amd64".to_owned()),
                Some("linux/arm64/v8".to_owned()),
                None,
                None,
                None
            ]
        );
    }

    #[test]
    fn choice_follows_the_url_then_the_store_then_amd64() {
        let multi = index(&[
            ('a', Some("linux/amd64"), false),
            ('b', Some("linux/arm64/v8"), false),
            ('c', Some("unknown/unknown"), true),
        ]);
        let arm_only = index(&[
            ('c', Some("unknown/unknown"), true),
            ('b', Some("linux/arm64/v8"), false),
            ('f', Some("linux/s390x"), false),
        ]);
        let arm64: Platform = "linux/arm64".parse().expect("platform");
        let unknown = Platform::new("unknown", "unknown");
        type Case<'a> = (
            &'a ImageIndex,
            Option<&'a Platform>,
            Option<Digest>,
            Option<char>,
        );
        #[rustfmt::skip]
        let cases: [Case; 8] = [
            (&multi, None, None, Some('a')),
            (&multi, Some(&arm64), None, Some('b')),
            (&multi, Some(&arm64), Some(digest('a')), Some('b')),
            (&multi, None, Some(digest('b')), Some('b')),
            (&multi, None, Some(digest('c')), Some('a')),
            (&multi, Some(&unknown), None, None),
            (&arm_only, None, None, Some('b')),
            (&index(&[('c', Some("unknown/unknown"), true)]), None, None, None),
        ];
        for (i, wanted, preferred, want) in cases {
            let got = choose(i, wanted, preferred.as_ref())
                .ok()
                .map(|d| d.digest.clone());
            assert_eq!(got, want.map(digest), "{wanted:?} {preferred:?}");
        }
    }
}
