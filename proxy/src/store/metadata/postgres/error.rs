//! PostgreSQL's errors as [`StoreError`]s ([`StoreError::Database`], the
//! server's message kept), and which of them a write retries.

use postgres::error::SqlState;

use crate::store::StoreError;

impl From<postgres::Error> for StoreError {
    fn from(source: postgres::Error) -> StoreError {
        StoreError::Database {
            source: Box::new(source),
        }
    }
}

/// Whether `e` is a serialization failure or a deadlock: the transaction
/// did nothing, and running it again with a new snapshot may succeed.
pub(super) fn is_retryable(e: &StoreError) -> bool {
    let StoreError::Database { source } = e else {
        return false;
    };
    source
        .downcast_ref::<postgres::Error>()
        .and_then(postgres::Error::code)
        .is_some_and(|code| {
            *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        })
}

/// Whether `e` says the connection is gone: closed, or ended by the
/// server (a `FATAL` error: a restart, `pg_terminate_backend`).
pub(super) fn connection_gone(e: &postgres::Error) -> bool {
    e.is_closed() || e.as_db_error().is_some_and(|db| db.severity() == "FATAL")
}
