//! The test harness every strata integration test uses.
//!
//! Everything it starts runs on `127.0.0.1`, on a free port, with its own
//! temporary folder, and is stopped when its handle is dropped.
//!
//! - [`Registry`]: the real CNCF distribution registry (Debian's
//!   `docker-registry`), open, with htpasswd basic auth, or with token auth
//!   backed by the [`TokenIssuer`] here.
//! - [`fixtures`]: deterministic fixture images (fixed timestamps, real tar
//!   layers), written as OCI layouts and pushed with `skopeo copy`.
//! - [`StrataServer`]: `strata serve` on a temporary store.
//! - [`Browser`]: headless Chromium driven through chromedriver.
//! - [`containerd::Containerd`]: a containerd of the test's own, for `ctr`
//!   pulls through a mirror.
//! - [`DashboardStack`]: all three for a browser test: an open registry
//!   with fixtures pushed, `strata serve` with the built dashboard, Chromium.
//! - [`postgres::Postgres`]: a real PostgreSQL 15 server, for the
//!   metadata on PostgreSQL (`--database`).
//! - [`prometheus::Prometheus`]: a real Prometheus scraping a `/metrics`.
//! - [`s3::S3`]: SeaweedFS's S3 gateway, with signed requests and a
//!   bucket per test, for the object-storage blob backend.
//! - [`signing`]: signed fixtures (cosign `.sig`/`.att`, Sigstore bundles,
//!   in-toto attestations, referrers) from a test Sigstore of our own,
//!   pushed with [`signing::push_signed`].
//! - [`eventually`](mod@eventually): waiting until a condition holds, the
//!   one poll loop tests use instead of writing their own.
//!
//! The tools come from `scripts/setup.sh`; a missing one is an error that
//! says to run it.

mod background;
pub mod browser;
pub mod cli;
pub mod containerd;
pub mod eventually;
pub mod faulty;
pub mod fixtures;
mod net;
pub mod page;
pub mod podman;
pub mod postgres;
mod process;
pub mod prometheus;
pub mod registry;
mod run;
pub mod s3;
pub mod scratch;
pub mod search_index;
pub mod signing;
pub mod stack;
pub mod strata;
pub mod token;

pub use background::spawn_router;
pub use browser::Browser;
pub use eventually::{eventually, eventually_async, poll, poll_async};
pub use net::non_loopback_ipv4;
pub use registry::{Auth, Registry};
pub use run::run;
pub use stack::DashboardStack;
pub use strata::StrataServer;
pub use token::TokenIssuer;

/// The user name the auth variants accept.
pub const USER: &str = "strata";
/// The password the auth variants accept.
pub const PASSWORD: &str = "correct-horse";

/// An error from the harness: what failed and what to do about it.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The result type of the harness.
pub type Result<T> = std::result::Result<T, Error>;

/// The workspace root (the folder holding the top-level `Cargo.toml`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}
