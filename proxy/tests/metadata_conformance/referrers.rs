//! Checks of the referrers lists `/v2` keeps.

use super::*;

fn list(seed: &str) -> BlobRef {
    BlobRef {
        digest: digest(&format!("list {seed}")),
        size: 300,
        media_type: MediaType::OciIndex,
    }
}

pub fn referrer_lists_are_kept_bounded_and_referenced<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let (app, other) = (
        repo("registry.example/team/app"),
        repo("registry.example/other"),
    );
    let (s1, s2, s3) = (
        digest("subject 1"),
        digest("subject 2"),
        digest("subject 3"),
    );
    assert_eq!(m.referrers(&app, &s1).expect("read"), None);

    m.keep_referrers(&app, &s1, Some(&list("a")), 2)
        .expect("keep");
    assert_eq!(m.referrers(&app, &s1).expect("read"), Some(list("a")));
    assert_eq!(
        open(dir.path())
            .referrers(&app, &s1)
            .expect("another handle"),
        Some(list("a"))
    );
    assert_eq!(
        m.referrers(&other, &s1).expect("read"),
        None,
        "per repository"
    );
    // A kept list is referenced: garbage collection leaves it.
    assert!(m.is_referenced(&list("a").digest).expect("referenced"));
    assert!(m.referenced().expect("marks").contains(&list("a").digest));

    // Replaced by a newer list; the old one is no longer referenced.
    m.keep_referrers(&app, &s1, Some(&list("b")), 2)
        .expect("replace");
    assert_eq!(m.referrers(&app, &s1).expect("read"), Some(list("b")));
    assert!(!m.is_referenced(&list("a").digest).expect("old list"));

    // Bounded: the oldest is forgotten first.
    m.keep_referrers(&app, &s2, Some(&list("c")), 2)
        .expect("keep");
    m.keep_referrers(&app, &s3, Some(&list("d")), 2)
        .expect("keep");
    assert_eq!(
        m.referrers(&app, &s1).expect("read"),
        None,
        "the oldest went"
    );
    assert_eq!(m.referrers(&app, &s3).expect("read"), Some(list("d")));

    // Nothing refers to it any more: forgotten.
    m.keep_referrers(&app, &s3, None, 2).expect("forget");
    assert_eq!(m.referrers(&app, &s3).expect("read"), None);
    assert!(!m.is_referenced(&list("d").digest).expect("forgotten list"));
}
