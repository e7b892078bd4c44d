//! An image as the dashboard reads it: [`shared::walk::Walk`] driven over
//! this server's `/v2`, once per page.
//!
//! The image page, the Verify panel and the explorer each ask [`image`]
//! for a reference and a [`PlatformChoice`]; the walk decides what to
//! fetch and checks it (digests, sizes, media types, limits, layers against
//! `rootfs.diff_ids`), and the [`Documents`] it reads are fetched once per
//! page, so the three read the same bytes and the same platform whichever
//! opens first. The platform rule is the walk's: the URL's `?platform=`,
//! else the entry the page was pointed at, else the index's first runnable
//! entry.
//!
//! | file | concept |
//! | --- | --- |
//! | `documents` | the page's documents, each fetched once: [`Documents`] |
//! | `driver` | one walk over them: [`drive`], [`Loaded`], [`LoadError`] |

mod documents;
mod driver;
#[cfg(test)]
mod tests;

pub use documents::Documents;
pub use driver::{LoadError, Loaded, drive};

use shared::reference::Reference;
use shared::walk::PlatformChoice;

/// Walks `reference` over the page's documents (see the module doc).
pub async fn image(reference: &Reference, choice: PlatformChoice) -> Loaded {
    drive(&Documents::page(), reference, choice).await
}

/// Forgets what tags named on this page (after a pull or a removal).
pub fn forget_tags() {
    Documents::page().forget_tags();
}
