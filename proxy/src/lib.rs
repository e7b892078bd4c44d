//! The `strata` binary: a small proxy and CLI for container images.
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`serve`] | the HTTP service (`fn app(state) -> Router`): the dashboard's static files, the `/api/v1` JSON API and the `/v2` registry surface |
//! | [`archive`] | `save` and `load`: docker-archives and OCI layouts, out of and into the store |
//! | [`cli`] | the command line: one file per command |
//! | [`paths`] | where the store lives |
//! | [`store`] | the content-addressable blob store (behind the [`store::content`] traits) and its metadata (behind the `Metadata` traits) |
//! | [`image_views`] | stored images in the `shared` API types, for the CLI and the API alike |
//! | [`registry`] | the registry client: ping, challenges, tokens, manifests, blobs, listings |
//! | [`credentials`] | logins: Docker's config file and credential helpers |
//! | [`pull`] | the pull engine: a driver of [`shared::walk`] over the registry client, into the store |
//! | [`search`] | Docker Hub search and registry catalogs |
//! | [`diff`] | `strata diff`: two images from the store or their registries, compared by [`shared::diff`] |
//!
//! Every image is walked by [`shared::walk`] (pull here, `/v2` recording
//! in [`serve`]), and every stream of upstream bytes is checked by
//! [`shared::digest::Verified`] or by the store's writer.

pub mod archive;
pub mod cli;
pub mod credentials;
pub mod diff;
pub mod image_views;
pub mod paths;
pub mod pull;
pub mod registry;
pub mod search;
pub mod serve;
pub mod signatures;
pub mod store;

/// The version of this build, as `strata --version` and `/api/v1/version` report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
