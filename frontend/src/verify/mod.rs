//! The trust chain, verified in the browser (DESIGN.md, "The trust chain").
//!
//! [`run`] fetches the reference's manifest (or index, then the chosen
//! platform's manifest), its config and its layers from `/v2`, hashes every
//! byte as it arrives, decompresses each layer and hashes the tar, and
//! records each node's state in a [`Chain`] signal that the panel renders.
//! Blob bodies are read chunk by chunk and copied into wasm at most
//! [`CHUNK`] bytes at a time, so memory stays bounded whatever the size.

mod decode;
pub mod pool;
pub mod webcrypto;
mod worker;

pub use decode::{DecodeError, LayerDecoder, SINK_ERROR};

use leptos::prelude::*;
use shared::config::ImageConfig;
use shared::digest::{Digest, Verifier};
use shared::manifest::{Descriptor, ImageManifest, Manifest};
use shared::platform::Platform;
use shared::reference::{Reference, TagOrDigest};
use shared::verify::{CHUNK, Chain, NodeKey, NodeState};

use crate::api;

/// Configs larger than this are not parsed (a real one is a few kB).
const MAX_CONFIG: u64 = 16 << 20;

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

/// Verifies the whole chain of `reference`, choosing `platform` in an index.
/// Layers over `threshold` bytes are skipped. Returns the plan for
/// verifying skipped layers later, once the manifest is verified.
pub async fn run(
    reference: Reference,
    platform: Platform,
    threshold: u64,
    chain: RwSignal<Chain>,
) -> Option<Plan> {
    let set = move |key: NodeKey, state: NodeState| chain.update(|c| c.set(key, state));
    let top = reference.manifest_reference();
    set(
        NodeKey::Manifest,
        NodeState::Verifying {
            bytes_done: 0,
            total: None,
        },
    );
    let raw = match api::v2_manifest(&reference, &top).await {
        Ok(raw) => raw,
        Err(e) => {
            set(
                NodeKey::Manifest,
                NodeState::Failed {
                    message: e.to_string(),
                },
            );
            return None;
        }
    };
    let expected = match &top {
        TagOrDigest::Digest(d) => d.clone(),
        TagOrDigest::Tag(_) => {
            let resolved = raw
                .digest_header
                .as_deref()
                .and_then(|h| h.parse::<Digest>().ok())
                .unwrap_or_else(|| Digest::sha256_of(&raw.bytes));
            chain.update(|c| c.resolve_tag(resolved.clone()));
            resolved
        }
    };
    let top_state = NodeState::compare(&expected, Digest::of(expected.algorithm(), &raw.bytes));
    let top_ok = matches!(top_state, NodeState::Verified { .. });
    set(NodeKey::Manifest, top_state);
    if !top_ok {
        return None;
    }
    let manifest = match Manifest::from_slice(&raw.bytes, raw.content_type.as_deref()) {
        Ok(Manifest::Image(m)) => *m,
        Ok(Manifest::Index(index)) => {
            let child = match index.manifest_for(&platform) {
                Ok(child) => child.clone(),
                Err(e) => {
                    chain.update(|c| {
                        let placeholder = Descriptor::new(
                            shared::media_type::MediaType::OciManifest,
                            expected.clone(),
                            0,
                        );
                        c.top_is_index(&placeholder);
                        c.set(
                            NodeKey::Manifest,
                            NodeState::Failed {
                                message: e.to_string(),
                            },
                        );
                    });
                    return None;
                }
            };
            chain.update(|c| c.top_is_index(&child));
            match verify_child_manifest(&reference, &child, chain).await {
                Some(m) => m,
                None => return None,
            }
        }
        Err(e) => {
            set(
                NodeKey::Manifest,
                NodeState::Failed {
                    message: format!("verified, but unreadable: {e}"),
                },
            );
            return None;
        }
    };
    chain.update(|c| c.add_blobs(&manifest));
    verify_config(&reference, &manifest, chain).await;
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

async fn verify_child_manifest(
    reference: &Reference,
    child: &Descriptor,
    chain: RwSignal<Chain>,
) -> Option<ImageManifest> {
    let set = move |state: NodeState| chain.update(|c| c.set(NodeKey::Manifest, state));
    set(NodeState::Verifying {
        bytes_done: 0,
        total: Some(child.size),
    });
    let raw = match api::v2_manifest(reference, &TagOrDigest::Digest(child.digest.clone())).await {
        Ok(raw) => raw,
        Err(e) => {
            set(NodeState::Failed {
                message: e.to_string(),
            });
            return None;
        }
    };
    let mut verifier = Verifier::new(child.digest.clone(), Some(child.size));
    let state = match verifier.update(&raw.bytes) {
        Ok(()) => NodeState::from_result(verifier.finish()),
        Err(e) => NodeState::from_result(Err(e)),
    };
    let ok = matches!(state, NodeState::Verified { .. });
    set(state);
    if !ok {
        return None;
    }
    match Manifest::from_slice(&raw.bytes, raw.content_type.as_deref()) {
        Ok(Manifest::Image(m)) => Some(*m),
        Ok(Manifest::Index(_)) => {
            set(NodeState::Failed {
                message: "verified, but it is another index, not an image manifest".into(),
            });
            None
        }
        Err(e) => {
            set(NodeState::Failed {
                message: format!("verified, but unreadable: {e}"),
            });
            None
        }
    }
}

async fn verify_config(reference: &Reference, manifest: &ImageManifest, chain: RwSignal<Chain>) {
    let descriptor = &manifest.config;
    let set = move |state: NodeState| chain.update(|c| c.set(NodeKey::Config, state));
    let diffs_unchecked = move |reason: &str| {
        chain.update(|c| {
            for i in 0..c.nodes().len() {
                c.set(
                    NodeKey::Diff(i),
                    NodeState::NotChecked {
                        reason: reason.to_owned(),
                    },
                );
            }
        });
    };
    if descriptor.size > MAX_CONFIG {
        set(NodeState::SkippedTooLarge {
            size: descriptor.size,
        });
        diffs_unchecked("the config was too large to read");
        return;
    }
    let mut bytes = Vec::new();
    let state = stream_blob(
        reference,
        descriptor,
        |piece| {
            bytes.extend_from_slice(piece);
            Ok(())
        },
        |done| {
            set(NodeState::Verifying {
                bytes_done: done,
                total: Some(descriptor.size),
            })
        },
    )
    .await;
    let ok = matches!(state, NodeState::Verified { .. });
    set(state);
    if !ok {
        diffs_unchecked("the config, which lists the diff IDs, did not verify");
        return;
    }
    match ImageConfig::from_slice(&bytes) {
        Ok(config) => {
            chain.update(|c| c.set_diff_ids(&config.rootfs.diff_ids));
            if config.rootfs.diff_ids.len() != manifest.layers.len() {
                set(NodeState::Failed {
                    message: format!(
                        "verified, but it lists {} diff IDs for {} layers",
                        config.rootfs.diff_ids.len(),
                        manifest.layers.len()
                    ),
                });
            }
        }
        Err(e) => {
            set(NodeState::Failed {
                message: format!("verified, but unreadable: {e}"),
            });
            diffs_unchecked("the config could not be read");
        }
    }
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
enum Check {
    WebCrypto(webcrypto::Held),
    Streaming(Box<Verifier>),
}

impl Check {
    fn for_blob(descriptor: &Descriptor) -> Check {
        match webcrypto::Held::for_blob(descriptor.digest.algorithm(), descriptor.size) {
            Some(held) => Check::WebCrypto(held),
            None => Check::Streaming(Box::new(Verifier::new(
                descriptor.digest.clone(),
                Some(descriptor.size),
            ))),
        }
    }

    fn bytes_seen(&self) -> u64 {
        match self {
            Check::WebCrypto(held) => held.len(),
            Check::Streaming(v) => v.bytes_seen(),
        }
    }

    async fn finish(self, descriptor: &Descriptor) -> NodeState {
        match self {
            Check::Streaming(v) => NodeState::from_result(v.finish()),
            Check::WebCrypto(held) if held.len() != descriptor.size => NodeState::SizeMismatch {
                expected: descriptor.size,
                actual: held.len(),
            },
            Check::WebCrypto(held) => match held.sha256().await {
                Ok(actual) => NodeState::compare(&descriptor.digest, actual),
                Err(e) => NodeState::Failed {
                    message: e.to_string(),
                },
            },
        }
    }
}

/// Streams one blob, checking its size and digest ([`Check`]), handing each
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
    let mut check = Check::for_blob(descriptor);
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
                        check.bytes_seen(),
                        descriptor.size
                    ),
                };
            }
        };
        let fed = match &mut check {
            Check::WebCrypto(held) => match held.push(&array) {
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
            Check::Streaming(verifier) => feed_chunked(&array, &mut buffer, |piece| {
                verifier.update(piece).map_err(Some)?;
                sink(piece).map_err(|()| None)
            }),
        };
        match fed {
            Ok(()) => {}
            Err(Some(e)) => return NodeState::from_result(Err(e)),
            Err(None) => break,
        }
        let done = check.bytes_seen();
        if done - reported >= CHUNK as u64 {
            reported = done;
            progress(done);
        }
    }
    check.finish(descriptor).await
}
