//! Checks of what comes and goes around images: pins, leases, removal,
//! the blob references garbage collection marks, and totals.

use super::*;

pub fn pins<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let a = image("a", &["x"], None);
    m.record(&a, None, None, NOW).expect("record");
    for by in ["prod", "ci", "prod", "team ci"] {
        assert!(m.pin(&a.id, by, NOW).expect("pin"));
    }
    assert_eq!(m.pins(&a.id).expect("pins"), ["ci", "prod", "team ci"]);
    let b = image("b", &["y"], None);
    m.record(&b, None, None, NOW).expect("record");
    let earlier = datetime!(2024-05-06 07:08:08 UTC);
    assert!(m.pin(&b.id, "ops", earlier).expect("pin"));
    let all: Vec<(ImageId, String)> = m
        .all_pins()
        .expect("all pins")
        .into_iter()
        .map(|p| (p.image, p.by))
        .collect();
    let mut rest = vec![
        (a.id.clone(), "ci".to_owned()),
        (a.id.clone(), "prod".to_owned()),
        (a.id.clone(), "team ci".to_owned()),
    ];
    rest.insert(0, (b.id.clone(), "ops".to_owned()));
    assert_eq!(all, rest, "oldest first, then by image and name");
    assert_eq!(m.all_pins().expect("all pins")[0].since, earlier);
    assert_eq!(m.unpin(&b.id, None).expect("unpin"), ["ops"]);
    assert_eq!(m.unpin(&a.id, Some("prod")).expect("unpin"), ["prod"]);
    assert!(m.unpin(&a.id, Some("prod")).expect("unpin").is_empty());
    assert_eq!(m.unpin(&a.id, None).expect("unpin"), ["ci", "team ci"]);
    assert!(m.pins(&a.id).expect("pins").is_empty());
    let missing = ImageId::new(digest("missing"));
    assert!(!m.pin(&missing, "prod", NOW).expect("pin"));
    assert!(m.pins(&missing).expect("pins").is_empty());
}

pub fn leases_record_and_hold<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let (b, c, d) = (digest("b"), digest("c"), digest("d"));
    m.begin_lease(&lease("one", std::slice::from_ref(&b)))
        .expect("begin");
    m.hold("one", &[c.clone(), b.clone(), c.clone()])
        .expect("hold");
    let mut later = lease("two", &[]);
    later.created = datetime!(2024-05-06 07:08:10 UTC);
    m.begin_lease(&later).expect("begin");
    m.hold("two", std::slice::from_ref(&d)).expect("hold");

    let want = lease("one", &sorted(vec![b.clone(), c.clone()]));
    later.digests = vec![d];
    assert_eq!(
        m.leases().expect("leases"),
        vec![want.clone(), later.clone()]
    );
    assert_eq!(open(dir.path()).leases().expect("leases").len(), 2);

    assert!(m.end_lease("one").expect("end"));
    assert!(!m.end_lease("one").expect("end twice"));
    assert_eq!(m.leases().expect("leases"), vec![later]);
}

pub fn remove_untags_then_deletes_keeping_shared_blobs<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let a = image("a", &["base", "only-a"], None);
    let b = image("b", &["base", "only-b"], None);
    pull(&m, &a, "app", "a");
    m.tag(&a.id, &repo("app"), &tag("also"), NOW).expect("tag");
    pull(&m, &b, "app", "b");
    assert!(m.pin(&a.id, "prod", NOW).expect("pin"));

    let untag = Removal {
        untag: vec![tag_ref("app", "also"), tag_ref("app", "b")],
        delete_image: false,
    };
    assert_eq!(remove_with(&m, &a.id, untag), Some(Vec::new()));
    assert_eq!(familiar_tags(&m, &a.id), ["app:a"]);
    assert_eq!(
        familiar_tags(&m, &b.id),
        ["app:b"],
        "a reference naming another image stays"
    );

    let delete = Removal {
        untag: Vec::new(),
        delete_image: true,
    };
    let orphans = remove_with(&m, &a.id, delete.clone()).expect("recorded");
    let want = sorted(vec![
        a.id.digest().clone(),
        a.manifest.digest.clone(),
        a.layers[1].digest.clone(),
    ]);
    assert_eq!(orphans, want, "the shared base layer is still referenced");
    assert_eq!(m.image(&a.id).expect("image"), None);
    assert!(m.pins(&a.id).expect("pins").is_empty());
    let names = [
        TagOrDigest::Tag(tag("a")),
        TagOrDigest::Digest(a.manifest.digest.clone()),
    ];
    for key in names {
        assert_eq!(m.named(&repo("app"), &key).expect("named"), None);
    }
    assert_eq!(m.rows().expect("rows").len(), 1);

    let mut called = false;
    let gone = m
        .remove(&a.id, &mut |_| {
            called = true;
            Ok(delete.clone())
        })
        .expect("remove");
    assert_eq!((gone, called), (None, false), "no such image");
}

pub fn remove_shows_the_state_and_a_refusal_changes_nothing<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let mut a = image("a", &["x"], None);
    a.index = Some(BlobRef {
        digest: digest("index a"),
        size: 10,
        media_type: MediaType::OciIndex,
    });
    pull(&m, &a, "app", "1");
    m.tag(&a.id, &repo("other"), &tag("2"), NOW).expect("tag");
    assert!(m.pin(&a.id, "prod", NOW).expect("pin"));
    let holds = [
        ("by-id", a.id.digest().clone()),
        ("by-index", digest("index a")),
        ("by-layer", a.layers[0].digest.clone()),
        ("elsewhere", digest("unrelated")),
    ];
    for (id, d) in &holds {
        m.begin_lease(&lease(id, std::slice::from_ref(d)))
            .expect("lease");
    }
    m.hold("by-id", &[a.manifest.digest.clone()]).expect("hold");

    let mut seen: Option<ImageState> = None;
    let refused = m.remove(&a.id, &mut |state| {
        seen = Some(state.clone());
        Err(StoreError::NoSuchPin {
            image: "refused".into(),
            by: None,
        })
    });
    assert!(
        matches!(refused, Err(StoreError::NoSuchPin { .. })),
        "{refused:?}"
    );
    let state = seen.expect("decide was called");
    assert_eq!(state.record, a);
    assert_eq!(
        sorted(state.references),
        sorted(vec![
            tag_ref("app", "1"),
            digest_ref("app", &a.manifest.digest),
            tag_ref("other", "2"),
        ])
    );
    assert_eq!(state.pins, ["prod"]);
    let leases: Vec<&str> = state.leases.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        sorted(leases),
        ["by-id", "by-index"],
        "leases on its ID, manifests or indexes"
    );
    // Nothing changed.
    assert_eq!(familiar_tags(&m, &a.id), ["app:1", "other:2"]);
    assert_eq!(m.pins(&a.id).expect("pins"), ["prod"]);
}

pub fn blob_references_are_the_marks<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let mut a = image("a", &["base", "only-a"], None);
    a.index = Some(BlobRef {
        digest: digest("index a"),
        size: 10,
        media_type: MediaType::OciIndex,
    });
    let b = image("b", &["base"], None);
    m.record(&a, None, None, NOW).expect("a");
    m.record(&b, None, None, NOW).expect("b");
    let mut want: HashSet<Digest> = HashSet::new();
    for r in [&a, &b] {
        want.extend(r.blobs().into_iter().map(|(_, d, _)| d.clone()));
    }
    assert_eq!(m.referenced().expect("marks"), want);
    for d in &want {
        assert!(m.is_referenced(d).expect("is referenced"), "{d}");
    }
    assert!(!m.is_referenced(&digest("nothing")).expect("is referenced"));

    let mut uses: Vec<BlobUse> = Vec::new();
    for r in [&a, &b] {
        uses.extend(r.blobs().into_iter().map(|(role, d, size)| BlobUse {
            image: r.id.clone(),
            role: role.to_owned(),
            digest: d.clone(),
            size,
        }));
    }
    assert_eq!(sorted(m.blob_uses().expect("uses")), sorted(uses));

    let delete = Removal {
        untag: Vec::new(),
        delete_image: true,
    };
    remove_with(&m, &a.id, delete).expect("recorded");
    assert!(!m.is_referenced(&digest("index a")).expect("is referenced"));
    assert!(m.is_referenced(&b.layers[0].digest).expect("is referenced"));
}

pub fn totals_count_shared_blobs_once<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    assert_eq!(m.totals().expect("totals"), ImageTotals::default());
    let a = image("a", &["base", "only-a"], None);
    let b = image("b", &["base"], None);
    m.record(&a, None, None, NOW).expect("a");
    m.record(&b, None, None, NOW).expect("b");
    let base = a.layers[0].size;
    assert_eq!(
        m.totals().expect("totals"),
        ImageTotals {
            images: 2,
            total_bytes: a.size + b.size,
            unique_bytes: a.size + b.size - base,
        }
    );
}
