//! One file's bytes, taken from its layer again: the first
//! [`PREVIEW_BYTES`] for the preview, or the whole file for a download.
//!
//! Without an index, the layer is streamed and verified to its last byte
//! before anything is shown or saved. With one (a layer of 8 MiB or
//! more), the file is read from one HTTP range instead: the tar header at
//! the indexed offset must be the file's, but the bytes of a range are
//! not covered by the layer's digest, and the page says so. A preview may
//! use the server's index before the layer is verified; a download uses
//! only this browser's own index (made from the verified layer), and falls
//! back to the whole layer if the range read fails. A download's content
//! moves into JS memory piece by piece, so wasm memory holds at most one
//! chunk of it; the browser's Blob holds the file.

use std::cell::Cell;
use std::rc::Rc;

use shared::explorer::preview::PREVIEW_BYTES;
use shared::merged::{EntryPath, TarParser};
use wasm_bindgen::JsCast as _;

use shared::layer::index::{EntryReader, LayerIndex};
use shared::manifest::Descriptor;
use shared::merged::LayerEntry;
use shared::reference::Reference;

use super::session::{layer_index, layer_source};
use super::stream::{ReadMode, TarSink, stream_layer};
use crate::api;

/// The start of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePreview {
    /// Up to [`PREVIEW_BYTES`] bytes.
    pub bytes: Vec<u8>,
    /// Whether the file is longer than `bytes`.
    pub truncated: bool,
    /// Read through the layer's index: the blob bytes fetched, and whether
    /// the index is this browser's own (from verified bytes) or still the
    /// server's. `None`: read from the whole layer, verified.
    pub by_range: Option<(u64, bool)>,
}

/// Where a file's content is: `path` in layer `layer`; `offset` is the
/// offset of the entry that provides it in the merged view (`None` when it
/// is not known, as for a hard link's target: the last entry is taken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSource {
    /// The layer.
    pub layer: usize,
    /// The normalised path in that layer's tar.
    pub path: EntryPath,
    /// The providing entry's offset in the uncompressed layer.
    pub offset: Option<u64>,
    /// The file's size.
    pub size: u64,
}

/// Reads the first bytes of `file`. Stops decompressing once they are in,
/// but verifies the rest of the layer. `stop` set to true abandons it.
pub async fn preview(file: &FileSource, stop: Rc<Cell<bool>>) -> Result<FilePreview, String> {
    let (reference, descriptor) =
        layer_source(file.layer).ok_or("the image is not loaded any more")?;
    if let Some((index, own)) = layer_index(file.layer)
        && let Some(entry) = indexed_entry(&index, file)
    {
        match preview_by_range(&reference, &descriptor, &index, &entry, own, &stop).await {
            // This browser's own index should not fail: read the whole
            // layer instead (the server's failing is shown as it is).
            Err(_) if own && !stop.get() => {}
            done => return done,
        }
    }
    let sink = TarSink::new(TarParser::with_preview(&file.path, PREVIEW_BYTES), false);
    let wanted = file.offset;
    let (mut sink, _) = stream_layer(
        &reference,
        &descriptor,
        sink,
        ReadMode::default(),
        |sink, _| {
            let done = sink
                .parser
                .preview()
                .is_some_and(|p| p.complete && Some(p.entry.offset) == wanted);
            sink.enough |= done;
            !stop.get()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let preview = sink
        .parser
        .take_preview()
        .ok_or("the layer does not hold this file's content")?;
    Ok(FilePreview {
        truncated: preview.is_truncated(),
        bytes: preview.bytes,
        by_range: None,
    })
}

/// The index's entry that provides `file`.
fn indexed_entry(index: &LayerIndex, file: &FileSource) -> Option<LayerEntry> {
    match file.offset {
        Some(offset) => {
            let at = index.entries.partition_point(|e| e.offset < offset);
            index.entries.get(at).filter(|e| e.offset == offset)
        }
        None => index.entry(file.path.as_str()),
    }
    .cloned()
}

/// Reads the first bytes of `entry` through `index`; see [`read_by_range`].
async fn preview_by_range(
    reference: &Reference,
    descriptor: &Descriptor,
    index: &LayerIndex,
    entry: &LayerEntry,
    own: bool,
    stop: &Cell<bool>,
) -> Result<FilePreview, String> {
    let mut bytes = Vec::new();
    let fetched = read_by_range(reference, descriptor, index, entry, stop, |piece| {
        bytes.extend(piece);
        bytes.len() < PREVIEW_BYTES
    })
    .await?;
    let size = usize::try_from(entry.size).unwrap_or(usize::MAX);
    if bytes.len() < PREVIEW_BYTES.min(size) {
        return Err("the range ended before the file did; the layer index is wrong".into());
    }
    bytes.truncate(PREVIEW_BYTES);
    Ok(FilePreview {
        truncated: entry.size > bytes.len() as u64,
        bytes,
        by_range: Some((fetched, own)),
    })
}

/// Reads `entry` through `index`: one HTTP range, from the checkpoint
/// before the entry to past its end, decoded as it arrives. The tar header
/// found at the entry's offset must be the entry's. `piece` gets the
/// content as it comes and says whether to go on. Returns the blob bytes
/// fetched.
async fn read_by_range(
    reference: &Reference,
    descriptor: &Descriptor,
    index: &LayerIndex,
    entry: &LayerEntry,
    stop: &Cell<bool>,
    mut piece: impl FnMut(Vec<u8>) -> bool,
) -> Result<u64, String> {
    let (mut reader, plan) = EntryReader::new(index, entry);
    let (mut stream, served_from) =
        api::v2_blob_range(reference, &descriptor.digest, plan.range.clone())
            .await
            .map_err(|e| e.to_string())?;
    // A server that ignored the range sent the blob from its start.
    let mut skip = plan.range.start - served_from;
    let mut fetched = 0u64;
    let mut buffer = Vec::new();
    loop {
        if stop.get() {
            return Err("stopped".into());
        }
        let Some(array) = stream.next().await.map_err(|e| e.to_string())? else {
            break;
        };
        fetched += u64::from(array.length());
        buffer.resize(array.length() as usize, 0);
        array.copy_to(&mut buffer);
        let skipped = skip.min(buffer.len() as u64) as usize;
        skip -= skipped as u64;
        reader
            .update(&buffer[skipped..])
            .map_err(|e| format!("the layer index is wrong: {e}"))?;
        if !piece(reader.take_content()) {
            return Ok(fetched);
        }
        if reader.is_complete() {
            break;
        }
    }
    reader
        .finish()
        .map_err(|e| format!("the layer index is wrong: {e}"))?;
    Ok(fetched)
}

/// Streams `file` into a Blob and saves it as `name`.
pub async fn download(file: &FileSource, name: &str) -> Result<(), String> {
    let (reference, descriptor) =
        layer_source(file.layer).ok_or("the image is not loaded any more")?;
    if let Some((index, true)) = layer_index(file.layer)
        && let Some(entry) = indexed_entry(&index, file)
    {
        let parts = js_sys::Array::new();
        let fetched = read_by_range(
            &reference,
            &descriptor,
            &index,
            &entry,
            &Cell::new(false),
            |piece| {
                if !piece.is_empty() {
                    parts.push(&js_sys::Uint8Array::from(&piece[..]));
                }
                true
            },
        )
        .await;
        // On failure, fall back to the whole (verified) layer below.
        if let Ok(fetched) = fetched {
            LAST_FETCHED.with(|last| last.set(Some(fetched)));
            return save(&parts, name);
        }
    }
    LAST_FETCHED.with(|last| last.set(None));
    let size = usize::try_from(file.size).map_err(|_| "the file is too large to download")?;
    let sink = TarSink::new(TarParser::with_preview(&file.path, size), false);
    let parts = js_sys::Array::new();
    let owner: Cell<Option<u64>> = Cell::new(None);
    let take = |sink: &mut TarSink| {
        if let Some((offset, piece)) = sink.parser.drain_preview() {
            if owner.get() != Some(offset) {
                owner.set(Some(offset));
                parts.set_length(0);
            }
            if !piece.is_empty() {
                parts.push(&js_sys::Uint8Array::from(&piece[..]));
            }
        }
    };
    let wanted = file.offset;
    let (mut sink, _) = stream_layer(
        &reference,
        &descriptor,
        sink,
        ReadMode::default(),
        |sink, _| {
            take(sink);
            let done = sink
                .parser
                .preview()
                .is_some_and(|p| p.complete && Some(p.entry.offset) == wanted);
            sink.enough |= done;
            true
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    take(&mut sink);
    if owner.get().is_none() {
        return Err("the layer does not hold this file's content".into());
    }
    save(&parts, name)
}

fn save(parts: &js_sys::Array, name: &str) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("the browser refused the download: {e:?}");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor = document
        .create_element("a")
        .map_err(err)?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "no anchor element")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The browser reads the Blob after this returns: free the previous one.
    if let Some(old) = LAST_URL.with(|last| last.replace(Some(url))) {
        let _ = web_sys::Url::revoke_object_url(&old);
    }
    Ok(())
}

thread_local! {
    static LAST_URL: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static LAST_FETCHED: Cell<Option<u64>> = const { Cell::new(None) };
}

/// The blob bytes the last download fetched by range (`None`: it read the
/// whole layer).
pub fn last_download_fetched() -> Option<u64> {
    LAST_FETCHED.with(Cell::get)
}
