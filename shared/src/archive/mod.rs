//! Image archives as `docker save` writes them and `docker load` reads
//! them: the pure parts (what the JSON members say, which member paths are
//! safe, how an OCI layout names its images). Reading and writing the
//! bytes is the proxy's (`proxy/src/archive/`).
//!
//! Three shapes are understood:
//! - **docker-archive**: a tar with `manifest.json` (a list of
//!   [`ArchiveEntry`]: `Config`, `RepoTags`, `Layers`, paths of members in
//!   the same tar) and `repositories` (legacy, written, never read). Docker
//!   before 25 and podman name layers `<id>/layer.tar` or `<hex>.tar`
//!   (uncompressed); Docker 25+ points at `blobs/sha256/<hex>`.
//! - **OCI archive**: a tar of an OCI image layout.
//! - **OCI layout directory**: `oci-layout`, `index.json`,
//!   `blobs/<alg>/<hex>` (see [`layout`]).
//!
//! Docker 25+ writes both at once (a docker-archive whose blobs are the
//! OCI layout's), and so does `strata save`.
//!
//! Every JSON member is read whole, so each is capped at
//! [`JSON_MAX`] bytes.

mod docker_manifest;
pub mod layout;
mod member_path;

pub use docker_manifest::{ArchiveEntry, ManifestJsonError, Repositories, parse_manifest_json};
pub use member_path::{MemberPath, PathError};

/// The largest JSON member (`manifest.json`, `index.json`, a config, a
/// manifest) read from an archive: 4 MiB.
pub const JSON_MAX: u64 = 4 << 20;
