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

use shared::layer::estargz::toc_differs;
use shared::layer::index::LayerIndex;
use shared::media_type::Compression;

use super::hints::{find_index, indexable, toc_listing};
use super::index_store;
pub use super::opened::Opened;
use super::stream::{LayerError, ReadMode, SLICE_MS, TarSink, stream_layer, yield_now};
use crate::api;
use crate::load;

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
    /// Every layer listed; layers listed from the server's index are being
    /// verified in this browser, one after the other.
    Verifying,
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
    /// Listed from the server's index (a hint): the layer's bytes are being
    /// verified in the background.
    Unverified {
        /// Entries the index lists.
        entries: usize,
        /// Compressed bytes verified so far.
        done: u64,
    },
    /// The server's index did not match the layer's verified bytes: the
    /// listing now comes from the bytes.
    IndexMismatch {
        /// Entries in the layer.
        entries: usize,
        /// How the index differed.
        reason: String,
    },
    /// Not shown, and why.
    Failed(String),
}

/// Where a layer's listing came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedFrom {
    /// The layer's bytes, read whole.
    Bytes,
    /// The index this browser built earlier from the verified bytes.
    OwnIndex,
    /// The server's index (a hint until the bytes verify).
    ServerIndex,
    /// An eStargz layer's own table of contents (a hint until the bytes
    /// verify).
    Toc,
}

impl ListedFrom {
    /// The name the page's `data-listed-from` carries.
    pub fn as_str(self) -> &'static str {
        match self {
            ListedFrom::Bytes => "bytes",
            ListedFrom::OwnIndex => "own-index",
            ListedFrom::ServerIndex => "server-index",
            ListedFrom::Toc => "toc",
        }
    }
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
    /// Where its listing came from, once listed.
    pub listed_from: Option<ListedFrom>,
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

/// A layer's index, and whether it is this browser's own.
pub type HeldIndex = (Rc<LayerIndex>, bool);

/// The loaded image.
struct Session {
    key: (String, Option<String>),
    reference: RefCell<Option<Reference>>,
    layers: RefCell<Vec<Descriptor>>,
    /// Per layer, the index files are read through (the server's until the
    /// layer verifies, then this browser's own), and whether it is verified.
    indexes: RefCell<Vec<Option<HeldIndex>>>,
    /// Per layer, the entries applied to the tree (to rebuild it when an
    /// index turns out wrong).
    entries: RefCell<Vec<Vec<LayerEntry>>>,
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
        indexes: RefCell::new(Vec::new()),
        entries: RefCell::new(Vec::new()),
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

/// Layer `n`'s index, if the explorer has one, and whether it is this
/// browser's own (built from verified bytes).
pub fn layer_index(n: usize) -> Option<HeldIndex> {
    current()?.indexes.borrow().get(n).cloned().flatten()
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
                listed_from: None,
            })
            .collect();
    });
    let count = opened.layers.len();
    *session.indexes.borrow_mut() = vec![None; count];
    *session.entries.borrow_mut() = vec![Vec::new(); count];
    let mut unverified = Vec::new();
    for (i, descriptor) in opened.layers.iter().enumerate() {
        let set = |state: LayerState| set_state(session, i, state);
        set(LayerState::Reading {
            done: 0,
            entries: 0,
        });
        let found = if indexable(descriptor) {
            find_index(descriptor).await
        } else {
            None
        };
        let toc = match found {
            None => toc_listing(&reference, descriptor).await,
            Some(_) => None,
        };
        if session.cancelled.get() {
            return Ok(());
        }
        let listed_from = match (&found, &toc) {
            (Some((_, true)), _) => ListedFrom::OwnIndex,
            (Some((_, false)), _) => ListedFrom::ServerIndex,
            (None, Some(_)) => ListedFrom::Toc,
            (None, None) => ListedFrom::Bytes,
        };
        session.status.update(|s| {
            if let Some(layer) = s.layers.get_mut(i) {
                layer.listed_from = Some(listed_from);
            }
        });
        let (entries, state) = match (found, toc) {
            (None, Some(entries)) => {
                unverified.push((i, ListedFrom::Toc));
                let n = entries.len();
                (
                    entries,
                    LayerState::Unverified {
                        entries: n,
                        done: 0,
                    },
                )
            }
            (Some((index, own)), _) => {
                let entries = index.entries.clone();
                let n = entries.len();
                session.indexes.borrow_mut()[i] = Some((Rc::new(index), own));
                if own {
                    (entries, LayerState::Ready { entries: n })
                } else {
                    unverified.push((i, ListedFrom::ServerIndex));
                    (
                        entries,
                        LayerState::Unverified {
                            entries: n,
                            done: 0,
                        },
                    )
                }
            }
            (None, None) => match read_layer(session, &reference, i, descriptor).await {
                Ok((index, entries)) => {
                    let n = entries.len();
                    if let Some(index) = index {
                        session.indexes.borrow_mut()[i] = Some((Rc::new(index), true));
                    }
                    (entries, LayerState::Ready { entries: n })
                }
                Err(LayerError::Cancelled) => return Ok(()),
                Err(e) => (Vec::new(), LayerState::Failed(e.to_string())),
            },
        };
        if session.cancelled.get() {
            return Ok(());
        }
        session.entries.borrow_mut()[i] = entries.clone();
        yield_now().await;
        if !apply_layer(session, entries).await {
            return Ok(());
        }
        set(state);
        session.status.update(|s| s.applied = i + 1);
        yield_now().await;
    }
    if !unverified.is_empty() {
        session.status.update(|s| s.phase = Phase::Verifying);
        if !verify_listed(session, &reference, &opened.layers, &unverified).await {
            return Ok(());
        }
    }
    session.status.update(|s| s.phase = Phase::Done);
    Ok(())
}

fn set_state(session: &Session, i: usize, state: LayerState) {
    session.status.update(|s| {
        if let Some(layer) = s.layers.get_mut(i) {
            layer.state = state;
        }
    })
}

/// Streams layer `i` whole (verified), with progress; returns its entries
/// and, for a layer worth indexing, this browser's index of it (kept in
/// IndexedDB too).
async fn read_layer(
    session: &Session,
    reference: &Reference,
    i: usize,
    descriptor: &Descriptor,
) -> Result<(Option<LayerIndex>, Vec<LayerEntry>), LayerError> {
    let indexed = indexable(descriptor);
    let mut last = js_sys::Date::now();
    let sink = TarSink::new(TarParser::new(), true);
    let mode = ReadMode {
        checkpoints: indexed,
        background: false,
    };
    let (sink, checkpoints) = stream_layer(reference, descriptor, sink, mode, |sink, done| {
        if js_sys::Date::now() - last > 100.0 {
            last = js_sys::Date::now();
            set_state(
                session,
                i,
                LayerState::Reading {
                    done,
                    entries: sink.entries.len(),
                },
            );
        }
        !session.cancelled.get()
    })
    .await?;
    let dropped =
        descriptor.media_type.compression() == Compression::Gzip && checkpoints.is_empty();
    if !indexed || dropped {
        return Ok((None, sink.entries));
    }
    let index = LayerIndex::assemble(
        descriptor.digest.clone(),
        descriptor.media_type.compression(),
        (descriptor.size, sink.received),
        checkpoints,
        sink.entries.clone(),
    );
    index_store::put(&descriptor.digest, &index.to_bytes()).await;
    Ok((Some(index), sink.entries))
}

/// Verifies, one after the other, the layers listed from the server's
/// index: each is streamed whole, checked against its digest, indexed by
/// this browser and compared with the server's index. A layer whose index
/// lied is listed again from its bytes (the tree is rebuilt at once); one
/// whose bytes do not verify loses its listing. False if cancelled.
async fn verify_listed(
    session: &Session,
    reference: &Reference,
    layers: &[Descriptor],
    unverified: &[(usize, ListedFrom)],
) -> bool {
    for &(i, listed_from) in unverified {
        let mut rebuild = false;
        let Some(descriptor) = layers.get(i) else {
            continue;
        };
        let listed = session.entries.borrow()[i].len();
        let mut last = js_sys::Date::now();
        let sink = TarSink::new(TarParser::new(), true);
        let mode = ReadMode {
            checkpoints: true,
            background: true,
        };
        let result = stream_layer(reference, descriptor, sink, mode, |_, done| {
            if js_sys::Date::now() - last > 100.0 {
                last = js_sys::Date::now();
                set_state(
                    session,
                    i,
                    LayerState::Unverified {
                        entries: listed,
                        done,
                    },
                );
            }
            !session.cancelled.get()
        })
        .await;
        if session.cancelled.get() {
            return false;
        }
        let state = match result {
            Ok((sink, checkpoints)) => {
                // A gzip layer with too many checkpoints to keep has none:
                // its entries are still compared, and it gets no index.
                let complete = descriptor.media_type.compression() != Compression::Gzip
                    || !checkpoints.is_empty();
                let own = LayerIndex::assemble(
                    descriptor.digest.clone(),
                    descriptor.media_type.compression(),
                    (descriptor.size, sink.received),
                    checkpoints,
                    sink.entries,
                );
                let differs = if listed_from == ListedFrom::Toc {
                    let differs = toc_differs(&session.entries.borrow()[i], &own.entries);
                    // The table's entries carry no tar offsets: the tar's replace them.
                    session.entries.borrow_mut()[i] = own.entries.clone();
                    rebuild = true;
                    differs
                } else {
                    let server = session.indexes.borrow()[i].clone();
                    server.and_then(|(server, _)| {
                        if complete {
                            server.differs_from(&own)
                        } else {
                            server.entries_differ(&own)
                        }
                    })
                };
                let n = own.entries.len();
                if differs.is_some() {
                    session.entries.borrow_mut()[i] = own.entries.clone();
                    rebuild = true;
                }
                if indexable(descriptor) && complete {
                    index_store::put(&descriptor.digest, &own.to_bytes()).await;
                    session.indexes.borrow_mut()[i] = Some((Rc::new(own), true));
                } else {
                    session.indexes.borrow_mut()[i] = None;
                }
                match differs {
                    None => LayerState::Ready { entries: n },
                    Some(reason) => LayerState::IndexMismatch { entries: n, reason },
                }
            }
            Err(LayerError::Cancelled) => return false,
            Err(e) => {
                session.indexes.borrow_mut()[i] = None;
                session.entries.borrow_mut()[i] = Vec::new();
                rebuild = true;
                LayerState::Failed(e.to_string())
            }
        };
        if rebuild && !rebuild_tree(session).await {
            return false;
        }
        set_state(session, i, state);
    }
    true
}

/// Builds the tree again from every layer's entries, aside, and swaps it
/// in once whole (the page never sees a half-built tree). False if
/// cancelled.
async fn rebuild_tree(session: &Session) -> bool {
    let tree = RefCell::new(MergedTree::new());
    let all = session.entries.borrow().clone();
    for entries in all {
        if !apply_into(session, &tree, entries).await {
            return false;
        }
    }
    *session.tree.borrow_mut() = tree.into_inner();
    true
}

/// Applies a read layer's `entries` to the session's tree in slices of
/// about [`SLICE_MS`], yielding between them; false if the session was
/// cancelled meanwhile.
async fn apply_layer(session: &Session, entries: Vec<LayerEntry>) -> bool {
    apply_into(session, &session.tree, entries).await
}

/// [`apply_layer`] into `tree`.
async fn apply_into(
    session: &Session,
    tree: &RefCell<MergedTree>,
    entries: Vec<LayerEntry>,
) -> bool {
    let mut apply = LayerApply::new(&tree.borrow(), entries);
    let mut slice_start = js_sys::Date::now();
    loop {
        // The borrow ends before the page gets its turn (it reads the tree).
        let done = apply.step(&mut tree.borrow_mut(), APPLY_STEP);
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
    apply.finish(&mut tree.borrow_mut());
    true
}
