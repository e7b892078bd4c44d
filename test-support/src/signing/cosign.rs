//! cosign's legacy tag forms: `sha256-<hex>.sig` (simple-signing payloads
//! with the signature in an annotation) and `sha256-<hex>.att` (DSSE
//! envelopes as layers).

use serde_json::{Value, json};

/// The simple-signing payload layer type.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The DSSE envelope layer type of `.att` manifests.
pub const DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// The annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The annotation holding the keyless signing certificate (PEM).
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// The annotation holding the certificate chain (PEM).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// The annotation holding the Rekor bundle (SET and payload).
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";

/// The tag of `digest`'s signatures: `sha256-<hex>.sig`.
pub fn sig_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

/// The tag of `digest`'s attestations: `sha256-<hex>.att`.
pub fn att_tag(digest: &str) -> String {
    format!("{}.att", digest.replace(':', "-"))
}

/// The referrers tag schema tag of `digest`: `sha256-<hex>`.
pub fn referrers_tag(digest: &str) -> String {
    digest.replace(':', "-")
}

/// The simple-signing payload cosign signs: `docker_reference` (the
/// repository, without tag) is `docker-manifest-digest` `digest`.
pub fn simple_signing_payload(docker_reference: &str, digest: &str) -> Vec<u8> {
    // cosign writes the keys in this order, with `"optional":null`.
    format!(
        "{{\"critical\":{{\"identity\":{{\"docker-reference\":\"{docker_reference}\"}},\"image\":{{\"docker-manifest-digest\":\"{digest}\"}},\"type\":\"cosign container image signature\"}},\"optional\":null}}"
    )
    .into_bytes()
}

/// One layer of a `.sig` or `.att` manifest before upload.
#[derive(Debug, Clone)]
pub struct CosignLayer {
    /// The layer's media type.
    pub media_type: String,
    /// The layer's bytes (payload or envelope).
    pub bytes: Vec<u8>,
    /// The layer descriptor's annotations.
    pub annotations: Value,
}

/// The `{}` config blob of cosign's manifests.
pub const EMPTY_CONFIG: &[u8] = b"{}";

/// A cosign `.sig`/`.att` manifest with `layers` (OCI image manifest,
/// config `application/vnd.oci.image.config.v1+json` holding `{}`).
pub fn manifest(layers: &[CosignLayer]) -> Value {
    let layers: Vec<Value> = layers
        .iter()
        .map(|l| {
            json!({
                "mediaType": l.media_type,
                "digest": crate::fixtures::layer::sha256(&l.bytes),
                "size": l.bytes.len(),
                "annotations": l.annotations,
            })
        })
        .collect();
    json!({
        "schemaVersion": 2,
        "mediaType": crate::fixtures::image::media::MANIFEST,
        "config": {
            "mediaType": crate::fixtures::image::media::CONFIG,
            "digest": crate::fixtures::layer::sha256(EMPTY_CONFIG),
            "size": EMPTY_CONFIG.len(),
        },
        "layers": layers,
    })
}
