//! Where a layer's listing can come from before its bytes are read and
//! verified: this browser's own index (IndexedDB), the server's index
//! (`/api/v1/layers/{digest}/index`), or an eStargz layer's table of
//! contents. All but the first are hints: `session` marks what they list
//! unverified until the layer's digest is checked.

use shared::layer::estargz::{FOOTER_SIZE, TOC_DIGEST_ANNOTATION, toc_entries, toc_offset};
use shared::layer::index::LayerIndex;
use shared::manifest::Descriptor;
use shared::media_type::Compression;
use shared::merged::LayerEntry;
use shared::reference::Reference;

use super::index_store;
use crate::api;

/// Layers at least this large are read through an index (the server's, or
/// the one this browser keeps); smaller ones are simply read.
pub const INDEX_MIN: u64 = 8 << 20;

/// The most index bytes taken from the server (compressed).
const MAX_INDEX_DOWNLOAD: u64 = 64 << 20;

/// Whether the explorer looks for an index of this layer.
pub fn indexable(descriptor: &Descriptor) -> bool {
    descriptor.size >= INDEX_MIN
        && matches!(
            descriptor.media_type.compression(),
            Compression::Gzip | Compression::None
        )
}

/// This browser's own index of the layer (true), else the server's (false),
/// if either is there and describes this blob.
pub async fn find_index(descriptor: &Descriptor) -> Option<(LayerIndex, bool)> {
    let fits = |index: &LayerIndex| {
        index.digest == descriptor.digest
            && index.compressed_size == descriptor.size
            && index.compression == descriptor.media_type.compression()
    };
    if let Some(bytes) = index_store::get(&descriptor.digest).await
        && let Ok(index) = LayerIndex::from_bytes(&bytes)
        && fits(&index)
    {
        return Some((index, true));
    }
    let bytes = api::layer_index(&descriptor.digest, MAX_INDEX_DOWNLOAD)
        .await
        .ok()?;
    let index = LayerIndex::from_bytes(&bytes).ok()?;
    fits(&index).then_some((index, false))
}

/// An eStargz layer's listing from its table of contents: the footer and
/// the table, two short ranges of the blob (`None` when the layer is not
/// eStargz or the table is unreadable: the layer is then read whole).
pub async fn toc_listing(
    reference: &Reference,
    descriptor: &Descriptor,
) -> Option<Vec<LayerEntry>> {
    if !descriptor.annotations.contains_key(TOC_DIGEST_ANNOTATION)
        || descriptor.media_type.compression() != Compression::Gzip
        || descriptor.size < FOOTER_SIZE
    {
        return None;
    }
    let footer_start = descriptor.size - FOOTER_SIZE;
    let footer = fetch_range(reference, descriptor, footer_start..descriptor.size).await?;
    let toc_start = toc_offset(&footer).ok()?;
    if toc_start >= footer_start {
        return None;
    }
    let toc = fetch_range(reference, descriptor, toc_start..footer_start).await?;
    toc_entries(&toc).ok()
}

/// The bytes of `range` of the blob (at most 64 MiB).
async fn fetch_range(
    reference: &Reference,
    descriptor: &Descriptor,
    range: std::ops::Range<u64>,
) -> Option<Vec<u8>> {
    let want = usize::try_from(range.end - range.start)
        .ok()
        .filter(|n| *n <= 64 << 20)?;
    let (mut stream, served_from) =
        api::v2_blob_range(reference, &descriptor.digest, range.clone())
            .await
            .ok()?;
    let mut skip = range.start - served_from;
    let mut bytes = Vec::with_capacity(want);
    while bytes.len() < want {
        let array = stream.next().await.ok()??;
        let mut piece = vec![0; array.length() as usize];
        array.copy_to(&mut piece);
        let skipped = skip.min(piece.len() as u64) as usize;
        skip -= skipped as u64;
        let take = (want - bytes.len()).min(piece.len() - skipped);
        bytes.extend_from_slice(&piece[skipped..skipped + take]);
    }
    Some(bytes)
}
