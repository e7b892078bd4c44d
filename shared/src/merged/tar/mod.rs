//! Reading a layer's tar stream incrementally, in the browser or on the
//! server: feed the decompressed bytes in chunks of any size to a
//! [`TarParser`] and collect [`super::LayerEntry`]s as their headers
//! complete. Formats understood: POSIX ustar (with its name prefix), GNU
//! (`L`/`K` long names, base-256 numbers), PAX (`x` and `g` headers) and old
//! v7 headers. See [`parser`](self::TarParser) for the stream rules and
//! [`TarError`] for what can go wrong. [`TarSink`] is a parser as the
//! sink of a layer decoder.

mod error;
mod header;
mod parser;
mod pax;
mod sink;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod writer;

pub use error::{HeaderField, PaxProblem, TarError, Truncation};
pub use parser::{MAX_EXTENSION_BYTES, Preview, TarParser};
pub use sink::TarSink;
