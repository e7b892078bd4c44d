//! Pure logic of the dashboard's layer explorer: its URLs, how it previews
//! file content, and what sharing layers with other local images saves.
//! The filesystem itself is the [`merged`](crate::merged) view.
//!
//! | file | concept |
//! | --- | --- |
//! | [`route`] | `/i/{reference}/fs/{path}` and `/i/{reference}/layers/{n}`: building and splitting them |
//! | [`preview`] | text or binary, the hex dump |
//! | [`sharing`] | layers shared with other local images, bytes saved |

pub mod preview;
pub mod route;
pub mod sharing;

pub use route::{ExplorerView, ImageRoute};
