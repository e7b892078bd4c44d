//! Checks of image records, tags and repo digests: recording, moving,
//! reading, listing, finding by ID prefix.

use super::*;

pub fn record_and_read_back<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let a = image(
        "a",
        &["base", "a"],
        Some(datetime!(2024-01-02 03:04:05.5 UTC)),
    );
    let outcome = m
        .record(
            &a,
            Some((&repo("redis"), &tag("latest"))),
            Some((&repo("redis"), &a.manifest.digest)),
            NOW,
        )
        .expect("record");
    assert!(!outcome.up_to_date && outcome.previous.is_none());
    assert_eq!(m.image(&a.id).expect("image"), Some(a.clone()));
    assert!(m.exists(&a.id).expect("exists"));
    let other = ImageId::new(digest("nothing"));
    assert!(!m.exists(&other).expect("exists"));
    assert_eq!(m.image(&other).expect("image"), None);
    assert_eq!(m.row(&other).expect("row"), None);

    let row = m.row(&a.id).expect("row").expect("recorded");
    assert_eq!(familiar_tags(&m, &a.id), ["redis:latest"]);
    assert_eq!(
        familiar_digests(&m, &a.id),
        [format!("redis@{}", a.manifest.digest)]
    );
    assert_eq!(row.manifest_digest, a.manifest.digest);
    assert_eq!((row.size, row.created), (a.size, a.created));
    assert_eq!((&row.platform, &row.labels), (&a.platform, &a.labels));
    assert!(!row.dangling && row.pins.is_empty());
    assert_eq!(m.rows().expect("rows"), vec![row]);

    let name = repo("docker.io/library/redis");
    let by_tag = TagOrDigest::Tag(tag("latest"));
    let by_digest = TagOrDigest::Digest(a.manifest.digest.clone());
    assert_eq!(m.named(&name, &by_tag).expect("named"), Some(a.id.clone()));
    assert_eq!(
        m.named(&name, &by_digest).expect("named"),
        Some(a.id.clone())
    );
    let other_tag = TagOrDigest::Tag(tag("7"));
    assert_eq!(m.named(&name, &other_tag).expect("named"), None);
    assert_eq!(m.named(&repo("other"), &by_tag).expect("named"), None);
    assert_eq!(
        m.tag_target(&name, &tag("latest")).expect("target"),
        Some(a.manifest.digest.clone())
    );
    assert_eq!(m.tag_target(&name, &tag("7")).expect("target"), None);

    let again = m
        .record(
            &a,
            Some((&name, &tag("latest"))),
            Some((&name, &a.manifest.digest)),
            NOW,
        )
        .expect("record again");
    assert!(again.up_to_date, "{again:?}");
    let new_tag = m
        .record(&a, Some((&name, &tag("7"))), None, NOW)
        .expect("another tag");
    assert!(!new_tag.up_to_date);

    // Through an index: the tag resolves to the index, and the record
    // keeps it; no time and no layers are fine too.
    let mut b = image("b", &[], None);
    b.index = Some(BlobRef {
        digest: digest("index b"),
        size: 900,
        media_type: MediaType::OciIndex,
    });
    m.record(&b, Some((&repo("app"), &tag("v1"))), None, NOW)
        .expect("record b");
    assert_eq!(m.image(&b.id).expect("image"), Some(b.clone()));
    assert_eq!(
        m.tag_target(&repo("app"), &tag("v1")).expect("target"),
        Some(digest("index b"))
    );
    assert!(
        familiar_digests(&m, &b.id).is_empty(),
        "no repo digest asked"
    );

    // Another handle sees it all.
    let second = open(dir.path());
    assert_eq!(second.image(&a.id).expect("image"), Some(a));
    assert_eq!(second.rows().expect("rows").len(), 2);
}

pub fn a_moved_tag_leaves_the_old_image_dangling<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let (a, b, c) = (
        image("a", &["x"], None),
        image("b", &["y"], None),
        image("c", &["z"], None),
    );
    pull(&m, &a, "app", "v1");
    let by_digest = digest("pulled by digest");
    m.record(&a, None, Some((&repo("app"), &by_digest)), NOW)
        .expect("by digest");
    let moved = m
        .record(
            &b,
            Some((&repo("app"), &tag("v1"))),
            Some((&repo("app"), &b.manifest.digest)),
            NOW,
        )
        .expect("record b");
    assert_eq!(moved.previous, Some(a.id.clone()));
    assert!(moved.previous_dangling && !moved.up_to_date);
    assert!(familiar_tags(&m, &a.id).is_empty());
    assert!(m.row(&a.id).expect("row").expect("a stays").dangling);
    assert_eq!(
        familiar_digests(&m, &a.id),
        [format!("app@{by_digest}")],
        "the tag's digest went with it; the other stays"
    );

    // An image that keeps another tag is not dangling.
    pull(&m, &c, "app", "v2");
    m.tag(&c.id, &repo("other"), &tag("keep"), NOW)
        .expect("tag");
    let moved = m
        .record(&b, Some((&repo("app"), &tag("v2"))), None, NOW)
        .expect("move v2");
    assert_eq!(moved.previous, Some(c.id.clone()));
    assert!(!moved.previous_dangling);
    assert_eq!(familiar_tags(&m, &c.id), ["other:keep"]);
    assert_eq!(
        familiar_digests(&m, &c.id),
        [format!("app@{}", c.manifest.digest)]
    );
}

pub fn tags_point_at_the_first_manifest<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let a = image("a", &["x"], None);
    m.record(&a, None, None, NOW).expect("record");
    assert!(m.row(&a.id).expect("row").expect("recorded").dangling);
    let first = m
        .tag(&a.id, &repo("team/app"), &tag("1"), NOW)
        .expect("tag")
        .expect("image exists");
    assert_eq!((first.up_to_date, &first.previous), (false, &None));
    let again = m
        .tag(&a.id, &repo("team/app"), &tag("1"), NOW)
        .expect("tag")
        .expect("image exists");
    assert!(again.up_to_date);
    assert_eq!(
        m.tag_target(&repo("team/app"), &tag("1")).expect("target"),
        Some(a.manifest.digest.clone())
    );
    let missing = ImageId::new(digest("missing"));
    assert_eq!(
        m.tag(&missing, &repo("team/app"), &tag("2"), NOW)
            .expect("tag"),
        None
    );
    let key = TagOrDigest::Tag(tag("2"));
    assert_eq!(m.named(&repo("team/app"), &key).expect("named"), None);
}

pub fn rows_newest_first_with_sorted_names_and_prefixes<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let old = image("old", &["x"], Some(datetime!(2020-01-01 0:00 UTC)));
    let new = image("new", &["x"], Some(datetime!(2024-01-01 0:00 UTC)));
    let undated = image("undated", &["x"], None);
    for (record, name) in [(&old, "b"), (&new, "a"), (&undated, "c")] {
        pull(&m, record, name, "1");
    }
    for (name, t) in [("z", "1"), ("a", "0"), ("b", "9")] {
        m.tag(&new.id, &repo(name), &tag(t), NOW).expect("tag");
    }
    for by in ["zeta", "alpha"] {
        assert!(m.pin(&new.id, by, NOW).expect("pin"));
    }
    let rows = m.rows().expect("rows");
    let ids: Vec<&ImageId> = rows.iter().map(|r| &r.id).collect();
    assert_eq!(ids, [&new.id, &old.id, &undated.id]);
    assert_eq!(familiar_tags(&m, &new.id), ["a:0", "a:1", "b:9", "z:1"]);
    assert_eq!(rows[0].pins, ["alpha", "zeta"]);

    let mut all = vec![old.id.clone(), new.id.clone(), undated.id.clone()];
    all.sort();
    assert_eq!(m.ids_starting_with("sha256:", 10).expect("prefix"), all);
    assert_eq!(m.ids_starting_with("", 2).expect("prefix"), all[..2]);
    let full = new.id.to_string();
    for len in [8, 20, full.len()] {
        assert_eq!(
            m.ids_starting_with(&full[..len], 10).expect("prefix"),
            std::slice::from_ref(&new.id),
            "{}",
            &full[..len]
        );
    }
    assert!(
        m.ids_starting_with(&format!("{full}0"), 10)
            .expect("prefix")
            .is_empty()
    );
    assert!(
        m.ids_starting_with("sha512:", 10)
            .expect("prefix")
            .is_empty()
    );
}
