//! The explorer's one loaded image: the merged tree of its layers, kept
//! while the user moves between `/fs/…` and `/layers/…` URLs of the same
//! image, and the task that fills it.
//!
//! Loading: resolve the reference (a stored image ID goes through the
//! store's repo digests), take the verified manifest (or index, then the
//! chosen platform's manifest) and config from the page's image walk
//! ([`crate::load`]: shared with the image page and Verify, fetched once),
//! read each layer's `created_by` from the config ([`Opened`]), then
//! stream each layer in order ([`super::stream`]) and
//! apply it to the [`MergedTree`] in slices ([`LayerApply`]), yielding to
//! the page between slices. Progress goes to a [`Status`] signal.
//! Opening another image cancels the task at its next chunk.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::merged::{LayerApply, LayerEntry, MergedTree, TarParser};
use shared::platform::Platform;
use shared::reference::Reference;
use shared::walk::PlatformChoice;

use super::stream::{LayerError, SLICE_MS, TarSink, stream_layer, yield_now};
use crate::api;
use crate::load::{self, Loaded};

/// Units of work (about one entry each) between two looks at the clock
/// while a layer is applied.
const APPLY_STEP: usize = 1024;

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

/// Opens `reference` (as written in the URL) for `platform` (`os/arch`;
/// without one, the index's first runnable entry): the running or finished load if it is the same
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
    let wanted = platform
        .map(|p| {
            p.parse::<Platform>()
                .map_err(|e| format!("bad ?platform=: {e}"))
        })
        .transpose()?;
    let reference = resolve(&text).await?;
    *session.reference.borrow_mut() = Some(reference.clone());
    let loaded = load::image(&reference, PlatformChoice::page(wanted)).await;
    let opened = Opened::of(&loaded);
    session.status.update(|s| {
        s.trust_note = loaded.trust_note();
    });
    let opened = opened?;
    *session.layers.borrow_mut() = opened.layers.clone();
    session.status.update(|s| {
        s.phase = Phase::Layers;
        s.manifest_digest = Some(opened.manifest_digest.clone());
        s.layers = opened
            .layers
            .iter()
            .enumerate()
            .map(|(i, d)| LayerStatus {
                digest: d.digest.clone(),
                size: d.size,
                created_by: opened.history.get(i).cloned().flatten(),
                state: LayerState::Pending,
            })
            .collect();
    });
    for (i, descriptor) in opened.layers.iter().enumerate() {
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

/// What the explorer takes from the page's image walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The verified image manifest's digest.
    pub manifest_digest: Digest,
    /// Its layers, bottom first.
    pub layers: Vec<Descriptor>,
    /// Each layer's `created_by`, from the verified config (empty when the
    /// config could not be read: the layers are still shown).
    pub history: Vec<Option<String>>,
    /// Where trust starts, when opened by tag.
    pub trust_note: Option<String>,
}

impl Opened {
    /// The explorer's view of `loaded`: its verified manifest, or why there
    /// is none to show.
    pub fn of(loaded: &Loaded) -> Result<Opened, String> {
        let Some((doc, manifest)) = loaded.walk.manifest() else {
            return Err(loaded
                .failure_text()
                .unwrap_or_else(|| "the image walk read no manifest".to_owned()));
        };
        let history = loaded.walk.config().map_or_else(Vec::new, |(_, config)| {
            config
                .layer_history()
                .into_iter()
                .filter(|(_, diff)| diff.is_some())
                .map(|(h, _)| h.created_by.clone())
                .collect()
        });
        Ok(Opened {
            manifest_digest: doc.digest.clone(),
            layers: manifest.layers.clone(),
            history,
            trust_note: loaded.trust_note(),
        })
    }
}
