//! Whether an image has signatures or attestations at all: the referrers
//! list, cosign's `.sig` and `.att` tags, BuildKit attestation entries.
//! The verification code is fetched only when this says yes.

use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::reference::{Reference, TagOrDigest};
use shared::signature::{Source, legacy_tag};

use crate::api;

/// Whether `subject` (in `reference`'s repository) has anything attached.
pub async fn has_artifacts(
    reference: &Reference,
    subject: &Digest,
    entries: &[Descriptor],
) -> bool {
    if entries.iter().any(Descriptor::is_attestation) {
        return true;
    }
    if let Ok(Some(index)) = api::v2_referrers(reference, subject).await
        && !index.manifests.is_empty()
    {
        return true;
    }
    for source in [
        Source::SignatureTag,
        Source::AttestationTag,
        Source::SbomTag,
    ] {
        if let Some(tag) = legacy_tag(subject, source)
            && api::v2_manifest(reference, &TagOrDigest::Tag(tag))
                .await
                .is_ok()
        {
            return true;
        }
    }
    false
}
