//! The trust chain, verified in the browser (DESIGN.md, "The trust chain").
//!
//! [`run`] takes the manifest (or index, then the chosen platform's
//! manifest) and the config from the page's image walk ([`crate::load`],
//! recorded in the chain by [`record`]), then streams each layer from
//! `/v2` through its verified stream ([`Verified`], or WebCrypto for small
//! blobs), decompresses it and hashes the tar, and records each node's
//! state in a [`Chain`] signal that the panel renders. Blob bodies are read
//! chunk by chunk and copied into wasm at most [`CHUNK`] bytes at a time,
//! so memory stays bounded whatever the size.

pub mod pool;
mod record;
pub mod webcrypto;
mod worker;

pub use shared::layer::{DecodeError, LayerDecoder};

pub use record::record;

use leptos::prelude::*;
use shared::digest::{Digest, Verified};
use shared::manifest::Descriptor;
use shared::reference::Reference;
use shared::verify::{CHUNK, Chain, NodeKey, NodeState};
use shared::walk::PlatformChoice;

use crate::{api, load};

/// What is needed to verify one more layer later ("verify anyway").
#[derive(Clone, Debug)]
pub struct Plan {
    /// The reference whose repository serves the blobs.
    pub reference: Reference,
    /// The verified manifest's layers.
    pub layers: Vec<Descriptor>,
}

/// Feeds `array` to `sink` in pieces of at most [`CHUNK`] bytes, through one
/// reused buffer (never one copy of the whole array into wasm memory).
pub fn feed_chunked<E>(
    array: &js_sys::Uint8Array,
    buffer: &mut Vec<u8>,
    mut sink: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let len = array.length();
    let mut at = 0u32;
    while at < len {
        let end = len.min(at.saturating_add(CHUNK as u32));
        let n = (end - at) as usize;
        buffer.resize(n, 0);
        array.subarray(at, end).copy_to(&mut buffer[..n]);
        sink(&buffer[..n])?;
        at = end;
    }
    Ok(())
}

/// The size of this module instance's wasm linear memory, which only ever
/// grows: after a verification it is the peak that verification needed.
pub fn wasm_memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as f64
        })
        .unwrap_or(0.0)
}

/// Verifies the whole chain of `reference`, taking an index entry by
/// `choice`: the manifest and config through the page's image walk
/// ([`crate::load`], fetched once for the page, the Verify panel and the
/// explorer), then each layer. Layers over `threshold` bytes are skipped.
/// Returns the plan for verifying skipped layers later, once the manifest
/// is verified.
pub async fn run(
    reference: Reference,
    choice: PlatformChoice,
    threshold: u64,
    chain: RwSignal<Chain>,
) -> Option<Plan> {
    let set = move |key: NodeKey, state: NodeState| chain.update(|c| c.set(key, state));
    set(
        NodeKey::Manifest,
        NodeState::Verifying {
            bytes_done: 0,
            total: None,
        },
    );
    let loaded = load::image(&reference, choice).await;
    let manifest = chain.try_update(|c| record(&loaded, c)).flatten()?;
    let plan = Plan {
        reference,
        layers: manifest.layers.clone(),
    };
    let mut todo = Vec::new();
    for (i, layer) in plan.layers.iter().enumerate() {
        if layer.size > threshold {
            set(
                NodeKey::Layer(i),
                NodeState::SkippedTooLarge { size: layer.size },
            );
            set(
                NodeKey::Diff(i),
                NodeState::SkippedTooLarge { size: layer.size },
            );
        } else {
            todo.push(i);
        }
    }
    pool::verify_layers(&plan, todo, chain).await;
    Some(plan)
}

/// Verifies layer `i` of `plan` on this thread: its compressed bytes, then
/// its diff ID.
pub async fn verify_layer(plan: &Plan, i: usize, chain: RwSignal<Chain>) {
    let Some(descriptor) = plan.layers.get(i) else {
        return;
    };
    let expected_diff = start_layer(i, chain);
    let (layer, diff) = check_layer(&plan.reference, descriptor, expected_diff, |done| {
        layer_progress(chain, i, done, descriptor.size)
    })
    .await;
    finish_layer(chain, i, layer, diff);
}

/// The diff ID layer `i` is checked against, if the config gave a usable
/// one; marks that diff node as being verified.
pub(crate) fn start_layer(i: usize, chain: RwSignal<Chain>) -> Option<Digest> {
    let expected = chain.with_untracked(|c| {
        c.get(NodeKey::Diff(i))
            .filter(|n| !n.state.is_bad() && !matches!(n.state, NodeState::NotChecked { .. }))
            .and_then(|n| n.expected.clone())
    });
    if expected.is_some() {
        chain.update(|c| {
            c.set(
                NodeKey::Diff(i),
                NodeState::Verifying {
                    bytes_done: 0,
                    total: None,
                },
            )
        });
    }
    expected
}

/// Shows `done` of `size` compressed bytes of layer `i` hashed.
pub(crate) fn layer_progress(chain: RwSignal<Chain>, i: usize, done: u64, size: u64) {
    chain.update(|c| {
        c.set(
            NodeKey::Layer(i),
            NodeState::Verifying {
                bytes_done: done,
                total: Some(size),
            },
        );
    });
}

/// Records what [`check_layer`] found for layer `i`.
pub(crate) fn finish_layer(
    chain: RwSignal<Chain>,
    i: usize,
    layer: NodeState,
    diff: Option<NodeState>,
) {
    chain.update(|c| {
        c.set(NodeKey::Layer(i), layer);
        if let Some(diff) = diff {
            c.set(NodeKey::Diff(i), diff);
        }
    });
}

/// Checks one layer wherever it runs (page or worker): streams its
/// compressed bytes through their digest and size check and, when
/// `expected_diff` is known, through the decompressor into the diff ID
/// hash. Returns the layer's state and the diff node's state (`None`: leave
/// the diff node as it is).
pub(crate) async fn check_layer(
    reference: &Reference,
    descriptor: &Descriptor,
    expected_diff: Option<Digest>,
    progress: impl Fn(u64),
) -> (NodeState, Option<NodeState>) {
    let mut decoder = expected_diff
        .is_some()
        .then(|| LayerDecoder::new(descriptor.media_type.compression()));
    let mut decode_error: Option<DecodeError> = None;
    let state = stream_blob(
        reference,
        descriptor,
        |piece| {
            if let Some(d) = decoder.as_mut()
                && let Err(e) = d.update(piece)
            {
                decode_error = Some(e);
                decoder = None;
            }
            Ok(())
        },
        progress,
    )
    .await;
    let layer_ok = matches!(state, NodeState::Verified { .. });
    let diff_state = match (layer_ok, expected_diff) {
        (false, _) => Some(NodeState::NotChecked {
            reason: "its compressed bytes did not verify".into(),
        }),
        (true, None) => None,
        (true, Some(expected)) => Some(match (decode_error, decoder.map(LayerDecoder::finish)) {
            (Some(e), _) | (None, Some(Err(e))) => NodeState::Failed {
                message: e.to_string(),
            },
            (None, Some(Ok(hasher))) => NodeState::compare(&expected, hasher.finish()),
            (None, None) => NodeState::Failed {
                message: "decoder lost".into(),
            },
        }),
    };
    (state, diff_state)
}

/// How one blob's own digest is checked: by WebCrypto once it is all here
/// (small blobs, when the page has WebCrypto), or by the streaming wasm
/// hasher as it arrives.
enum BlobHashing {
    WebCrypto(webcrypto::JsChunks),
    Streaming(Box<Verified<()>>),
}

impl BlobHashing {
    fn for_blob(descriptor: &Descriptor) -> BlobHashing {
        match webcrypto::JsChunks::for_blob(descriptor.digest.algorithm(), descriptor.size) {
            Some(chunks) => BlobHashing::WebCrypto(chunks),
            None => BlobHashing::Streaming(Box::new(Verified::new(
                (),
                descriptor.digest.clone(),
                Some(descriptor.size),
            ))),
        }
    }

    fn bytes_seen(&self) -> u64 {
        match self {
            BlobHashing::WebCrypto(chunks) => chunks.len(),
            BlobHashing::Streaming(v) => v.bytes_seen(),
        }
    }

    async fn finish(self, descriptor: &Descriptor) -> NodeState {
        match self {
            BlobHashing::Streaming(mut v) => NodeState::from_result(v.end()),
            BlobHashing::WebCrypto(chunks) if chunks.len() != descriptor.size => {
                NodeState::SizeMismatch {
                    expected: descriptor.size,
                    actual: chunks.len(),
                }
            }
            BlobHashing::WebCrypto(chunks) => match chunks.sha256().await {
                Ok(actual) => NodeState::compare(&descriptor.digest, actual),
                Err(e) => NodeState::Failed {
                    message: e.to_string(),
                },
            },
        }
    }
}

/// Streams one blob, checking its size and digest ([`BlobHashing`]), handing each
/// piece to `sink` and the running byte count to `progress` about once per
/// [`CHUNK`]. Returns the node state it earned.
async fn stream_blob(
    reference: &Reference,
    descriptor: &Descriptor,
    mut sink: impl FnMut(&[u8]) -> Result<(), ()>,
    progress: impl Fn(u64),
) -> NodeState {
    let mut stream = match api::v2_blob(reference, &descriptor.digest).await {
        Ok(s) => s,
        Err(e) => {
            return NodeState::Failed {
                message: e.to_string(),
            };
        }
    };
    let mut hashing = BlobHashing::for_blob(descriptor);
    let mut buffer = Vec::new();
    let mut reported = 0u64;
    loop {
        let array = match stream.next().await {
            Ok(Some(array)) => array,
            Ok(None) => break,
            Err(e) => {
                return NodeState::Failed {
                    message: format!(
                        "the transfer broke after {} of {} bytes: {e}",
                        hashing.bytes_seen(),
                        descriptor.size
                    ),
                };
            }
        };
        let fed = match &mut hashing {
            BlobHashing::WebCrypto(chunks) => match chunks.push(&array) {
                Ok(()) => feed_chunked(&array, &mut buffer, |piece| sink(piece).map_err(|()| None)),
                Err(webcrypto::HeldError::TooLarge { expected, seen }) => {
                    return NodeState::SizeMismatch {
                        expected,
                        actual: seen,
                    };
                }
                Err(e) => {
                    return NodeState::Failed {
                        message: e.to_string(),
                    };
                }
            },
            BlobHashing::Streaming(verifier) => feed_chunked(&array, &mut buffer, |piece| {
                verifier.pass(piece).map_err(Some)?;
                sink(piece).map_err(|()| None)
            }),
        };
        match fed {
            Ok(()) => {}
            Err(Some(e)) => return NodeState::from_result(Err(e)),
            Err(None) => break,
        }
        let done = hashing.bytes_seen();
        if done - reported >= CHUNK as u64 {
            reported = done;
            progress(done);
        }
    }
    hashing.finish(descriptor).await
}

#[cfg(test)]
mod tests {
    use shared::digest::Digest;
    use shared::media_type::Compression;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::{CHUNK, LayerDecoder, feed_chunked};

    #[test]
    fn chunked_feeding_copies_at_most_one_chunk_at_a_time() {
        let data: Vec<u8> = (0..(2 * CHUNK + 5)).map(|i| (i % 251) as u8).collect();
        let array = js_sys::Uint8Array::from(&data[..]);
        let mut sizes = Vec::new();
        let mut hasher = shared::digest::Hasher::sha256();
        let mut buffer = Vec::new();
        feed_chunked::<()>(&array, &mut buffer, |piece| {
            sizes.push(piece.len());
            hasher.update(piece);
            Ok(())
        })
        .expect("feed");
        assert_eq!(sizes, vec![CHUNK, CHUNK, 5]);
        assert_eq!(hasher.finish(), Digest::sha256_of(&data));
    }

    #[test]
    fn a_layer_fed_from_js_memory_decodes_in_the_browser() {
        let plain: Vec<u8> = (0..5000)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &plain).expect("gzip");
        let gz = encoder.finish().expect("gzip");
        let mut decoder = LayerDecoder::new(Compression::Gzip);
        let mut buffer = Vec::new();
        for part in gz.chunks(777) {
            let array = js_sys::Uint8Array::from(part);
            feed_chunked(&array, &mut buffer, |piece| decoder.update(piece)).expect("feed");
        }
        assert_eq!(
            decoder.finish().map(|h| h.finish()),
            Ok(Digest::sha256_of(&plain))
        );
    }
}
