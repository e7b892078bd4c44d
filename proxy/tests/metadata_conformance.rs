//! The metadata conformance suite, written once: every backend of
//! `strata::store::metadata` must pass it. `suite` holds the checks as
//! functions generic over the backend; `conformance!` instantiates one
//! `#[test]` per check. Today's backend is `SqliteMetadata`; a PostgreSQL
//! one would open a fresh schema per folder the suite hands it.
//!
//! The records are values only: the metadata never looks at blobs, so the
//! digests name nothing stored. The cross-process check re-runs this test
//! binary as children (`child_process_entry` with
//! `STRATA_STORE_TEST_CHILD` set), talking to them over stdin/stdout.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use shared::digest::Digest;
use shared::media_type::MediaType;
use shared::platform::Platform;
use shared::reference::{Tag, TagOrDigest};
use strata::store::metadata::{
    BlobUse, ImageState, ImageTotals, LeaseRecord, Metadata, Named, Removal, RepoName,
    SqliteMetadata,
};
use strata::store::{BlobRef, ImageId, ImageRecord, LayerRecord, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;

#[expect(dead_code, reason = "the image fixtures serve the Store's tests")]
mod store_support;

use store_support::{CHILD_ENV, DIR_ENV, run_at_once, wait_for_parent};

/// Opens the backend under test for a folder. Must work again for the
/// same folder: another handle, or another process.
type Open<M> = fn(&Path) -> M;

// ---- fixtures ----

fn digest(seed: &str) -> Digest {
    Digest::sha256_of(seed.as_bytes())
}

fn repo(name: &str) -> RepoName {
    RepoName::of(&name.parse().expect("reference"))
}

fn tag(name: &str) -> Tag {
    name.parse().expect("tag")
}

fn tag_ref(name: &str, t: &str) -> Named {
    Named::Tag {
        name: repo(name),
        tag: tag(t),
    }
}

fn digest_ref(name: &str, d: &Digest) -> Named {
    Named::Digest {
        name: repo(name),
        digest: d.clone(),
    }
}

/// An image `label` with layers named by `layers` (base first): each
/// layer's digest and size follow from its name, so images sharing a name
/// share the layer.
fn image(label: &str, layers: &[&str], created: Option<OffsetDateTime>) -> ImageRecord {
    let layers: Vec<LayerRecord> = layers
        .iter()
        .map(|l| LayerRecord {
            digest: digest(&format!("layer {l}")),
            size: 1000 + l.len() as u64,
            media_type: MediaType::OciLayerGzip,
            diff_id: Some(digest(&format!("diff {l}"))),
        })
        .collect();
    let config_size = 100 + label.len() as u64;
    ImageRecord {
        id: ImageId::new(digest(&format!("config {label}"))),
        config_size,
        manifest: BlobRef {
            digest: digest(&format!("manifest {label}")),
            size: 500,
            media_type: MediaType::OciManifest,
        },
        index: None,
        size: config_size + layers.iter().map(|l| l.size).sum::<u64>(),
        layers,
        created,
        platform: Platform::new("linux", "arm64").with_variant("v8"),
        labels: BTreeMap::from([("fixture".to_owned(), label.to_owned())]),
    }
}

const NOW: OffsetDateTime = datetime!(2024-05-06 07:08:09.123456789 UTC);

/// Records `record` tagged `name:t`, with `name@<manifest>`, as a pull.
fn pull<M: Metadata>(m: &M, record: &ImageRecord, name: &str, t: &str) {
    m.record(
        record,
        Some((&repo(name), &tag(t))),
        Some((&repo(name), &record.manifest.digest)),
        NOW,
    )
    .expect("record");
}

fn familiar_tags<M: Metadata>(m: &M, id: &ImageId) -> Vec<String> {
    let row = m.row(id).expect("row").expect("recorded");
    row.repo_tags.iter().map(|r| r.familiar()).collect()
}

fn familiar_digests<M: Metadata>(m: &M, id: &ImageId) -> Vec<String> {
    let row = m.row(id).expect("row").expect("recorded");
    row.repo_digests.iter().map(|r| r.familiar()).collect()
}

fn lease(id: &str, digests: &[Digest]) -> LeaseRecord {
    LeaseRecord {
        id: id.to_owned(),
        holder: format!("a test holder {id}"),
        pid: 4242,
        created: NOW,
        expires: datetime!(2024-05-06 08:08:09.5 UTC),
        digests: digests.to_vec(),
    }
}

/// Removes with a fixed decision; returns the unreferenced blobs, sorted.
fn remove_with<M: Metadata>(m: &M, id: &ImageId, removal: Removal) -> Option<Vec<Digest>> {
    m.remove(id, &mut |_| Ok(removal.clone()))
        .expect("remove")
        .map(|mut blobs| {
            blobs.sort();
            blobs
        })
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

mod suite {
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

    pub fn pins<M: Metadata>(open: Open<M>) {
        let dir = tempfile::tempdir().expect("tmp");
        let m = open(dir.path());
        let a = image("a", &["x"], None);
        m.record(&a, None, None, NOW).expect("record");
        for by in ["prod", "ci", "prod", "team ci"] {
            assert!(m.pin(&a.id, by, NOW).expect("pin"));
        }
        assert_eq!(m.pins(&a.id).expect("pins"), ["ci", "prod", "team ci"]);
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

    pub fn generation_changes_with_commits_from_any_handle<M: Metadata>(open: Open<M>) {
        let dir = tempfile::tempdir().expect("tmp");
        let first = open(dir.path());
        let second = open(dir.path());
        let start = first.generation().expect("generation");
        assert_eq!(first.generation().expect("generation"), start);
        second.begin_lease(&lease("other", &[])).expect("lease");
        let after_other = first.generation().expect("generation");
        assert_ne!(after_other, start, "another handle's commit is seen");
        first.begin_lease(&lease("mine", &[])).expect("lease");
        assert_ne!(
            first.generation().expect("generation"),
            after_other,
            "this handle's commit is seen"
        );
    }

    pub fn a_sound_backend_has_no_problems<M: Metadata>(open: Open<M>) {
        let dir = tempfile::tempdir().expect("tmp");
        let m = open(dir.path());
        pull(&m, &image("a", &["x"], None), "app", "1");
        assert_eq!(m.problems().expect("problems"), Vec::<String>::new());
    }

    /// Two processes record images, tags and leases at once; every write
    /// of both is there afterwards.
    pub fn two_processes_record_at_once<M: Metadata>(open: Open<M>, backend: &str) {
        let dir = tempfile::tempdir().expect("tmp");
        let (left, right) = (format!("{backend}:left"), format!("{backend}:right"));
        run_at_once(dir.path(), &[(&left, ""), (&right, "")]);
        let m = open(dir.path());
        assert_eq!(m.rows().expect("rows").len(), 2 * CHILD_IMAGES);
        assert!(m.leases().expect("leases").is_empty());
        for side in ["left", "right"] {
            for i in 0..CHILD_IMAGES {
                let key = TagOrDigest::Tag(tag(&i.to_string()));
                let id = m.named(&repo(side), &key).expect("named");
                assert_eq!(id, Some(child_image(side, i).id), "{side}:{i}");
            }
        }
    }
}

macro_rules! conformance {
    ($open:expr, $backend:literal; $($check:ident),* ; $($process_check:ident),*) => {
        $( #[test] fn $check() { suite::$check($open) } )*
        $( #[test] fn $process_check() { suite::$process_check($open, $backend) } )*
    };
}

mod sqlite {
    use super::*;

    pub(super) fn open(dir: &Path) -> SqliteMetadata {
        SqliteMetadata::open(&dir.join("meta.db")).expect("open")
    }

    conformance!(open, "sqlite";
        record_and_read_back,
        a_moved_tag_leaves_the_old_image_dangling,
        tags_point_at_the_first_manifest,
        rows_newest_first_with_sorted_names_and_prefixes,
        pins,
        leases_record_and_hold,
        remove_untags_then_deletes_keeping_shared_blobs,
        remove_shows_the_state_and_a_refusal_changes_nothing,
        blob_references_are_the_marks,
        totals_count_shared_blobs_once,
        generation_changes_with_commits_from_any_handle,
        a_sound_backend_has_no_problems;
        two_processes_record_at_once
    );
}

// ---- child processes ----

/// Images each child records.
const CHILD_IMAGES: usize = 50;

fn child_image(side: &str, i: usize) -> ImageRecord {
    image(
        &format!("{side}{i}"),
        &["shared", &format!("{side}{i}")],
        None,
    )
}

/// Entry point of the child processes that the cross-process checks
/// spawn: this test binary re-run with `STRATA_STORE_TEST_CHILD` set to
/// `backend:side`. Without it, there is nothing to do.
#[test]
fn child_process_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var_os(DIR_ENV).expect("store dir"));
    let (backend, side) = spec.split_once(':').expect("backend:side");
    match backend {
        "sqlite" => child(&sqlite::open(&dir), side),
        other => panic!("unknown backend {other}"),
    }
}

fn child<M: Metadata>(m: &M, side: &str) {
    println!("CHILD ready");
    wait_for_parent();
    for i in 0..CHILD_IMAGES {
        let record = child_image(side, i);
        let id = format!("{side}-{i}");
        m.begin_lease(&lease(&id, &[record.id.digest().clone()]))
            .expect("lease");
        pull(m, &record, side, &i.to_string());
        assert!(m.end_lease(&id).expect("end"));
    }
    println!("CHILD done");
}
