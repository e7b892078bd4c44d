//! The `--filter` languages of `images` and `search`, parsed into typed
//! predicates that the proxy and the dashboard both run.
//!
//! # Syntax
//!
//! Each filter is one `key=value` string, as given to `--filter` (repeatable).
//! The key is trimmed and lower-cased, the value trimmed, and the first `=`
//! splits them. A string without `=`, an unknown key or a value the key does
//! not take is an error that names it, in Docker's words
//! (`invalid filter 'dangling=maybe'`) followed by what would be accepted.
//!
//! # `images --filter` ([`ImageFilters`])
//!
//! | key | value | keeps images that |
//! | --- | --- | --- |
//! | `dangling` | `true`/`1` or `false`/`0` | have no tag / have a name |
//! | `before` | image name, name:tag or ID | were created before it |
//! | `since` | image name, name:tag or ID | were created after it |
//! | `label` | `KEY` or `KEY=VALUE` | have that label (with that value) |
//! | `reference` | glob ([`ReferencePattern`](crate::reference::ReferencePattern)) | have a familiar name (with or without tag) it matches |
//!
//! Different keys AND. The same key given again:
//!
//! - `reference` ORs: any pattern may match.
//! - `label` ANDs: every label must match.
//! - `before` and `since` keep the strictest anchor (the oldest `before`,
//!   the newest `since`), which ANDs them, as Docker does.
//! - `dangling` may repeat its value, but `true` with `false` is an error,
//!   as in Docker.
//!
//! `before` and `since` name images that only the caller can look up. The
//! flow is: [`ImageFilters::parse`], look up each of
//! [`ImageFilters::anchors`] in the store and record its created time in
//! [`ResolvedAnchors`], then [`ImageFilters::resolve`] into an
//! [`ImagePredicate`] and test each [`ImageSubject`] with
//! [`ImagePredicate::matches`].
//!
//! # `image prune --filter` ([`PruneFilters`])
//!
//! `until=` ([`Until`]: a duration, RFC 3339 time or unix seconds),
//! `label=`, `label!=` and `dangling=`; see [`PruneFilters`] for which
//! images a prune removes.
//!
//! # `search --filter` ([`SearchFilters`])
//!
//! | key | value | keeps results that |
//! | --- | --- | --- |
//! | `is-official` | `true` or `false` | are (not) Docker Official Images |
//! | `is-automated` | `true` or `false` | are (not) automated builds |
//! | `stars` | whole number N | have at least N stars (the largest N given) |
//!
//! Both filter lists serialise as their `key=value` strings, so they travel
//! through the JSON API in the form users type.
//!
//! | file | concept |
//! | --- | --- |
//! | [`error`](FilterError) | what a filter list can get wrong |
//! | `args` | splitting `key=value` and reading repeated values |
//! | [`label`](LabelFilter) | one `label=KEY[=VALUE]` |
//! | [`subject`](ImageSubject) | what an image filter looks at, and the anchors' times |
//! | `criteria` | `dangling=`, `label=`, `reference=`: held by the two below |
//! | [`predicate`](ImagePredicate) | the filters with anchors resolved, testing each image |
//! | [`image_filters`](ImageFilters) | parsing `images --filter`, then resolving it into a predicate |
//! | [`search`](SearchFilters) | `search --filter` |
//! | [`until`](Until) | a prune's `until=` time |
//! | [`prune`](PruneFilters) | `image prune --filter`, and which images a prune removes |
//!
//! Each file uses only those above it.

mod args;
mod criteria;
mod error;
mod image_filters;
mod label;
mod predicate;
mod prune;
mod search;
mod subject;
mod until;

pub use error::FilterError;
pub use image_filters::ImageFilters;
pub use label::LabelFilter;
pub use predicate::ImagePredicate;
pub use prune::{PruneFilters, PruneSubject};
pub use search::{SearchFilters, SearchSubject};
pub use subject::{ImageSubject, ResolvedAnchors};
pub use until::Until;
