//! Times as the metadata backends keep them: RFC 3339 text in UTC (read
//! back exactly), plus Unix nanoseconds for ordering and comparing.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 in UTC.
pub(super) fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Reads back [`format_time`]'s output.
pub(super) fn parse_time(text: &str) -> Result<OffsetDateTime, time::error::Parse> {
    OffsetDateTime::parse(text, &Rfc3339)
}

/// Unix nanoseconds, saturated to `i64` (years 1677 to 2262).
pub(super) fn time_nanos(t: OffsetDateTime) -> i64 {
    let nanos = t.unix_timestamp_nanos();
    i64::try_from(nanos).unwrap_or(if nanos < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_round_trip_in_utc() {
        let cases = [
            (
                datetime!(2024-04-10 19:52:11.471623187 UTC),
                "2024-04-10T19:52:11.471623187Z",
            ),
            (
                datetime!(2024-04-10 21:52:11 +02:00),
                "2024-04-10T19:52:11Z",
            ),
        ];
        for (t, text) in cases {
            assert_eq!(format_time(t), text);
            assert_eq!(parse_time(text).ok(), Some(t));
        }
        assert!(time_nanos(datetime!(2024-01-01 0:00 UTC)) > 0);
    }
}
