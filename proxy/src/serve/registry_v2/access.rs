//! Whether stored content may be served under a repository's name.
//!
//! The store is content-addressed and shared by every repository, but an
//! upstream registry decides per repository who may read what. So a
//! stored blob or manifest is served as `/v2/<repository>/…/<digest>`
//! only when the digest is known to belong to that repository:
//!
//! 1. this process fetched or confirmed it from that repository upstream
//!    ([`super::known::KnownDigests`], in memory, bounded), or
//! 2. an image named in that repository holds it
//!    ([`Store::repository_has`]: pulled, or cached through `/v2`), or
//! 3. the upstream answers a `HEAD` for it in that repository (with
//!    strata's credentials), which is then remembered as in 1.
//!
//! Otherwise the upstream's answer stands: `404 BLOB_UNKNOWN` or
//! `MANIFEST_UNKNOWN`, `401`, `403`, or `502` when it cannot be asked.

use shared::digest::Digest;
use shared::reference::Reference;

use super::context::V2Context;
use super::error::{ErrorCode, Subject, V2Error};
use super::response::blocking;
use crate::serve::AppState;
use crate::store::Store;

/// Checks that the stored `digest` may be served as `repository`'s
/// `subject` (see the module doc); `Err` is the answer to send instead.
pub async fn check(
    state: &AppState,
    context: &V2Context,
    repository: &Reference,
    digest: &Digest,
    subject: Subject,
) -> Result<(), V2Error> {
    if context.known.contains(repository, digest)
        || recorded(state.store(), repository, digest).await?
    {
        return Ok(());
    }
    let found = context
        .short_call(async {
            match subject {
                Subject::Blob => state
                    .client()
                    .head_blob(repository, digest)
                    .await
                    .map(|found| found.is_some()),
                Subject::Manifest | Subject::Tags => state
                    .client()
                    .head_manifest(&repository.with_digest(digest.clone()))
                    .await
                    .map(|found| found.is_some_and(|head| &head.digest == digest)),
            }
        })
        .await?
        .map_err(|e| V2Error::upstream(&e, subject))?;
    if !found {
        return Err(unknown(repository, digest, subject));
    }
    context.known.insert(repository, digest);
    Ok(())
}

/// Whether an image named in `repository` holds `digest`.
async fn recorded(store: &Store, repository: &Reference, digest: &Digest) -> Result<bool, V2Error> {
    let (store, repository, digest) = (store.clone(), repository.clone(), digest.clone());
    blocking("looking up a repository's content", move || {
        store.repository_has(&repository, &digest)
    })
    .await
}

/// The upstream does not have `digest` in `repository`.
fn unknown(repository: &Reference, digest: &Digest, subject: Subject) -> V2Error {
    let (code, what) = match subject {
        Subject::Blob => (ErrorCode::BlobUnknown, "blob"),
        Subject::Manifest | Subject::Tags => (ErrorCode::ManifestUnknown, "manifest"),
    };
    V2Error::new(
        code,
        format!(
            "{what} unknown: {} has no {what} {digest} (check the repository name; content another repository holds is not served under this one)",
            repository.canonical_name()
        ),
    )
    .with_detail(serde_json::json!({ "name": repository.proxy_path(), "digest": digest.to_string() }))
}
