//! Pure logic of the dashboard's image page (`/i/{reference}`) for any
//! image, stored or not: the page reads the manifest (or index) and config
//! through `/v2` and shows them as readable panels and as raw JSON.
//!
//! | file | concept |
//! | --- | --- |
//! | [`entries`](mod@entries) | an index's platforms and attestations, and which entry to show |
//! | [`detail`] | the readable facts of an image read through `/v2` |
//! | [`raw_json`] | raw JSON pretty-printed from the exact bytes, digests marked for links |

pub mod detail;
pub mod entries;
pub mod raw_json;

pub use detail::detail_from_registry;
pub use entries::{EntryKind, IndexEntry, choose, entries};
pub use raw_json::{DigestRole, JsonKind, JsonPiece, RawJsonError, plain_text, pretty};
