//! The HTTP service behind `strata serve`.
//!
//! [`app`] builds the whole service from an [`AppState`], so tests drive it
//! with `tower::ServiceExt::oneshot` and no socket. Every route is listed in
//! `router`.

mod api_v1;
mod caller;
pub mod cross_site;
mod error;
mod headers;
mod host_check;
pub mod metrics;
pub mod pull_feed;
mod registry_v2;
pub mod retention;
mod router;
pub mod security;
pub mod sessions;
pub mod ssrf;
mod state;
pub mod unpacked_sizes;

pub use api_v1::Pulls;
pub use router::app;
pub use sessions::{Sessions, SharedSessions};
pub use state::{AppState, V2Settings};
