//! Why a blob transfer stops before its end, as the errors its client
//! gets: an upstream too slow for the floor, a transfer past its
//! deadline, a blob larger than allowed, a write or commit that failed.

use shared::digest::Digest;

use super::error::{ErrorCode, V2Error};
use crate::registry::pace::Stalled;
use crate::store::StoreError;

/// The error a transfer stopped by its [`Pace`] becomes.
pub(super) fn stalled(why: Stalled) -> V2Error {
    V2Error::new(ErrorCode::Unavailable, why.to_string()).bad_gateway()
}

/// The error for a blob larger than strata fetches (`max`: the size the
/// upstream declared, else `--max-blob-size`).
pub(super) fn too_large(digest: &Digest, size: u64, max: u64) -> V2Error {
    V2Error::new(
        ErrorCode::Unavailable,
        format!(
            "the upstream sent or declared {size} bytes for {digest}, more than the {max} bytes strata accepts for it (the declared size, else `strata serve --max-blob-size`); nothing was stored"
        ),
    )
    .bad_gateway()
}

/// The error a failed write or commit becomes.
pub(super) fn disk_error(
    digest: &Digest,
    outcome: Result<Result<Option<u64>, StoreError>, tokio::task::JoinError>,
) -> V2Error {
    match outcome {
        Ok(Err(StoreError::DigestMismatch { expected, actual })) => V2Error::new(
            ErrorCode::DigestInvalid,
            format!(
                "the upstream registry sent content for {expected} that hashes to {actual}; the transfer was aborted and nothing was stored"
            ),
        )
        .bad_gateway(),
        Ok(Err(StoreError::SizeMismatch { expected, actual, .. })) => V2Error::new(
            ErrorCode::DigestInvalid,
            format!(
                "the upstream registry declared {expected} bytes for {digest} but sent {actual}; the transfer was aborted and nothing was stored"
            ),
        )
        .bad_gateway(),
        Ok(Err(e)) => V2Error::store("storing a blob", &e),
        Ok(Ok(_)) => V2Error::abandoned(),
        Err(e) => V2Error::task("storing a blob", &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::pace::Pace;
    use std::time::Duration;

    #[test]
    fn a_stalled_transfer_is_a_bad_gateway_that_says_why() {
        let pace = Pace::default();
        let slow = pace
            .check_rate(10, Duration::from_secs(301))
            .map_err(stalled)
            .expect_err("too slow");
        assert_eq!(slow.status(), axum::http::StatusCode::BAD_GATEWAY);
        assert!(
            slow.message().contains("10 bytes in 301 s"),
            "{}",
            slow.message()
        );
    }
}
