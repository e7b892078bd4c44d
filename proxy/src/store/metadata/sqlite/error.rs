//! SQLite's errors as [`StoreError`]s: a busy database is
//! [`StoreError::DatabaseBusy`] (another process is writing; try again),
//! anything else [`StoreError::Database`].

use crate::store::StoreError;

/// How long a connection waits for another process's write transaction.
pub(super) const BUSY_TIMEOUT_SECONDS: u64 = 60;

impl From<rusqlite::Error> for StoreError {
    fn from(source: rusqlite::Error) -> StoreError {
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::DatabaseBusy {
                    seconds: BUSY_TIMEOUT_SECONDS,
                }
            }
            _ => StoreError::Database {
                source: Box::new(source),
            },
        }
    }
}
