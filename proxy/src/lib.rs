//! The `strata` binary: a small proxy and CLI for container images.
//!
//! - [`serve`] builds the HTTP service (`fn app(state) -> Router`): the
//!   dashboard's static files, the `/api/v1` JSON API and the `/v2`
//!   registry surface.
//! - [`cli`] parses the command line and runs one command.
//! - [`paths`] decides where the store lives.
//! - [`store`] is the content-addressable store and its metadata;
//!   [`image_views`] views it in the `shared` API types.
//! - [`registry`] talks to registries ([`credentials`] holds logins);
//!   [`pull`] downloads images from them into the store.

pub mod cli;
pub mod credentials;
pub mod image_views;
pub mod paths;
pub mod pull;
pub mod registry;
pub mod search;
pub mod serve;
pub mod store;

/// The version of this build, as `strata --version` and `/api/v1/version` report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
