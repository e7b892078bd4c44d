//! Streaming one layer blob from `/v2`: its compressed bytes are verified
//! against the manifest's digest as they arrive, decompressed, and handed
//! to a tar parser, at most [`PIECE`] compressed bytes at a time. Between
//! pieces the loop gives the event loop a turn about every [`SLICE_MS`]
//! milliseconds, so the page stays responsive while a large layer parses.

use shared::digest::Verified;
use shared::layer::index::SPAN;
use shared::layer::inflate::Checkpoint;
use shared::manifest::Descriptor;
pub use shared::merged::TarSink;
use shared::merged::{TarError, TarParser};
use shared::reference::Reference;

use crate::api;
use crate::verify::{DecodeError, LayerDecoder};

/// How long the parser works before it yields to the page.
pub const SLICE_MS: f64 = 12.0;

/// Compressed bytes verified and decompressed between two looks at the
/// clock (a 64 KiB piece of a small-file tar inflates to a few thousand
/// entries, a few milliseconds of parsing).
const PIECE: usize = 64 << 10;

/// Why a layer could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerError {
    /// The fetch failed or broke.
    Fetch(String),
    /// The bytes are not the ones the manifest names (digest or size).
    Mismatch(String),
    /// The bytes do not decompress.
    Corrupt(String),
    /// The tar stream is not readable.
    Tar(TarError),
    /// The page moved on to another image.
    Cancelled,
}

impl std::fmt::Display for LayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LayerError::Fetch(e) => write!(f, "could not fetch the layer: {e}"),
            LayerError::Mismatch(e) => {
                write!(f, "the layer's bytes do not verify, so none are shown: {e}")
            }
            LayerError::Corrupt(e) => f.write_str(e),
            LayerError::Tar(e) => write!(f, "{e}"),
            LayerError::Cancelled => f.write_str("cancelled"),
        }
    }
}

/// Milliseconds since the page loaded (for time slicing only).
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Gives the event loop a turn, so input and painting happen between two
/// slices of work: `scheduler.yield()` where the browser has it (no timer
/// clamping, and the task goes on before other queued work), else a
/// zero-delay timer.
pub async fn yield_now() {
    use wasm_bindgen::JsCast;
    let global = js_sys::global();
    let scheduler = js_sys::Reflect::get(&global, &"scheduler".into()).ok();
    let yielded = scheduler.filter(|s| s.is_object()).and_then(|s| {
        let function = js_sys::Reflect::get(&s, &"yield".into()).ok()?;
        let promise = function
            .dyn_into::<js_sys::Function>()
            .ok()?
            .call0(&s)
            .ok()?;
        promise.dyn_into::<js_sys::Promise>().ok()
    });
    let promise = yielded.unwrap_or_else(|| {
        js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            } else {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            }
        })
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// How a layer is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadMode {
    /// Record the decompressor's checkpoints, for an index (gzip only: see
    /// [`shared::layer::index`]).
    pub checkpoints: bool,
    /// Yield to the page at background priority: the check of a layer that
    /// is already listed must not slow what the user opens meanwhile.
    pub background: bool,
}

/// Gives the event loop a turn at background priority: through
/// `scheduler.postTask(…, {priority: 'background'})` where the browser has
/// it (work the page queued meanwhile, such as a file's range, goes
/// first), else a zero-delay timer.
pub async fn yield_background() {
    use wasm_bindgen::JsCast;
    let global = js_sys::global();
    let scheduler = js_sys::Reflect::get(&global, &"scheduler".into()).ok();
    let posted = scheduler.filter(|s| s.is_object()).and_then(|s| {
        let post = js_sys::Reflect::get(&s, &"postTask".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"priority".into(), &"background".into()).ok()?;
        let task = wasm_bindgen::closure::Closure::once_into_js(|| {});
        post.call2(&s, &task, &options)
            .ok()?
            .dyn_into::<js_sys::Promise>()
            .ok()
    });
    match posted {
        Some(promise) => {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        None => yield_now().await,
    }
}

/// Streams layer `descriptor` of `reference` through its digest check and
/// the decompressor into `sink`. `each_chunk` sees the sink and the
/// compressed bytes done after every piece and says whether to go on
/// (false: the page moved on). The sink is returned only once every byte
/// verified, with the decompressor's checkpoints when `mode` asked for
/// them.
pub async fn stream_layer(
    reference: &Reference,
    descriptor: &Descriptor,
    sink: TarSink,
    mode: ReadMode,
    mut each_chunk: impl FnMut(&mut TarSink, u64) -> bool,
) -> Result<(TarSink, Vec<Checkpoint>), LayerError> {
    let mut stream = api::v2_blob(reference, &descriptor.digest)
        .await
        .map_err(|e| LayerError::Fetch(e.to_string()))?;
    let mut verified = Verified::new((), descriptor.digest.clone(), Some(descriptor.size));
    let compression = descriptor.media_type.compression();
    let mut inflater = if mode.checkpoints {
        LayerDecoder::checkpointed(compression, sink, SPAN)
    } else {
        LayerDecoder::with_sink(compression, sink)
    };
    let mut inflate_error: Option<LayerError> = None;
    let mut buffer = Vec::with_capacity(PIECE);
    let mut slice_start = now_ms();
    loop {
        let array = match stream.next().await {
            Ok(Some(array)) => array,
            Ok(None) => break,
            Err(e) => return Err(LayerError::Fetch(e.to_string())),
        };
        // Small pieces: one piece of a small-file tar decompresses to
        // thousands of entries, so the clock is read after each.
        let len = array.length();
        let mut at = 0u32;
        while at < len {
            let end = len.min(at.saturating_add(PIECE as u32));
            let n = (end - at) as usize;
            buffer.resize(n, 0);
            array.subarray(at, end).copy_to(&mut buffer[..n]);
            at = end;
            let piece = &buffer[..n];
            verified
                .pass(piece)
                .map_err(|e| LayerError::Mismatch(e.to_string()))?;
            let done = inflate_error.is_some() || inflater.sink_mut().enough;
            if !done && let Err(e) = inflater.update(piece) {
                inflate_error = Some(match e {
                    DecodeError::Sink => inflater
                        .sink_mut()
                        .error
                        .clone()
                        .map_or(LayerError::Cancelled, LayerError::Tar),
                    corrupt => LayerError::Corrupt(corrupt.to_string()),
                });
            }
            if now_ms() - slice_start > SLICE_MS {
                if !each_chunk(inflater.sink_mut(), verified.bytes_seen()) {
                    return Err(LayerError::Cancelled);
                }
                if mode.background {
                    yield_background().await;
                } else {
                    yield_now().await;
                }
                slice_start = now_ms();
            }
        }
        if !each_chunk(inflater.sink_mut(), verified.bytes_seen()) {
            return Err(LayerError::Cancelled);
        }
    }
    verified
        .end()
        .map_err(|e| LayerError::Mismatch(e.to_string()))?;
    if let Some(e) = inflate_error {
        return Err(e);
    }
    if inflater.sink_mut().enough {
        // Verified to the end; the decompressor stopped early on purpose.
        let empty = TarSink::new(TarParser::new(), false);
        return Ok((std::mem::replace(inflater.sink_mut(), empty), Vec::new()));
    }
    let (mut sink, checkpoints) = inflater.finish_with_checkpoints().map_err(|e| match e {
        DecodeError::Sink => LayerError::Cancelled,
        corrupt => LayerError::Corrupt(corrupt.to_string()),
    })?;
    if let Err(e) = sink.parser.finish() {
        return Err(LayerError::Tar(e));
    }
    Ok((sink, checkpoints))
}
