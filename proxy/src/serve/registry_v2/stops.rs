//! Why a blob transfer stops before its end, as the errors its client
//! gets: an upstream too slow for the floor, a transfer past its
//! deadline, a blob larger than allowed, a write or commit that failed.

use shared::digest::Digest;

use super::error::{ErrorCode, V2Error};
use crate::store::StoreError;

/// The error for an upstream that sent `received` bytes in `elapsed`, if
/// that is below `floor` (bytes per second, checked after its window).
pub(super) fn too_slow(
    received: u64,
    elapsed: std::time::Duration,
    (rate, window): (u64, std::time::Duration),
) -> Option<V2Error> {
    let expected = u64::try_from(elapsed.as_millis())
        .unwrap_or(u64::MAX)
        .saturating_mul(rate)
        / 1000;
    (elapsed >= window && received < expected).then(|| {
        V2Error::new(
            ErrorCode::Unavailable,
            format!(
                "the upstream sent {received} bytes in {} s, slower than the {rate} bytes/s strata waits for; the transfer was stopped (try again later)",
                elapsed.as_secs()
            ),
        )
        .bad_gateway()
    })
}

/// The error for a transfer still running at its deadline.
pub(super) fn past_deadline(received: u64, deadline: std::time::Duration) -> V2Error {
    V2Error::new(
        ErrorCode::Unavailable,
        format!(
            "the upstream had sent {received} bytes when the transfer reached its limit of {} s; it was stopped (try again later)",
            deadline.as_secs()
        ),
    )
    .bad_gateway()
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
    use std::time::Duration;

    #[test]
    fn the_rate_floor_applies_after_its_window() {
        let floor = (1024, Duration::from_secs(300));
        assert!(
            too_slow(10, Duration::from_secs(299), floor).is_none(),
            "too early to say"
        );
        assert!(
            too_slow(400_000, Duration::from_secs(301), floor).is_none(),
            "fast enough"
        );
        let slow = too_slow(10, Duration::from_secs(301), floor).expect("too slow");
        assert_eq!(slow.status(), axum::http::StatusCode::BAD_GATEWAY);
        assert!(
            slow.message().contains("10 bytes in 301 s"),
            "{}",
            slow.message()
        );
    }
}
