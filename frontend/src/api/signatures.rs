//! What the signatures panel calls: an image's referrers through `/v2`,
//! and the trusted root `strata serve --trusted-root` names.

use gloo_net::http::{Request, RequestBuilder};
use shared::digest::Digest;
use shared::reference::Reference;

use super::{AbortOnDrop, ApiError, check_status, encode_path};

/// `GET /v2/{proxy_path}/referrers/{digest}`: the artifacts whose
/// `subject` is `digest` (strata answers from the registry's referrers API
/// or its referrers tag); `None` for a `404`.
pub async fn v2_referrers(
    reference: &Reference,
    digest: &Digest,
) -> Result<Option<shared::manifest::ImageIndex>, ApiError> {
    let url = format!(
        "/v2/{}/referrers/{}",
        encode_path(&reference.proxy_path()),
        encode_path(&digest.to_string())
    );
    let request = Request::get(&url).header("Accept", "application/vnd.oci.image.index.v1+json");
    let Some(bytes) = get_unless_absent(request).await? else {
        return Ok(None);
    };
    if bytes.len() as u64 > shared::walk::MAX_MANIFEST {
        return Err(ApiError::Network(format!(
            "the referrers list is {} bytes, more than a manifest may be",
            bytes.len()
        )));
    }
    match shared::manifest::Manifest::from_slice(&bytes, None) {
        Ok(shared::manifest::Manifest::Index(index)) => Ok(Some(*index)),
        _ => Err(ApiError::Network(
            "the referrers list is not an image index".into(),
        )),
    }
}

/// `GET /api/v1/trusted-root`: the Sigstore trusted root `strata serve
/// --trusted-root` names, or `None` (use the public-good one).
pub async fn trusted_root() -> Result<Option<Vec<u8>>, ApiError> {
    get_unless_absent(Request::get("/api/v1/trusted-root")).await
}

/// The body of `request`'s answer, or `None` for a `404`.
async fn get_unless_absent(request: RequestBuilder) -> Result<Option<Vec<u8>>, ApiError> {
    let abort = AbortOnDrop::new();
    let response = request
        .abort_signal(abort.signal().as_ref())
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if response.status() == 404 {
        return Ok(None);
    }
    let response = check_status(response).await?;
    response
        .binary()
        .await
        .map(Some)
        .map_err(|e| ApiError::Network(e.to_string()))
}
