//! The `/api/v1` request and response types, written once for the proxy
//! (which serialises them) and the dashboard (which deserialises them).

mod cache;
mod error;
mod history;
mod image_rows;
mod inspect;
mod manage;
mod prune;
mod pull;
mod search;
mod session;
mod version;

pub use cache::{
    CacheCounts, CacheInfo, CachedImage, RateLimit, RecencyBasis, largest, least_recently_used,
};
pub use error::{ApiErrorBody, ErrorCode};
pub use history::{HistoryRow, history_rows};
pub use image_rows::{ImageRow, ImageSummary, NONE, image_rows};
pub use inspect::{ImageInspect, InspectRootFs};
pub use manage::{
    ImageDetail, ImageListResponse, ImageSort, LayerDetail, PinRequest, RemoveOutcome,
    RemoveRequest, TagRequest, UsageInfo, compare_rows, sort_rows,
};
pub use prune::{PruneRequest, PruneResponse, PrunedImageInfo};
pub use pull::{LayerStatus, PullEvent, PullInfo, PullStart};
pub use search::{DESCRIPTION_WIDTH, SearchResponse, SearchResult};
pub use session::{SessionInfo, SessionState, SignInCode, SignInRequest, sign_in_path};
pub use version::VersionInfo;
