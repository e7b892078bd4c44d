//! The image walk: from a reference to a verified image, written once and
//! driven by every path that reads images (`strata pull`, `/v2`
//! recording, the image page, Verify, the explorer).
//!
//! It does no I/O. A driver asks [`Walk::need`] what to fetch, fetches it
//! over its own transport (the registry client, the store, the browser's
//! `fetch`), and hands the bytes to [`Walk::feed`], until the walk is done
//! and [`Walk::finish`] gives the [`VerifiedImage`]:
//!
//! ```text
//! Top(tag or digest) ──index──▶ Manifest(chosen entry) ──▶ Config ──▶ done
//!        └──────────manifest──────────────────────────────▲
//! ```
//!
//! Each document is checked as it is fed:
//! - its digest: the reference's (by digest), the registry's
//!   `Docker-Content-Digest` (by tag), or the descriptor's; and its size,
//!   when a descriptor declares one;
//! - its limits: [`MAX_MANIFEST`] for manifests and indexes, [`MAX_CONFIG`]
//!   for the config, checked against the declared size before it is asked
//!   for ([`Need::limit`] tells a driver where to stop reading);
//! - its media type: an index entry must be an image manifest (nested
//!   indexes are refused), a config must be an image config (artifacts are
//!   not images to run);
//! - the manifest's layer count against the config's `rootfs.diff_ids`.
//!
//! An index entry is chosen by one rule, Docker's ([`PlatformChoice`]).
//! What was verified before a failure stays readable ([`Walk::index`],
//! [`Walk::manifest`]), so the image page can show an index whose platform
//! is missing, or a manifest whose config is broken.
//!
//! | file | concept |
//! | --- | --- |
//! | `walker.rs` | the state machine: [`Walk`], [`Need`], [`Fetched`] |
//! | `platform_choice.rs` | which index entry: [`PlatformChoice`] |
//! | `document.rs` | what it yields: [`Document`], [`VerifiedImage`] |
//! | `limits.rs` | [`MAX_MANIFEST`], [`MAX_CONFIG`] |
//! | `error.rs` | [`WalkError`], naming the [`Part`] that failed |

mod document;
mod error;
mod limits;
mod platform_choice;
mod walker;

pub use document::{Document, PlatformWarning, VerifiedImage};
pub use error::{Part, WalkError};
pub use limits::{MAX_CONFIG, MAX_MANIFEST};
pub use platform_choice::{NoEntry, PlatformChoice};
pub use walker::{Fetched, Need, Walk};

#[cfg(test)]
mod tests;
