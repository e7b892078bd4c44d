//! Why a string is not a valid reference.
//!
//! Every message starts with `invalid reference "<input>"` and then names
//! the rule that failed and the part of the input that broke it, so a user
//! can fix the reference without reading the grammar.

use crate::digest::DigestError;

use super::domain::DomainProblem;
use super::tag::TagError;

/// Input echoed back in an error is cut to this many characters.
const ECHO_MAX: usize = 100;

/// Why a string could not be parsed as a [`Reference`](super::Reference).
///
/// Fields named `input` hold the rejected input, cut to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// The input is empty.
    #[error(
        "invalid reference \"\": repository name must have at least one component (such as \"redis\" or \"registry.example.com:5000/team/app:v1\")"
    )]
    Empty,

    /// The input starts with a URL scheme such as `https://`.
    #[error(
        "invalid reference \"{input}\": a reference has no URL scheme (drop the leading \"{scheme}://\")"
    )]
    HasScheme {
        /// The rejected input.
        input: String,
        /// The scheme before `://`.
        scheme: String,
    },

    /// The input is 64 lowercase hex characters: an image ID, not a name.
    #[error(
        "invalid reference \"{input}\": a 64-character hexadecimal string is an image ID, not a repository name (cannot specify 64-byte hexadecimal strings)"
    )]
    ImageId {
        /// The rejected input.
        input: String,
    },

    /// Nothing names a repository: the input is only a tag or digest, or
    /// ends right after the registry host.
    #[error(
        "invalid reference \"{input}\": the repository name is missing (expected a name such as \"redis\" before any ':tag' or '@digest')"
    )]
    MissingName {
        /// The rejected input.
        input: String,
    },

    /// The first path component looked like a registry host (it holds `.`
    /// or `:`, is `localhost`, or has an uppercase letter) but is not a
    /// valid `host[:port]`.
    #[error("invalid reference \"{input}\": registry host \"{domain}\" is invalid: {problem}")]
    InvalidDomain {
        /// The rejected input.
        input: String,
        /// The first component, taken as the registry host.
        domain: String,
        /// Which part of the host rule failed.
        problem: DomainProblem,
    },

    /// The repository path has an uppercase letter.
    #[error("invalid reference \"{input}\": repository name \"{name}\" must be lowercase")]
    Uppercase {
        /// The rejected input.
        input: String,
        /// The repository path as written (before any `library/` default).
        name: String,
    },

    /// The repository path has an empty component (`a//b`, `a/`, `/a`).
    #[error(
        "invalid reference \"{input}\": repository name \"{name}\" has an empty path component (look for a leading, trailing or doubled '/')"
    )]
    EmptyPathComponent {
        /// The rejected input.
        input: String,
        /// The repository path as written.
        name: String,
    },

    /// A path component breaks `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    #[error(
        "invalid reference \"{input}\": path component \"{component}\" must be lowercase letters and digits joined by '.', '_', '__' or dashes, starting and ending with a letter or digit (pattern [a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)"
    )]
    InvalidPathComponent {
        /// The rejected input.
        input: String,
        /// The offending component.
        component: String,
    },

    /// The repository path (after the `library/` default) is longer than
    /// 255 characters.
    #[error(
        "invalid reference \"{input}\": repository name must not be more than 255 characters (it has {length})"
    )]
    NameTooLong {
        /// The rejected input.
        input: String,
        /// The length of the repository path.
        length: usize,
    },

    /// The part after `:` is not a valid tag.
    #[error("invalid reference \"{input}\": {reason}")]
    InvalidTag {
        /// The rejected input.
        input: String,
        /// What is wrong with the tag.
        reason: TagError,
    },

    /// The part after `@` is not a valid digest.
    #[error("invalid reference \"{input}\": {reason}")]
    InvalidDigest {
        /// The rejected input.
        input: String,
        /// What is wrong with the digest.
        reason: DigestError,
    },

    /// A proxy path does not start with a registry host.
    #[error(
        "invalid proxy path \"{path}\": it must start with a registry host and hold a repository, such as \"docker.io/library/redis\" or \"127.0.0.1_5000/team/app\""
    )]
    ProxyPathWithoutDomain {
        /// The rejected proxy path.
        path: String,
    },

    /// A registry a mirror was told about (`ns=`, `--mirror-default`) is
    /// not a `host[:port]`.
    #[error(
        "\"{input}\" is not a registry host: give a host name with a dot, or a port, such as \"docker.io\", \"ghcr.io\" or \"registry.example:5000\" (no scheme, no path)"
    )]
    NotARegistry {
        /// The rejected host.
        input: String,
    },
}

/// Cuts untrusted input that is echoed back in an error.
pub(super) fn echo(input: &str) -> String {
    match input.char_indices().nth(ECHO_MAX) {
        Some((end, _)) => format!("{}…", &input[..end]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn long_input_is_cut() {
        let cases = [
            ("", ""),
            ("redis", "redis"),
            (&"a".repeat(100), &"a".repeat(100)),
            (&"a".repeat(101), &format!("{}…", "a".repeat(100))),
            (&"é".repeat(101), &format!("{}…", "é".repeat(100))),
        ];
        for (input, expected) in cases {
            assert_eq!(echo(input), expected, "{input}");
        }
    }
}
