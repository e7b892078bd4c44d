//! The trust chain of one image, as the dashboard verifies it in the
//! browser (see DESIGN.md, "The trust chain").
//!
//! A [`Chain`] is a tree of [`Node`]s, each named by a [`NodeKey`]:
//!
//! ```text
//! index (only when the reference names an index)
//! └─ manifest (the chosen platform's)
//!    ├─ config
//!    └─ layer i (compressed bytes, by the descriptor's digest and size)
//!       └─ diff i (uncompressed tar, by the config's rootfs.diff_ids[i])
//! ```
//!
//! Each node carries a [`NodeState`]; [`Chain::verdict`] folds them into one
//! [`Verdict`]. Trust starts at the first digest: the link's, or, when the
//! page was opened by tag, the digest the tag resolved to
//! ([`Chain::trust_note`]). Nothing here fetches or hashes; the caller
//! feeds bytes to [`crate::digest::Verifier`]s and records the outcome with
//! [`NodeState::from_result`].

mod chain;
mod state;

pub use chain::{Chain, Node, NodeKey, Origin};
pub use state::{NodeState, Verdict};

/// Layers larger than this (compressed) are skipped until the user asks:
/// 512 MiB.
pub const DEFAULT_SKIP_THRESHOLD: u64 = 512 << 20;

/// The most bytes handed to a hasher or decoder at once: 1 MiB.
pub const CHUNK: usize = 1 << 20;
