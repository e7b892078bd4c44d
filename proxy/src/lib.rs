//! The `strata` binary: a small proxy and CLI for container images.
//!
//! - [`serve`] builds the HTTP service (`fn app(state) -> Router`): the
//!   dashboard's static files, the `/api/v1` JSON API and the `/v2`
//!   registry surface.
//! - [`cli`] parses the command line and runs one command.
//! - [`paths`] decides where the store lives.

pub mod cli;
pub mod paths;
pub mod serve;

/// The version of this build, as `strata --version` and `/api/v1/version` report it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
