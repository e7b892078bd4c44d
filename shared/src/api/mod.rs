//! The `/api/v1` request and response types, written once for the proxy
//! (which serialises them) and the dashboard (which deserialises them).

mod version;

pub use version::VersionInfo;
