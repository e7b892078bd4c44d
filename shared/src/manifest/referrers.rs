//! The referrers of a manifest (OCI distribution 1.1): the artifacts
//! (signatures, attestations, SBOMs) whose `subject` names it, listed as
//! an image index, either by a registry's referrers API
//! (`GET /v2/<name>/referrers/<digest>`) or, where a registry has none, by
//! the index tagged with the referrers tag schema (`sha256-<hex>`).

use crate::digest::Digest;
use crate::media_type::MediaType;
use crate::reference::Tag;

use super::ImageIndex;

/// The referrers tag of `subject`: `<alg>-<encoded>`, the algorithm cut to
/// 32 characters and the encoded part to 64, every character a tag may
/// not hold written `-` (the distribution spec's "Referrers Tag Schema").
pub fn referrers_tag(subject: &Digest) -> Tag {
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .take(max)
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let algorithm = subject.algorithm().to_string();
    let tag = format!("{}-{}", clean(&algorithm, 32), clean(subject.encoded(), 64));
    tag.parse()
        .unwrap_or_else(|e| unreachable!("a referrers tag is a valid tag ({tag}): {e}"))
}

/// The referrers list with nothing in it, as a registry answers for a
/// manifest that nothing refers to.
pub fn no_referrers() -> ImageIndex {
    ImageIndex {
        schema_version: 2,
        media_type: Some(MediaType::OciIndex),
        artifact_type: None,
        manifests: Vec::new(),
        subject: None,
        annotations: Default::default(),
        extra: Default::default(),
    }
}

/// `index` with only the referrers of `artifact_type` (all when `None`),
/// as the referrers API's `?artifactType=` filter answers.
pub fn filter_referrers(index: &ImageIndex, artifact_type: Option<&MediaType>) -> ImageIndex {
    let mut filtered = index.clone();
    if let Some(wanted) = artifact_type {
        filtered
            .manifests
            .retain(|d| d.artifact_type.as_ref() == Some(wanted));
    }
    filtered
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::manifest::Descriptor;

    #[test]
    fn the_tag_schema_follows_the_spec() {
        let subject: Digest = format!("sha256:{}", "a".repeat(64))
            .parse()
            .expect("digest");
        assert_eq!(
            referrers_tag(&subject).as_str(),
            format!("sha256-{}", "a".repeat(64))
        );
        let long: Digest = format!("sha512:{}", "b".repeat(128))
            .parse()
            .expect("digest");
        assert_eq!(
            referrers_tag(&long).as_str(),
            format!("sha512-{}", "b".repeat(64))
        );
    }

    #[test]
    fn the_filter_keeps_only_the_artifact_type_asked_for() {
        let artifact = |kind: &str, byte: u8| {
            let mut d = Descriptor::new(MediaType::OciManifest, Digest::sha256_of(&[byte]), 10);
            d.artifact_type = Some(MediaType::parse(kind));
            d
        };
        let mut index = no_referrers();
        index.manifests = vec![
            artifact("application/vnd.dev.sigstore.bundle.v0.3+json", 1),
            artifact("application/spdx+json", 2),
            artifact("application/vnd.dev.sigstore.bundle.v0.3+json", 3),
        ];
        let sboms = filter_referrers(&index, Some(&MediaType::parse("application/spdx+json")));
        assert_eq!(sboms.manifests.len(), 1);
        assert_eq!(sboms.manifests[0].digest, Digest::sha256_of(&[2]));
        assert_eq!(filter_referrers(&index, None).manifests.len(), 3);
        assert!(
            filter_referrers(&index, Some(&MediaType::parse("x/none")))
                .manifests
                .is_empty()
        );
        assert!(no_referrers().manifests.is_empty());
    }
}
