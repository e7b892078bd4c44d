//! Checks of what layers unpack to: an image's unpacked size is known once
//! every one of its layers' is, and the facts go with the last image that
//! uses the layer.

use shared::layer::Unpacked;

use super::*;

fn unpacked(l: &str, size: u64) -> (Digest, Unpacked) {
    (
        digest(&format!("layer {l}")),
        Unpacked {
            diff_id: digest(&format!("diff {l}")),
            size,
        },
    )
}

pub fn unpacked_layers_size_images_once_every_layer_is_known<M: Metadata>(open: Open<M>) {
    let dir = tempfile::tempdir().expect("tmp");
    let m = open(dir.path());
    let (a, b) = (
        image("a", &["base", "app"], None),
        image("b", &["base"], None),
    );
    pull(&m, &a, "registry.example/a", "1");
    pull(&m, &b, "registry.example/b", "1");
    let layers = |m: &M| -> Vec<Digest> {
        m.unknown_unpacked()
            .expect("unknown")
            .into_iter()
            .map(|l| l.digest)
            .collect()
    };
    // Nothing read yet: every layer once, with its media type and diff_id.
    let unknown = m.unknown_unpacked().expect("unknown");
    assert_eq!(
        sorted(unknown.iter().map(|l| l.digest.clone()).collect()),
        sorted(vec![digest("layer base"), digest("layer app")])
    );
    assert!(
        unknown
            .iter()
            .all(|l| l.media_type == MediaType::OciLayerGzip && l.diff_id.is_some())
    );
    let row = |m: &M, id: &ImageId| m.row(id).expect("row").expect("recorded");
    assert_eq!(row(&m, &a.id).unpacked_size, None, "unknown, not a guess");

    m.set_unpacked(&[unpacked("base", 9216)]).expect("note");
    assert_eq!(
        m.unpacked(&digest("layer base")).expect("read"),
        Some(unpacked("base", 9216).1)
    );
    assert_eq!(m.unpacked(&digest("layer app")).expect("read"), None);
    assert_eq!(layers(&m), vec![digest("layer app")]);
    assert_eq!(row(&m, &b.id).unpacked_size, Some(9216));
    assert_eq!(
        row(&m, &a.id).unpacked_size,
        None,
        "one layer still unknown"
    );
    let record = m.image(&a.id).expect("read").expect("recorded");
    assert_eq!(
        record
            .layers
            .iter()
            .map(|l| l.unpacked_size)
            .collect::<Vec<_>>(),
        [Some(9216), None]
    );

    // Seen by another handle; noting again replaces.
    let other = open(dir.path());
    other
        .set_unpacked(&[unpacked("app", 3072), unpacked("base", 9216)])
        .expect("note");
    assert_eq!(row(&m, &a.id).unpacked_size, Some(12_288));
    assert!(layers(&m).is_empty());
    let all = m.rows().expect("rows");
    assert!(all.iter().all(|r| r.unpacked_size.is_some()), "{all:?}");

    // Removing `a` forgets its own layer's facts, keeps the shared one's.
    remove_with(
        &m,
        &a.id,
        Removal {
            untag: Vec::new(),
            delete_image: true,
        },
    );
    assert_eq!(m.unpacked(&digest("layer app")).expect("read"), None);
    assert_eq!(
        m.unpacked(&digest("layer base")).expect("read"),
        Some(unpacked("base", 9216).1)
    );
    assert_eq!(row(&m, &b.id).unpacked_size, Some(9216));
}
