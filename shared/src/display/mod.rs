//! How Docker prints sizes, ages, timestamps and IDs, reproduced exactly so
//! strata's tables read like `docker images`.
//!
//! | what | function | Docker's source | example |
//! | --- | --- | --- | --- |
//! | size | [`human_size`] | go-units `HumanSizeWithPrecision(size, 3)` | `5.57MB`, `279MB`, `1.2GB`, `0B` |
//! | age | [`created_since`] | go-units `HumanDuration(now - created) + " ago"` | `3 hours ago`, `5 weeks ago` |
//! | `CreatedAt` (images) | [`created_at`] | Go's `time.Time.String()` | `2023-01-02 15:04:05 +0000 UTC` |
//! | `CreatedAt` (history) | [`rfc3339`] | `Format(time.RFC3339)` in UTC | `2023-01-02T15:04:05Z` |
//! | IMAGE ID | [`short_id`], [`truncate_id`] | `stringid.TruncateID` | `0d34f8b9483d` |
//! | cut text | [`ellipsis`] | docker/cli `formatter.Ellipsis` | `Python is an interpreted, interactive, objec…` |
//!
//! Sizes are decimal (1 kB = 1000 B). Nothing here reads a clock: "now" is an
//! argument, so the browser and the server print the same thing for the same
//! inputs.

mod id;
mod size;
mod text;
mod timestamp;

pub use id::{short_id, truncate_id};
pub use size::{UNKNOWN_SIZE, human_size, human_size_or_unknown};
pub use text::{display_width, ellipsis};
pub use timestamp::{created_at, created_since, human_duration, rfc3339};
