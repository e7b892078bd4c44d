//! The metadata conformance suite, written once: every backend of
//! `strata::store::metadata` must pass it. `suite` holds the checks as
//! functions generic over the backend; `conformance!` instantiates one
//! `#[test]` per check, for `SqliteMetadata` (a database file per folder
//! the suite hands out) and `PostgresMetadata` (a database per folder on
//! a real PostgreSQL server; see `postgres.rs`).
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
    SqliteMetadata, WaitingImage,
};
use strata::store::{BlobRef, ImageId, ImageRecord, LayerRecord, StoreError};
use time::OffsetDateTime;
use time::macros::datetime;

#[expect(dead_code, reason = "the image fixtures serve the Store's tests")]
#[path = "../store_support/mod.rs"]
mod store_support;

mod handles;
mod images;
mod lifecycle;
mod pulls;
mod referrers;
mod unpacked;
mod waiting;

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
            unpacked_size: None,
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

/// The checks, each generic over the backend.
mod suite {
    pub use super::handles::*;
    pub use super::images::*;
    pub use super::lifecycle::*;
    pub use super::pulls::*;
    pub use super::referrers::*;
    pub use super::unpacked::*;
    pub use super::waiting::*;
}

macro_rules! instantiate {
    ($open:expr, $backend:literal; $($check:ident),* ; $($process_check:ident),*) => {
        $( #[test] fn $check() { suite::$check($open) } )*
        $( #[test] fn $process_check() { suite::$process_check($open, $backend) } )*
    };
}

/// Every check of the suite, as one `#[test]` each, for the backend that
/// `$open` opens (`$backend` names it to the child processes).
macro_rules! conformance {
    ($open:expr, $backend:literal) => {
        instantiate!($open, $backend;
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
            waiting_images_are_kept_bounded_and_forgotten,
            referrer_lists_are_kept_bounded_and_referenced,
            unpacked_layers_size_images_once_every_layer_is_known,
            generation_changes_with_commits_from_any_handle,
            last_pull_times_move_forward_at_most_once_per_granularity,
            a_sound_backend_has_no_problems;
            two_processes_record_at_once
        );
    };
}

mod sqlite {
    use super::*;

    pub(super) fn open(dir: &Path) -> SqliteMetadata {
        SqliteMetadata::open(&dir.join("meta.db")).expect("open")
    }

    conformance!(open, "sqlite");
}

mod postgres;

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
        "postgres" => child(&postgres::open(&dir), side),
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
