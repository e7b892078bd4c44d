//! The browser's clock, for "3 hours ago".

use time::OffsetDateTime;

/// Now, from `Date.now()` (the Unix epoch if the browser's clock is unusable).
pub fn now() -> OffsetDateTime {
    let millis = js_sys::Date::now();
    // Date.now() is a whole number of milliseconds.
    let nanos = (millis as i128) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
