//! Ages and timestamps as Docker prints them.
//!
//! `CREATED` is go-units' `HumanDuration(now - created) + " ago"`. Its
//! thresholds, in order: under 1 s "Less than a second", 1 s "1 second",
//! under 60 s "N seconds", 1 min "About a minute", under 60 min "N minutes";
//! then hours are rounded (`int(hours + 0.5)`): 1 "About an hour", under 48
//! "N hours", under 14 days "N days", under 60 days "N weeks", under 730 days
//! "N months" (30-day months), then "N years" (365-day years, hours
//! truncated). A negative duration (a clock behind the data) is "Less than a
//! second", as in Docker.

use time::{Duration, OffsetDateTime, UtcOffset};

const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_MINUTE: i64 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MINUTE;

/// Go's `time.Duration`: nanoseconds in an `i64`, saturating like
/// `time.Time.Sub`.
fn go_nanos(d: Duration) -> i64 {
    i64::try_from(d.whole_nanoseconds()).unwrap_or(if d.is_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Go's `Duration.Seconds`, `Minutes` and `Hours`: whole units plus the
/// remainder as a fraction, in float64.
#[expect(
    clippy::cast_precision_loss,
    reason = "mirrors Go's float64 arithmetic exactly"
)]
fn go_units(nanos: i64, unit: i64) -> f64 {
    (nanos / unit) as f64 + (nanos % unit) as f64 / unit as f64
}

/// Go's `int(x)`: truncation toward zero.
#[expect(
    clippy::cast_possible_truncation,
    reason = "Go's int() conversion truncates the same way"
)]
fn go_int(x: f64) -> i64 {
    x as i64
}

/// go-units `HumanDuration`: `About an hour`, `3 hours`, `5 weeks`.
///
/// ```
/// use shared::display::human_duration;
/// assert_eq!(human_duration(time::Duration::hours(3)), "3 hours");
/// ```
pub fn human_duration(d: Duration) -> String {
    let nanos = go_nanos(d);
    let seconds = go_int(go_units(nanos, NANOS_PER_SECOND));
    if seconds < 1 {
        return "Less than a second".to_owned();
    }
    if seconds == 1 {
        return "1 second".to_owned();
    }
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = go_int(go_units(nanos, NANOS_PER_MINUTE));
    if minutes == 1 {
        return "About a minute".to_owned();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = go_int(go_units(nanos, NANOS_PER_HOUR) + 0.5);
    if hours == 1 {
        "About an hour".to_owned()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!(
            "{} years",
            go_int(go_units(nanos, NANOS_PER_HOUR)) / 24 / 365
        )
    }
}

/// The `CREATED` column of `docker images`: `3 hours ago`, `5 weeks ago`.
///
/// `now` is an argument so this stays pure; pass the caller's clock.
pub fn created_since(created: OffsetDateTime, now: OffsetDateTime) -> String {
    format!("{} ago", human_duration(now - created))
}

/// `{{.CreatedAt}}` of `docker images`: Go's `time.Time.String()`, such as
/// `2023-01-02 15:04:05 +0000 UTC`.
///
/// Docker prints the time in the CLI's local zone; strata stores UTC and
/// prints the offset it is given. A UTC time ends in `+0000 UTC`; any other
/// offset is printed twice (`+0100 +0100`), as Go does for a zone without a
/// name. Fractional seconds appear only when non-zero, without trailing
/// zeros (`15:04:05.5`).
pub fn created_at(t: OffsetDateTime) -> String {
    let mut out = date_and_time(t, ' ');
    let nanos = t.nanosecond();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    let offset = numeric_offset(t.offset());
    out.push(' ');
    out.push_str(&offset);
    out.push(' ');
    if t.offset().is_utc() {
        out.push_str("UTC");
    } else {
        out.push_str(&offset);
    }
    out
}

/// `{{.CreatedAt}}` of `docker history`: RFC 3339 in UTC to the second,
/// Go's `Format(time.RFC3339)`, such as `2023-01-02T15:04:05Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let mut out = date_and_time(t.to_offset(UtcOffset::UTC), 'T');
    out.push('Z');
    out
}

/// `2006-01-02` + `separator` + `15:04:05`, years padded to four digits.
fn date_and_time(t: OffsetDateTime, separator: char) -> String {
    let year = t.year();
    let year = if year < 0 {
        format!("-{:04}", year.unsigned_abs())
    } else {
        format!("{year:04}")
    };
    format!(
        "{year}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Go's `-0700` layout: sign, hours, minutes; seconds are dropped.
fn numeric_offset(offset: UtcOffset) -> String {
    let (hours, minutes, seconds) = offset.as_hms();
    let sign = if hours < 0 || minutes < 0 || seconds < 0 {
        '-'
    } else {
        '+'
    };
    format!(
        "{sign}{:02}{:02}",
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use time::macros::datetime;
    use time::{Duration, UtcOffset};

    use super::{created_at, created_since, human_duration, rfc3339};

    const DAY: i64 = 24;
    const WEEK: i64 = 7 * DAY;
    const MONTH: i64 = 30 * DAY;
    const YEAR: i64 = 365 * DAY;

    fn h(hours: i64) -> Duration {
        Duration::hours(hours)
    }

    #[test]
    fn human_duration_matches_go_units_at_every_threshold() {
        let cases: &[(Duration, &str)] = &[
            (Duration::ZERO, "Less than a second"),
            (Duration::milliseconds(450), "Less than a second"),
            (Duration::milliseconds(999), "Less than a second"),
            (Duration::seconds(-5), "Less than a second"),
            (Duration::seconds(1), "1 second"),
            (Duration::milliseconds(1999), "1 second"),
            (Duration::seconds(2), "2 seconds"),
            (Duration::seconds(45), "45 seconds"),
            (Duration::seconds(59), "59 seconds"),
            (Duration::seconds(60), "About a minute"),
            (Duration::seconds(119), "About a minute"),
            (Duration::minutes(2), "2 minutes"),
            (Duration::minutes(35) + Duration::seconds(40), "35 minutes"),
            (Duration::minutes(59), "59 minutes"),
            (Duration::seconds(3599), "59 minutes"),
            (h(1), "About an hour"),
            (h(1) + Duration::minutes(29), "About an hour"),
            (h(1) + Duration::minutes(30), "2 hours"),
            (h(1) + Duration::minutes(31), "2 hours"),
            (h(3), "3 hours"),
            (h(3) + Duration::minutes(29), "3 hours"),
            (h(3) + Duration::minutes(31), "4 hours"),
            (h(24), "24 hours"),
            (h(DAY + 12), "36 hours"),
            (h(47), "47 hours"),
            (h(47) + Duration::minutes(29), "47 hours"),
            (h(47) + Duration::minutes(30), "2 days"),
            (h(2 * DAY), "2 days"),
            (h(7 * DAY), "7 days"),
            (h(13 * DAY + 5), "13 days"),
            (h(2 * WEEK - 1), "13 days"),
            (h(2 * WEEK), "2 weeks"),
            (h(2 * WEEK + 4 * DAY), "2 weeks"),
            (h(3 * WEEK), "3 weeks"),
            (h(4 * WEEK + 3 * DAY), "4 weeks"),
            (h(MONTH), "4 weeks"),
            (h(MONTH + 2 * WEEK), "6 weeks"),
            (h(2 * MONTH - 1), "8 weeks"),
            (h(2 * MONTH), "2 months"),
            (h(3 * MONTH + WEEK), "3 months"),
            (h(4 * MONTH), "4 months"),
            (h(13 * MONTH), "13 months"),
            (h(24 * MONTH), "24 months"),
            (h(2 * YEAR - 1), "24 months"),
            (h(2 * YEAR), "2 years"),
            (h(24 * MONTH + 2 * WEEK), "2 years"),
            (h(3 * YEAR + 2 * MONTH), "3 years"),
            (h(3 * YEAR - 1), "2 years"),
            (Duration::MAX, "292 years"),
        ];
        for &(d, want) in cases {
            assert_eq!(human_duration(d), want, "human_duration({d})");
        }
    }

    #[test]
    fn created_since_appends_ago() {
        let now = datetime!(2024-03-10 12:00:00 UTC);
        let cases: &[(time::OffsetDateTime, &str)] = &[
            (now, "Less than a second ago"),
            (now + Duration::hours(1), "Less than a second ago"),
            (now - Duration::seconds(30), "30 seconds ago"),
            (now - Duration::seconds(90), "About a minute ago"),
            (now - Duration::hours(3), "3 hours ago"),
            (now - Duration::days(4), "4 days ago"),
            (now - Duration::weeks(5), "5 weeks ago"),
            (now - Duration::days(120), "4 months ago"),
            (now - Duration::days(800), "2 years ago"),
        ];
        for &(created, want) in cases {
            assert_eq!(created_since(created, now), want, "created {created}");
        }
    }

    #[test]
    fn created_at_is_go_time_string() {
        let plus_one = UtcOffset::from_hms(1, 0, 0).expect("valid offset");
        let minus_half = UtcOffset::from_hms(-3, -30, 0).expect("valid offset");
        let cases: &[(time::OffsetDateTime, &str)] = &[
            (
                datetime!(2023-01-02 15:04:05 UTC),
                "2023-01-02 15:04:05 +0000 UTC",
            ),
            (
                datetime!(2023-01-02 15:04:05.5 UTC),
                "2023-01-02 15:04:05.5 +0000 UTC",
            ),
            (
                datetime!(2023-01-02 15:04:05.000000123 UTC),
                "2023-01-02 15:04:05.000000123 +0000 UTC",
            ),
            (
                datetime!(0099-12-31 23:59:59 UTC),
                "0099-12-31 23:59:59 +0000 UTC",
            ),
            (
                datetime!(2023-01-02 15:04:05 UTC).to_offset(plus_one),
                "2023-01-02 16:04:05 +0100 +0100",
            ),
            (
                datetime!(2023-01-02 15:04:05 UTC).to_offset(minus_half),
                "2023-01-02 11:34:05 -0330 -0330",
            ),
        ];
        for &(t, want) in cases {
            assert_eq!(created_at(t), want);
        }
    }

    #[test]
    fn rfc3339_is_utc_to_the_second() {
        let plus_two = UtcOffset::from_hms(2, 0, 0).expect("valid offset");
        let cases: &[(time::OffsetDateTime, &str)] = &[
            (datetime!(2023-01-02 15:04:05 UTC), "2023-01-02T15:04:05Z"),
            (
                datetime!(2023-01-02 15:04:05.999 UTC),
                "2023-01-02T15:04:05Z",
            ),
            (
                datetime!(2023-01-02 01:00:00 UTC).to_offset(plus_two),
                "2023-01-02T01:00:00Z",
            ),
            (datetime!(1970-01-01 00:00:00 UTC), "1970-01-01T00:00:00Z"),
        ];
        for &(t, want) in cases {
            assert_eq!(rfc3339(t), want);
        }
    }
}
