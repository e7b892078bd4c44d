//! Checks of the image manifests `/v2` served that wait for their blobs.

use super::*;

fn waiting(name: &str, seed: &str, tag_name: Option<&str>, index: bool) -> WaitingImage {
    let blob = |what: &str| BlobRef {
        digest: digest(&format!("{what} {seed}")),
        size: 500 + seed.len() as u64,
        media_type: MediaType::OciManifest,
    };
    WaitingImage {
        repository: repo(name),
        manifest: blob("manifest"),
        tag: tag_name.map(tag),
        index: index.then(|| BlobRef {
            media_type: MediaType::OciIndex,
            ..blob("index")
        }),
        since: NOW,
    }
}

pub fn waiting_images_are_kept_bounded_and_forgotten<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    assert!(m.waiting().expect("waiting").is_empty());
    let a = waiting("registry.example/team/app", "a", Some("v1"), true);
    let b = waiting("registry.example/team/app", "b", None, false);
    let c = waiting("registry.example/other", "a", None, false);
    for w in [&a, &b, &c] {
        m.wait(w, 10).expect("wait");
    }
    assert_eq!(
        m.waiting().expect("waiting"),
        vec![a.clone(), b.clone(), c.clone()]
    );
    assert_eq!(
        open(dir.path())
            .waiting()
            .expect("another handle sees them"),
        vec![a.clone(), b.clone(), c.clone()]
    );

    // Served again: replaced, and now the newest.
    let mut a_again = a.clone();
    a_again.tag = Some(tag("v2"));
    m.wait(&a_again, 10).expect("wait again");
    assert_eq!(
        m.waiting().expect("waiting"),
        vec![b.clone(), c.clone(), a_again.clone()]
    );

    // The same manifest in another repository is another entry.
    assert!(
        m.done_waiting(&c.repository, &c.manifest.digest)
            .expect("done")
    );
    assert!(
        !m.done_waiting(&c.repository, &c.manifest.digest)
            .expect("done twice")
    );
    assert_eq!(
        m.waiting().expect("waiting"),
        vec![b.clone(), a_again.clone()]
    );

    // Bounded: the oldest are forgotten first.
    let d = waiting("registry.example/team/app", "d", None, false);
    m.wait(&d, 2).expect("wait");
    assert_eq!(m.waiting().expect("waiting"), vec![a_again, d]);
}
