//! The `/api/v1` request and response types, written once for the proxy
//! (which serialises them) and the dashboard (which deserialises them).

mod images;
mod pull;
mod version;

pub use images::{ImageRow, ImageSummary, NONE, image_rows};
pub use pull::{LayerStatus, PullEvent};
pub use version::VersionInfo;
