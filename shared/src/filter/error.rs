//! Why a `--filter` list was rejected. Messages use Docker's wording
//! (`invalid filter 'dangling=maybe'`) and then say what would be accepted.

use crate::reference::PatternError;

/// Why a list of `--filter key=value` strings, or one of its image anchors,
/// was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// A filter without `=`.
    #[error("bad format of filter '{filter}' (expected name=value)")]
    BadFormat {
        /// The filter as given.
        filter: String,
    },

    /// A key that this filter language does not have.
    #[error("invalid filter '{key}' (supported filters: {supported})")]
    UnknownKey {
        /// The key as given (lower-cased).
        key: String,
        /// The keys this language accepts, comma-separated.
        supported: &'static str,
    },

    /// A value the key does not accept.
    #[error("invalid filter '{key}={value}': {expected}")]
    InvalidValue {
        /// The filter's key.
        key: &'static str,
        /// The value as given.
        value: String,
        /// What the key accepts.
        expected: &'static str,
    },

    /// A key given values that cannot hold together, such as
    /// `dangling=true` and `dangling=false`.
    #[error("invalid filter '{key}={values}': conflicting values (give '{key}' one value)")]
    Conflict {
        /// The filter's key.
        key: &'static str,
        /// The values given, comma-separated.
        values: String,
    },

    /// A malformed `reference=` glob.
    #[error("invalid filter 'reference={pattern}': {reason}")]
    InvalidPattern {
        /// The pattern as given.
        pattern: String,
        /// Where the pattern's syntax breaks.
        reason: PatternError,
    },

    /// `before=` or `since=` names an image the caller could not find.
    #[error("no such image: {name} (named by filter '{key}={name}')")]
    NoSuchImage {
        /// `before` or `since`.
        key: &'static str,
        /// The image name, tag or ID as given.
        name: String,
    },
}
