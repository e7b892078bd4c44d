//! Checks across handles and processes: generations, the backend's own
//! checks, and two processes writing at once.

use super::*;

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
