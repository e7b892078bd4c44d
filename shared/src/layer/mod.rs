//! Layers as bytes: the streaming decompression that turns a layer blob
//! into its tar, for the diff_id check (`strata pull`, `load`, the
//! browser's verification) and the layer explorer.

mod decode;
pub mod estargz;
pub mod index;
pub mod inflate;
mod unpacked;

pub use decode::{DecodeError, LayerDecoder, SINK_ERROR};
pub use unpacked::{DiffIdMismatch, Unpacked};
