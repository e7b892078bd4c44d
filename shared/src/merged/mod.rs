//! The merged filesystem view of a stack of layers, as a container sees it,
//! for the layer explorer (browser) and the CLI.
//!
//! | file | concept |
//! | --- | --- |
//! | [`path`](EntryPath) | normalising untrusted entry names, flagging odd ones ([`Oddity`]) |
//! | [`entry`](LayerEntry) | one tar entry, independent of any tar crate, and its [`Whiteout`] meaning |
//! | [`tar`] | the streaming tar parser ([`TarParser`]) that yields entries from chunks of bytes |
//! | [`listing`](LayerListing) | one layer blob verified, decompressed and parsed in one pass |
//! | [`change`](Change) | what a layer did to a path: added, modified or removed |
//! | `waste` | the sizes seen of each path, layer after layer, for dive's numbers |
//! | `arena` | the storage of a [`MergedTree`]: nodes by index, the path index, each layer's record |
//! | [`view`](MergedNode) | the read-only views of one node and of one layer ([`LayerView`]) |
//! | [`tree`](MergedTree) | reading the merged tree: `get`, `list`, sizes, per-path history |
//! | [`analysis`](Efficiency) | dive's wasted bytes and efficiency score, largest files |
//! | `apply` | the overlay rules that stack one layer on the ones below |
//! | [`stepwise`](LayerApply) | the same, a slice at a time, so a page stays responsive |
//!
//! Each file uses only those above it.
//!
//! ```
//! use shared::merged::{Change, LayerEntry, MergedTree};
//!
//! // The tutorial's image: file 7 in the top layer is a new version of file 5.
//! let tree = MergedTree::from_layers([
//!     vec![LayerEntry::file("file1", 10), LayerEntry::file("file2", 20), LayerEntry::file("file3", 30)],
//!     vec![LayerEntry::file("file4", 40), LayerEntry::file("file5", 50), LayerEntry::file("file6", 60)],
//!     vec![LayerEntry::file("file5", 70)],
//! ]);
//! assert_eq!(tree.len(), 6);
//! let file5 = tree.get("/file5").expect("merged view holds file5");
//! assert_eq!((file5.layer(), file5.size()), (Some(2), 70));
//! assert_eq!(tree.layer(2).and_then(|l| l.change_of("file5")), Some(Change::Modified));
//! ```
//!
//! Layers are applied bottom first, with the rules of overlayfs and of
//! containerd's layer apply (see the OCI image spec's "Applying changesets"):
//! whiteouts of a layer reach only the layers below it, `.wh.NAME` deletes a
//! file or a whole directory, `.wh..wh..opq` empties a directory of what the
//! lower layers put in it, a path re-added after a whiteout comes back, and a
//! directory can replace a file or the other way round. Paths are never
//! resolved against anything real: not through symlinks, not through `..`.
//!
//! Everything is keyed by path in hash maps, so applying a layer costs
//! O(entries × depth): 100,000 entries apply in about a quarter of a second
//! natively (release build), longer in wasm. [`MergedTree::push_layer`]
//! does it in one call; a page uses [`LayerApply`], which does the same
//! work in steps of a chosen size and yields between them. Nodes removed by
//! a later layer are kept, detached, so their history stays readable.

mod analysis;
mod apply;
mod arena;
mod change;
mod entry;
mod listing;
mod path;
mod stepwise;
pub mod tar;
mod tree;
mod view;
mod waste;

#[cfg(test)]
mod tests;

pub use analysis::{Efficiency, Inefficiency};
pub use arena::MergedTree;
pub use change::{Change, EntryMark, LayerChange, PathChange};
pub use entry::{EntryKind, LayerEntry, Whiteout};
pub use listing::{LayerListing, Listed, ListingError};
pub use path::{EntryPath, Oddities, Oddity};
pub use stepwise::{LayerApply, RUN};
pub use tar::{Preview, TarError, TarParser, TarSink};
pub use tree::MergedError;
pub use view::{LayerView, MergedNode};
