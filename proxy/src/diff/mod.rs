//! `strata diff`'s engine: two images, each from the store or its
//! registry ([`Source`]), compared by [`shared::diff`].
//!
//! The layers are read as [`LayerDiff::reads`] says: the shared prefix
//! (layers identical by digest at the same positions from the bottom) once,
//! from image A's source, into one merged tree; then a copy of it for each
//! image, with that image's remaining layers applied. A layer both images
//! have above the prefix is read once per image (the trees below it
//! differ). Every layer's bytes are verified against its descriptor as
//! they stream ([`shared::merged::LayerListing`]).
//!
//! [`LayerDiff::reads`]: shared::diff::LayerDiff::reads

mod source;

use std::sync::Arc;

use shared::diff::{ImageDiff, ImageFiles, Show};
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::merged::ListingError;
use shared::reference::ReferenceError;
use shared::walk::{PlatformChoice, WalkError};

pub use source::Source;

use crate::registry::{RegistryClient, RegistryError};
use crate::store::{Store, StoreError};

/// Why two images could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// The name is neither a stored image nor a reference.
    #[error("{name:?} is not an image in the store, nor a reference to pull from: {source}")]
    Name {
        /// The name as given.
        name: String,
        /// Why it does not parse as a reference.
        source: ReferenceError,
    },
    /// Neither the store nor the registry has the image.
    #[error("{name} is not in the store, and its registry has no such image: {source}")]
    Unknown {
        /// The name as given.
        name: String,
        /// The registry's answer.
        source: RegistryError,
    },
    /// The registry could not be asked, or said no (unknown image,
    /// unreachable, unauthorised …); its message says which.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A manifest or config failed its checks.
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A layer's bytes did not verify, decompress or parse.
    #[error("layer {digest}: {source}")]
    Layer {
        /// The layer blob.
        digest: Digest,
        /// What went wrong.
        source: ListingError,
    },
    /// A worker thread failed.
    #[error("internal error: {0}")]
    Task(String),
}

/// Compares images `a` and `b` (names as the store resolves them, else
/// references), listing paths as `show` says.
pub async fn diff_images(
    store: &Arc<Store>,
    client: &RegistryClient,
    (a, b): (&str, &str),
    choice: &PlatformChoice,
    show: Show,
) -> Result<ImageDiff, DiffError> {
    let a = Source::open(store, client, a, choice).await?;
    let b = Source::open(store, client, b, choice).await?;
    let diff = ImageDiff::new(&a.image(), &b.image());
    let reads = diff.layers.reads();
    let mut tree_a = ImageFiles::new();
    read(&a, &mut tree_a, &a.manifest.layers[..reads.shared]).await?;
    let mut tree_b = tree_a.clone();
    read(
        &a,
        &mut tree_a,
        &a.manifest.layers[reads.shared..reads.a_layers],
    )
    .await?;
    read(
        &b,
        &mut tree_b,
        &b.manifest.layers[reads.shared..reads.b_layers],
    )
    .await?;
    Ok(diff.with_files(&tree_a, &tree_b, show))
}

/// Reads `layers` of `source` onto `files`, bottom first.
async fn read(
    source: &Source,
    files: &mut ImageFiles,
    layers: &[Descriptor],
) -> Result<(), DiffError> {
    for descriptor in layers {
        let listed = source.layer(descriptor).await?;
        files.push_layer(listed.entries, listed.digests);
    }
    Ok(())
}
