//! The explorer's one loaded image: the merged tree of its layers, kept
//! while the user moves between `/fs/…` and `/layers/…` URLs of the same
//! image, and the task that fills it.
//!
//! Loading: resolve the reference (a stored image ID goes through the
//! store's repo digests), fetch the manifest (or index, then the chosen
//! platform's manifest) and verify it, read the config for each layer's
//! `created_by`, then stream each layer in order ([`super::stream`]) and
//! apply it to the [`MergedTree`] in slices ([`LayerApply`]), yielding to
//! the page between slices. Progress goes to a [`Status`] signal.
//! Opening another image cancels the task at its next chunk.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::config::ImageConfig;
use shared::digest::{Digest, Verifier};
use shared::manifest::{Descriptor, ImageManifest, Manifest};
use shared::merged::{LayerApply, LayerEntry, MergedTree, TarParser};
use shared::platform::Platform;
use shared::reference::{Reference, TagOrDigest};

use super::stream::{LayerError, SLICE_MS, TarSink, stream_layer, yield_now};
use crate::api;

/// Units of work (about one entry each) between two looks at the clock
/// while a layer is applied.
const APPLY_STEP: usize = 1024;

/// Configs larger than this are not read (a real one is a few kB).
const MAX_CONFIG: u64 = 16 << 20;

/// Where the load is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Fetching and verifying the manifest and config.
    Manifest,
    /// Streaming layers.
    Layers,
    /// Every layer applied (some may have failed; see their states).
    Done,
    /// Nothing can be shown.
    Failed(String),
}

/// One layer's load state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerState {
    /// Not started.
    Pending,
    /// Streaming: compressed bytes done, entries read.
    Reading {
        /// Compressed bytes verified so far.
        done: u64,
        /// Entries parsed so far.
        entries: usize,
    },
    /// Verified and parsed; entries applied.
    Ready {
        /// Entries in the layer.
        entries: usize,
    },
    /// Not shown, and why.
    Failed(String),
}

/// One layer as the explorer lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerStatus {
    /// The compressed blob's digest.
    pub digest: Digest,
    /// Compressed size.
    pub size: u64,
    /// The build step that made it, from the config's history.
    pub created_by: Option<String>,
    /// Its load state.
    pub state: LayerState,
}

/// What the explorer shows about the load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The overall phase.
    pub phase: Phase,
    /// Where trust starts, when the page was opened by tag.
    pub trust_note: Option<String>,
    /// The verified manifest's digest, once known.
    pub manifest_digest: Option<Digest>,
    /// Every layer, bottom first, once the manifest is read.
    pub layers: Vec<LayerStatus>,
    /// How many layers are applied to the tree.
    pub applied: usize,
}

impl Status {
    fn new() -> Self {
        Status {
            phase: Phase::Manifest,
            trust_note: None,
            manifest_digest: None,
            layers: Vec::new(),
            applied: 0,
        }
    }
}

/// The loaded image.
struct Session {
    key: (String, Option<String>),
    reference: RefCell<Option<Reference>>,
    layers: RefCell<Vec<Descriptor>>,
    tree: RefCell<MergedTree>,
    status: ArcRwSignal<Status>,
    cancelled: Cell<bool>,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Session>>> = const { RefCell::new(None) };
}

fn current() -> Option<Rc<Session>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Opens `reference` (as written in the URL) for `platform` (`os/arch`,
/// default linux/amd64): the running or finished load if it is the same
/// image, else a new load. Returns its status signal.
pub fn open(reference: &str, platform: Option<String>) -> ArcRwSignal<Status> {
    let key = (reference.to_owned(), platform);
    if let Some(session) = current().filter(|s| s.key == key) {
        return session.status.clone();
    }
    if let Some(old) = current() {
        old.cancelled.set(true);
    }
    let session = Rc::new(Session {
        key,
        reference: RefCell::new(None),
        layers: RefCell::new(Vec::new()),
        tree: RefCell::new(MergedTree::new()),
        status: ArcRwSignal::new(Status::new()),
        cancelled: Cell::new(false),
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(Rc::clone(&session)));
    let status = session.status.clone();
    spawn_local(async move {
        if let Err(message) = load(&session).await
            && !session.cancelled.get()
        {
            session.status.update(|s| s.phase = Phase::Failed(message));
        }
    });
    status
}

/// Reads the current image's merged tree.
pub fn with_tree<R>(f: impl FnOnce(&MergedTree) -> R) -> R {
    match current() {
        Some(session) => f(&session.tree.borrow()),
        None => f(&MergedTree::new()),
    }
}

/// The current image's resolved reference and layer `n`'s descriptor.
pub fn layer_source(n: usize) -> Option<(Reference, Descriptor)> {
    let session = current()?;
    let reference = session.reference.borrow().clone()?;
    let descriptor = session.layers.borrow().get(n).cloned()?;
    Some((reference, descriptor))
}

async fn resolve(text: &str) -> Result<Reference, String> {
    if let Ok(reference) = text.parse::<Reference>()
        && !text.starts_with("sha256:")
    {
        return Ok(reference);
    }
    // An image ID (or ID prefix) of a stored image: use one of its repo digests.
    let detail = api::image(text.to_owned())
        .await
        .map_err(|e| format!("`{text}` is not an image reference, and the store says: {e}"))?;
    detail
        .inspect
        .repo_digests
        .iter()
        .find_map(|d| d.parse::<Reference>().ok())
        .ok_or_else(|| format!("the stored image `{text}` has no repository digest to fetch it by"))
}

async fn load(session: &Session) -> Result<(), String> {
    let (text, platform) = session.key.clone();
    let platform = match platform {
        Some(p) => p
            .parse::<Platform>()
            .map_err(|e| format!("bad ?platform=: {e}"))?,
        None => Platform::new("linux", "amd64"),
    };
    let reference = resolve(&text).await?;
    *session.reference.borrow_mut() = Some(reference.clone());
    let manifest = manifest(session, &reference, &platform).await?;
    let history = config_history(&reference, &manifest).await;
    *session.layers.borrow_mut() = manifest.layers.clone();
    session.status.update(|s| {
        s.phase = Phase::Layers;
        s.layers = manifest
            .layers
            .iter()
            .enumerate()
            .map(|(i, d)| LayerStatus {
                digest: d.digest.clone(),
                size: d.size,
                created_by: history.get(i).cloned().flatten(),
                state: LayerState::Pending,
            })
            .collect();
    });
    for (i, descriptor) in manifest.layers.iter().enumerate() {
        let set = |state: LayerState| {
            session.status.update(|s| {
                if let Some(layer) = s.layers.get_mut(i) {
                    layer.state = state;
                }
            })
        };
        set(LayerState::Reading {
            done: 0,
            entries: 0,
        });
        let mut last = js_sys::Date::now();
        let sink = TarSink::new(TarParser::new(), true);
        let result = stream_layer(&reference, descriptor, sink, |sink, done| {
            if js_sys::Date::now() - last > 100.0 {
                last = js_sys::Date::now();
                set(LayerState::Reading {
                    done,
                    entries: sink.entries.len(),
                });
            }
            !session.cancelled.get()
        })
        .await;
        if session.cancelled.get() {
            return Ok(());
        }
        let (entries, state) = match result {
            Ok(sink) => {
                let n = sink.entries.len();
                (sink.entries, LayerState::Ready { entries: n })
            }
            Err(LayerError::Tar(e)) => (Vec::new(), LayerState::Failed(e.to_string())),
            Err(e) => (Vec::new(), LayerState::Failed(e.to_string())),
        };
        yield_now().await;
        if !apply_layer(session, entries).await {
            return Ok(());
        }
        set(state);
        session.status.update(|s| s.applied = i + 1);
        yield_now().await;
    }
    session.status.update(|s| s.phase = Phase::Done);
    Ok(())
}

/// Applies a read layer's `entries` to the session's tree in slices of
/// about [`SLICE_MS`], yielding between them; false if the session was
/// cancelled meanwhile.
async fn apply_layer(session: &Session, entries: Vec<LayerEntry>) -> bool {
    let mut apply = LayerApply::new(&session.tree.borrow(), entries);
    let mut slice_start = js_sys::Date::now();
    loop {
        // The borrow ends before the page gets its turn (it reads the tree).
        let done = apply.step(&mut session.tree.borrow_mut(), APPLY_STEP);
        if done {
            break;
        }
        if js_sys::Date::now() - slice_start > SLICE_MS {
            yield_now().await;
            if session.cancelled.get() {
                return false;
            }
            slice_start = js_sys::Date::now();
        }
    }
    apply.finish(&mut session.tree.borrow_mut());
    true
}

/// Fetches and verifies the manifest (through an index when there is one).
async fn manifest(
    session: &Session,
    reference: &Reference,
    platform: &Platform,
) -> Result<ImageManifest, String> {
    let top = reference.manifest_reference();
    let raw = api::v2_manifest(reference, &top)
        .await
        .map_err(|e| e.to_string())?;
    let expected = match &top {
        TagOrDigest::Digest(d) => d.clone(),
        TagOrDigest::Tag(tag) => {
            let resolved = raw
                .digest_header
                .as_deref()
                .and_then(|h| h.parse::<Digest>().ok())
                .unwrap_or_else(|| Digest::sha256_of(&raw.bytes));
            session.status.update(|s| {
                s.trust_note = Some(format!(
                    "Opened by tag `{tag}`: trust starts at the digest it resolved to, {resolved}."
                ))
            });
            resolved
        }
    };
    let actual = Digest::of(expected.algorithm(), &raw.bytes);
    if actual != expected {
        return Err(format!(
            "the manifest does not verify: expected {expected}, got {actual}"
        ));
    }
    let manifest = match Manifest::from_slice(&raw.bytes, raw.content_type.as_deref())
        .map_err(|e| e.to_string())?
    {
        Manifest::Image(m) => *m,
        Manifest::Index(index) => {
            let child = index.manifest_for(platform).map_err(|e| e.to_string())?;
            let raw = api::v2_manifest(reference, &TagOrDigest::Digest(child.digest.clone()))
                .await
                .map_err(|e| e.to_string())?;
            let mut verifier = Verifier::new(child.digest.clone(), Some(child.size));
            verifier
                .update(&raw.bytes)
                .and_then(|()| verifier.finish())
                .map_err(|e| format!("the platform's manifest does not verify: {e}"))?;
            match Manifest::from_slice(&raw.bytes, raw.content_type.as_deref())
                .map_err(|e| e.to_string())?
            {
                Manifest::Image(m) => *m,
                Manifest::Index(_) => {
                    return Err("the index points at another index, not an image".into());
                }
            }
        }
    };
    session
        .status
        .update(|s| s.manifest_digest = Some(expected));
    Ok(manifest)
}

/// Each layer's `created_by`, from the verified config (empty if unreadable).
async fn config_history(reference: &Reference, manifest: &ImageManifest) -> Vec<Option<String>> {
    let descriptor = &manifest.config;
    if descriptor.size > MAX_CONFIG {
        return Vec::new();
    }
    let Ok(mut stream) = api::v2_blob(reference, &descriptor.digest).await else {
        return Vec::new();
    };
    let mut verifier = Verifier::new(descriptor.digest.clone(), Some(descriptor.size));
    let mut bytes = Vec::new();
    let mut buffer = Vec::new();
    while let Ok(Some(array)) = stream.next().await {
        let fed = crate::verify::feed_chunked(&array, &mut buffer, |piece| {
            bytes.extend_from_slice(piece);
            verifier.update(piece)
        });
        if fed.is_err() {
            return Vec::new();
        }
    }
    if verifier.finish().is_err() {
        return Vec::new();
    }
    let Ok(config) = ImageConfig::from_slice(&bytes) else {
        return Vec::new();
    };
    config
        .layer_history()
        .into_iter()
        .filter(|(_, diff)| diff.is_some())
        .map(|(h, _)| h.created_by.clone())
        .collect()
}
