//! The `/api/v1` request and response types, written once for the proxy
//! (which serialises them) and the dashboard (which deserialises them).

mod history;
mod images;
mod inspect;
mod pull;
mod version;

pub use history::{HistoryRow, history_rows};
pub use images::{ImageRow, ImageSummary, NONE, image_rows};
pub use inspect::{ImageInspect, InspectRootFs};
pub use pull::{LayerStatus, PullEvent};
pub use version::VersionInfo;
