//! The OCI image layout: `oci-layout`, `index.json` and `blobs/<alg>/<hex>`,
//! and how its index names images.
//!
//! Naming rules, as Docker 25+ and containerd write and read them:
//! - `io.containerd.image.name` holds the full name (`docker.io/library/redis:7`);
//! - `org.opencontainers.image.ref.name` holds the tag (`7`), which is what
//!   `skopeo copy oci:DIR:TAG` looks up; a value that is a whole
//!   `name:tag` reference (as podman and buildah write it) names the
//!   image by itself.
//!
//! An entry with neither names no image: it is loaded by ID.

use std::collections::BTreeMap;

use crate::manifest::{Descriptor, ImageIndex};
use crate::media_type::MediaType;
use crate::reference::Reference;

/// The layout's marker member.
pub const OCI_LAYOUT: &str = "oci-layout";
/// The layout's index member.
pub const INDEX_JSON: &str = "index.json";
/// The docker-archive's manifest member.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The docker-archive's legacy names member.
pub const REPOSITORIES: &str = "repositories";
/// The OCI annotation naming an index entry (a tag, or a full reference).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// containerd's (and Docker's) annotation with the full image name.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// The content of `oci-layout`.
pub const LAYOUT_VERSION: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// An `index.json` entry for the manifest `manifest`, named `name` (with
/// its tag) if given.
pub fn index_entry(manifest: Descriptor, name: Option<&Reference>) -> Descriptor {
    let mut entry = Descriptor::new(manifest.media_type, manifest.digest, manifest.size);
    if let Some(name) = name {
        entry
            .annotations
            .insert(CONTAINERD_NAME.to_owned(), name.to_string());
        if let Some(tag) = name.tag() {
            entry
                .annotations
                .insert(REF_NAME.to_owned(), tag.to_string());
        }
    }
    entry
}

/// `index.json` listing `entries`.
pub fn index(entries: Vec<Descriptor>) -> ImageIndex {
    ImageIndex {
        schema_version: 2,
        media_type: Some(MediaType::OciIndex),
        artifact_type: None,
        manifests: entries,
        subject: None,
        annotations: BTreeMap::new(),
        extra: BTreeMap::new(),
    }
}

/// The name an `index.json` entry gives its image (see the module docs).
pub fn entry_name(entry: &Descriptor) -> Option<Reference> {
    let tagged = |s: &String| {
        s.parse::<Reference>()
            .ok()
            .filter(|r| r.tag().is_some() && r.digest().is_none())
    };
    if let Some(name) = entry.annotations.get(CONTAINERD_NAME).and_then(tagged) {
        return Some(name);
    }
    // A bare tag also parses (as `docker.io/library/<tag>`): only a value
    // with a `:` or `/` is a name.
    entry
        .annotations
        .get(REF_NAME)
        .filter(|s| s.contains(':') || s.contains('/'))
        .and_then(tagged)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::digest::Digest;

    #[test]
    fn names() {
        /// Annotations, and the name they give.
        type Case = (
            &'static [(&'static str, &'static str)],
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (
                &[
                    (CONTAINERD_NAME, "docker.io/library/redis:7"),
                    (REF_NAME, "7"),
                ],
                Some("docker.io/library/redis:7"),
            ),
            (&[(REF_NAME, "localhost/app:v1")], Some("localhost/app:v1")),
            (
                &[(REF_NAME, "docker.io/library/redis:latest")],
                Some("docker.io/library/redis:latest"),
            ),
            (&[(REF_NAME, "v1")], None),
            (&[(REF_NAME, "app")], None),
            (
                &[(
                    CONTAINERD_NAME,
                    "redis@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                )],
                None,
            ),
            (&[], None),
        ];
        for (annotations, want) in cases {
            let mut entry = Descriptor::new(MediaType::OciManifest, Digest::sha256_of(b"m"), 1);
            for (k, v) in *annotations {
                entry.annotations.insert((*k).to_owned(), (*v).to_owned());
            }
            let got = entry_name(&entry).map(|r| r.to_string());
            assert_eq!(got.as_deref(), *want, "{annotations:?}");
        }
    }

    #[test]
    fn entries_round_trip_their_name() {
        let name: Reference = "127.0.0.1:5000/team/app:v2".parse().expect("ref");
        let manifest = Descriptor::new(MediaType::OciManifest, Digest::sha256_of(b"m"), 1);
        let entry = index_entry(manifest, Some(&name));
        assert_eq!(
            entry.annotations.get(REF_NAME).map(String::as_str),
            Some("v2")
        );
        assert_eq!(entry_name(&entry), Some(name));
    }
}
