//! Image references (`redis`, `host:5000/team/app:v1@sha256:…`): parsing and
//! normalisation exactly as Docker's distribution/reference package
//! (`ParseNormalizedNamed`), the canonical, familiar and proxy-path forms,
//! and reference patterns for `--filter reference=`.
//!
//! # Grammar
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path
//! domain     := host [ ":" port ]
//! host       := label ( "." label )*  |  "[" ipv6 "]"
//! label      := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//! ipv6       := [a-fA-F0-9:]+                 (no zones, no dotted IPv4 tail)
//! port       := [0-9]+
//! path       := component ( "/" component )*  (at most 255 characters)
//! component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := "sha256:" [a-f0-9]{64}  |  "sha512:" [a-f0-9]{128}
//! ```
//!
//! # Defaulting rules
//!
//! 1. The first `/`-separated component is the registry host when it holds
//!    a `.` or a `:`, is `localhost`, or has an uppercase letter
//!    (`Foo/bar` is host `Foo`). Otherwise the whole name is a path on
//!    Docker Hub, `docker.io`: `user/repo` is `docker.io/user/repo`, and
//!    `localhost:5000` alone is `docker.io/library/localhost` tagged `5000`.
//! 2. `index.docker.io` is written `docker.io`.
//! 3. On Docker Hub, a one-component path gets the `library/` namespace:
//!    `redis` and `docker.io/redis` are `docker.io/library/redis`.
//! 4. The 255-character limit counts the path after rule 3, not the host.
//! 5. No tag is added: `redis` has neither tag nor digest.
//!    [`Reference::with_default_tag`] adds `latest` as `docker pull` does.
//!    A reference may hold a tag and a digest; the digest is what is pulled.
//! 6. A string of exactly 64 lowercase hex characters is an image ID and is
//!    rejected as a name (`docker.io/<64 hex>` and `<64 hex>:tag` are names).
//!
//! One deliberate difference from Go: a first component that looks like a
//! host but is not a valid one (`foo_bar.com/x`) is an error here, where Go
//! quietly returns a reference with an empty domain that no registry serves.
//!
//! # Forms
//!
//! | form | `redis` | `localhost:5000/team/app:v1` |
//! | --- | --- | --- |
//! | [`Display`](std::fmt::Display) (canonical) | `docker.io/library/redis` | `localhost:5000/team/app:v1` |
//! | [`Reference::canonical_name`] | `docker.io/library/redis` | `localhost:5000/team/app` |
//! | [`Reference::familiar`] | `redis` | `localhost:5000/team/app:v1` |
//! | [`Reference::proxy_path`] | `docker.io/library/redis` | `localhost_5000/team/app` |
//!
//! Every form except the proxy path parses back to the same [`Reference`];
//! [`Reference::from_proxy_path`] reads the proxy path.
//!
//! # Patterns
//!
//! A [`ReferencePattern`] is a Go `path.Match` glob (`*` within one path
//! component, `?`, `[a-z]`, `[^x]`, `\` escapes) matched against the
//! familiar form with its tag and against the familiar name alone, as
//! Docker's `FamiliarMatch`.

mod domain;
mod error;
mod glob;
mod mirror;
mod name;
mod parse;
mod path;
mod pattern;
mod proxy;
mod summary;
mod tag;
mod tag_or_digest;

#[cfg(test)]
mod docker_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod proptests;

pub use domain::{DEFAULT_DOMAIN, DomainProblem, LEGACY_DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX};
pub use error::ReferenceError;
pub use glob::PatternError;
pub use mirror::{MirrorRoute, mirror_registry};
pub use name::Reference;
pub use path::NAME_MAX_LEN;
pub use pattern::ReferencePattern;
pub use summary::ReferenceSummary;
pub use tag::{DEFAULT_TAG, TAG_MAX_LEN, Tag, TagError};
pub use tag_or_digest::TagOrDigest;
