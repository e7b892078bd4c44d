//! Which local images share an image's layers, and the bytes the store
//! saves by keeping each shared layer once.
//!
//! Bytes saved: a layer held by this image and `k` other local images would
//! take `k + 1` copies without sharing and takes one, so it saves `k ×` its
//! compressed size.

use crate::api::LayerDetail;

/// One other local image and the layers it shares with this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedImage {
    /// Its familiar name (or short ID), as the API gives it.
    pub name: String,
    /// Indexes of the shared layers in this image, bottom first.
    pub layers: Vec<usize>,
    /// Their total compressed size.
    pub bytes: u64,
}

/// The sharing report of one image.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sharing {
    /// Other images holding at least one of the layers, most bytes first
    /// (ties by name).
    pub images: Vec<SharedImage>,
    /// Layers held by at least one other image.
    pub shared_layers: usize,
    /// Compressed bytes of those layers.
    pub shared_bytes: u64,
    /// Bytes the store saves (see the module docs).
    pub bytes_saved: u64,
}

impl Sharing {
    /// The report for an image's layers (as `GET /api/v1/images/{name}` lists them).
    pub fn of(layers: &[LayerDetail]) -> Sharing {
        let mut report = Sharing::default();
        for (i, layer) in layers.iter().enumerate() {
            if layer.shared_with.is_empty() {
                continue;
            }
            report.shared_layers += 1;
            report.shared_bytes += layer.size;
            report.bytes_saved += layer.size * layer.shared_with.len() as u64;
            for name in &layer.shared_with {
                match report.images.iter_mut().find(|s| &s.name == name) {
                    Some(image) => {
                        image.layers.push(i);
                        image.bytes += layer.size;
                    }
                    None => report.images.push(SharedImage {
                        name: name.clone(),
                        layers: vec![i],
                        bytes: layer.size,
                    }),
                }
            }
        }
        report
            .images
            .sort_by(|a, b| (b.bytes, &a.name).cmp(&(a.bytes, &b.name)));
        report
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::digest::Digest;

    fn layer(size: u64, shared_with: &[&str]) -> LayerDetail {
        LayerDetail {
            digest: Digest::sha256_of(&size.to_be_bytes()),
            size,
            unpacked_size: None,
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            diff_id: None,
            shared_with: shared_with.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn sharing_table() {
        let cases: Vec<(&str, Vec<LayerDetail>, Sharing)> = vec![
            ("no layers", vec![], Sharing::default()),
            (
                "nothing shared",
                vec![layer(10, &[]), layer(20, &[])],
                Sharing::default(),
            ),
            (
                "base shared by two, middle by one",
                vec![
                    layer(100, &["alpine", "webserver:v2"]),
                    layer(50, &["webserver:v2"]),
                    layer(7, &[]),
                ],
                Sharing {
                    images: vec![
                        SharedImage {
                            name: "webserver:v2".into(),
                            layers: vec![0, 1],
                            bytes: 150,
                        },
                        SharedImage {
                            name: "alpine".into(),
                            layers: vec![0],
                            bytes: 100,
                        },
                    ],
                    shared_layers: 2,
                    shared_bytes: 150,
                    bytes_saved: 250,
                },
            ),
        ];
        for (name, layers, expected) in cases {
            assert_eq!(Sharing::of(&layers), expected, "{name}");
        }
    }
}
