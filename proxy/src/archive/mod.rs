//! `strata save` and `strata load`: images out of the store into an
//! archive, and archives into the store, as `docker save`/`load` do.
//!
//! - `save.rs`: the docker-archive with the OCI layout inside (Docker 25+'s
//!   shape), streamed from the store; `oci_dir.rs`: an OCI layout folder;
//!   `selection.rs`: which images and names, and the documents listing them.
//! - `load.rs`: all or nothing, under one lease; `docker_archive.rs` and
//!   `oci_layout.rs` read the two formats; `intake.rs` streams each blob
//!   into the store with every check (digest, size, diff_id);
//!   `members.rs` reads members of a tar (indexed by `tar_index.rs`, which
//!   refuses unsafe paths and links) or of a folder.
//!
//! The pure parts (`manifest.json`, `index.json` names, member paths) are
//! in [`shared::archive`].
//!
//! A load from stdin is spooled to a temporary file in the store folder
//! first (`cli/load_cmd.rs`): a docker-archive may put `manifest.json`
//! after the blobs, and the tar is read twice (an index, then the members).

mod docker_archive;
mod error;
mod intake;
mod load;
mod members;
mod oci_dir;
mod oci_layout;
mod save;
mod selection;
mod tar_index;

pub use error::ArchiveError;
pub use intake::UnpackedLayer;
pub use load::{Loaded, load};
pub use members::Members;
pub use oci_dir::save_oci_dir;
pub use save::save;
pub use selection::{Selected, select};
