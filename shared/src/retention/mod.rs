//! Retention: which cached images a store keeps, as zot's `keepTags` and
//! distribution's proxy TTL decide it.
//!
//! - [`RetentionPolicy`] (`policy.rs`): the `--retain` grammar,
//!   `pulledWithin=168h,mostRecentlyPulledCount=5,maxStoreBytes=50GiB`.
//! - [`select`] (`select.rs`): which images a policy evicts, and why; the
//!   semantics are documented there.
//!
//! Pure: the caller gathers the images (with their last pull times and
//! whether they are pinned or in use) and passes "now".

mod policy;
mod select;

pub use policy::{PolicyError, RetentionPolicy};
pub use select::{Candidate, Eviction, Reason, Selection, select};
