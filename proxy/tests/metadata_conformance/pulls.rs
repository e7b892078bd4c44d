//! Checks of last pull times: recording sets them, `pulled` moves them on
//! (never back, at most once per granularity), and rows show them.

use time::Duration;

use super::*;

fn last_pulled<M: Metadata>(m: &M, id: &ImageId) -> Option<OffsetDateTime> {
    m.row(id).expect("row").expect("recorded").last_pulled
}

pub fn last_pull_times_move_forward_at_most_once_per_granularity<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let a = image("a", &["base", "a"], None);
    pull(&m, &a, "redis", "latest");
    assert_eq!(last_pulled(&m, &a.id), Some(NOW), "recording is a pull");

    let minute = Duration::minutes(1);
    #[rustfmt::skip]
    let steps: [(Duration, bool, Duration); 5] = [
        // pulled at NOW + offset, changed?, last pull time after (NOW + …)
        (Duration::seconds(30), false, Duration::ZERO),
        (Duration::seconds(61), true, Duration::seconds(61)),
        (Duration::seconds(90), false, Duration::seconds(61)),
        (Duration::ZERO, false, Duration::seconds(61)), // never back
        (Duration::hours(2), true, Duration::hours(2)),
    ];
    for (offset, changed, after) in steps {
        let generation = m.generation().expect("generation");
        assert_eq!(
            m.pulled(&a.id, NOW + offset, minute).expect("pulled"),
            changed,
            "{offset}"
        );
        assert_eq!(last_pulled(&m, &a.id), Some(NOW + after), "{offset}");
        if !changed {
            assert_eq!(m.generation().expect("generation"), generation, "no write");
        }
    }

    // Recording again (a pull) moves it too; an older record time does not.
    let later = NOW + Duration::hours(3);
    m.record(&a, Some((&repo("redis"), &tag("latest"))), None, later)
        .expect("record");
    assert_eq!(last_pulled(&m, &a.id), Some(later));
    m.record(&a, None, None, NOW).expect("record");
    assert_eq!(last_pulled(&m, &a.id), Some(later));

    // Tagging is not pulling; an unknown image changes nothing.
    let b = image("b", &["base"], None);
    pull(&m, &b, "alpine", "latest");
    m.tag(&b.id, &repo("alpine"), &tag("v2"), later)
        .expect("tag");
    assert_eq!(last_pulled(&m, &b.id), Some(NOW));
    let nothing = ImageId::new(digest("nothing"));
    assert!(!m.pulled(&nothing, later, minute).expect("pulled"));
    let times: Vec<Option<OffsetDateTime>> = m
        .rows()
        .expect("rows")
        .into_iter()
        .map(|r| r.last_pulled)
        .collect();
    assert_eq!(sorted(times), [Some(NOW), Some(later)]);
}
