//! [`TarParser`]: a push parser that turns tar bytes, in chunks of any size,
//! into [`LayerEntry`]s as their headers complete.
//!
//! It keeps one 512-byte block, the data of at most one extension header
//! (capped at [`MAX_EXTENSION_BYTES`]) and, when asked, the first bytes of one
//! file for a preview. File content is otherwise skipped as it passes, so
//! memory stays bounded whatever the layer size.
//!
//! Stream rules (as Go's `archive/tar`, which writes most image layers):
//! - a header's checksum must match (unsigned or historic signed sum);
//! - GNU `L`/`K` headers set the next entry's name/link target, PAX `x`
//!   records its path, link path, size, mtime, uid and gid, PAX `g` records
//!   the same for every later entry; PAX wins over GNU, both over ustar;
//! - links, devices, directories and FIFOs carry no data whatever their size
//!   field says; other types carry `size` bytes padded to 512;
//! - one all-zero block ends the archive when the next block is all zeros
//!   too or the stream ends; anything after the two zero blocks is ignored
//!   (GNU tar pads archives to 10 KiB records).

use super::error::{TarError, Truncation};
use super::header::{BLOCK, Header, is_zero_block};
use super::pax::PaxFields;
use crate::digest::{Digest, Hasher};
use crate::merged::entry::{EntryKind, LayerEntry};
use crate::merged::path::EntryPath;

/// The most data a PAX or GNU long-name header may carry (as Go's reader).
pub const MAX_EXTENSION_BYTES: u64 = 1 << 20;

/// The first bytes of one file's content, captured while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The file's entry.
    pub entry: LayerEntry,
    /// Up to the requested number of bytes from the start of its content.
    pub bytes: Vec<u8>,
    /// Whether the file's content has fully passed (`bytes` is final).
    pub complete: bool,
}

impl Preview {
    /// Whether the file is longer than the captured bytes.
    pub fn is_truncated(&self) -> bool {
        self.entry.size > self.bytes.len() as u64
    }
}

/// Push parser for one layer's uncompressed tar stream.
///
/// ```
/// use shared::merged::TarParser;
/// # fn main() -> Result<(), shared::merged::TarError> {
/// let mut parser = TarParser::new();
/// let mut entries = Vec::new();
/// for chunk in [&[0u8; 512][..], &[0u8; 512][..]] {
///     parser.push(chunk, &mut entries)?;
/// }
/// parser.finish()?;
/// assert!(entries.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TarParser {
    offset: u64,
    block: [u8; BLOCK],
    filled: usize,
    state: State,
    pending: Pending,
    global: PaxFields,
    preview_request: Option<(String, usize)>,
    preview: Option<Preview>,
    /// Preview bytes already handed out by [`TarParser::drain_preview`].
    drained: usize,
    /// Whether regular files' content is hashed ([`TarParser::with_content_digests`]).
    hash_content: bool,
    /// Each hashed file's entry offset and content digest, in archive order.
    digests: Vec<(u64, Digest)>,
    failure: Option<TarError>,
}

#[derive(Debug)]
enum State {
    /// Filling a header block; `after_zero` once an all-zero block was seen.
    Header { after_zero: bool },
    /// Passing `remaining` content bytes, then `padding` bytes.
    Data {
        remaining: u64,
        padding: u64,
        sink: Sink,
    },
    /// The archive ended; later bytes are ignored.
    End,
}

impl Default for State {
    fn default() -> Self {
        State::Header { after_zero: false }
    }
}

/// Where content bytes go.
#[derive(Debug)]
enum Sink {
    Skip {
        path: String,
    },
    Preview {
        path: String,
    },
    Hash {
        path: String,
        offset: u64,
        hasher: ContentHasher,
    },
    Extension {
        kind: u8,
        data: Vec<u8>,
        offset: u64,
    },
}

/// A SHA-256 of one file's content as it passes.
#[derive(Clone)]
struct ContentHasher(Box<Hasher>);

impl std::fmt::Debug for ContentHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ContentHasher({} bytes)", self.0.bytes_seen())
    }
}

/// Extension data read before the entry it describes.
#[derive(Debug, Default)]
struct Pending {
    start: Option<u64>,
    long_name: Option<Vec<u8>>,
    long_link: Option<Vec<u8>>,
    pax: PaxFields,
}

impl Default for TarParser {
    fn default() -> Self {
        TarParser {
            offset: 0,
            block: [0; BLOCK],
            filled: 0,
            state: State::default(),
            pending: Pending::default(),
            global: PaxFields::default(),
            preview_request: None,
            preview: None,
            drained: 0,
            hash_content: false,
            digests: Vec::new(),
            failure: None,
        }
    }
}

impl TarParser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        TarParser::default()
    }

    /// A parser that also captures the first `max_bytes` of the regular file
    /// at `path` (the last one, if the layer holds it more than once). A hard
    /// link has no content of its own: ask for its target instead.
    pub fn with_preview(path: &EntryPath, max_bytes: usize) -> Self {
        TarParser {
            preview_request: Some((path.as_str().to_owned(), max_bytes)),
            ..TarParser::default()
        }
    }

    /// The same parser, also hashing (SHA-256) the content of every regular
    /// file as it passes, except the previewed one: read the digests with
    /// [`TarParser::take_content_digests`].
    pub fn with_content_digests(mut self) -> Self {
        self.hash_content = true;
        self
    }

    /// Takes the content digests of the files whose content has fully
    /// passed since the last call: each entry's `offset` with its digest.
    pub fn take_content_digests(&mut self) -> Vec<(u64, Digest)> {
        std::mem::take(&mut self.digests)
    }

    /// The same parser for a stream that starts at `offset` of the layer's
    /// tar (an entry's first header, reached through an index), so the
    /// offsets it reports are the layer's.
    pub fn starting_at(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Feeds the next bytes of the stream, appending to `out` every entry
    /// whose headers complete. After an error, entries read before it are in
    /// `out` and every later call returns the same error.
    pub fn push(&mut self, mut chunk: &[u8], out: &mut Vec<LayerEntry>) -> Result<(), TarError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        while !chunk.is_empty() {
            match self.step(chunk, out) {
                Ok(used) => chunk = &chunk[used..],
                Err(error) => {
                    self.failure = Some(error.clone());
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// Checks that the stream ended where an archive may end.
    pub fn finish(&mut self) -> Result<(), TarError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let inside = match &self.state {
            State::End => return Ok(()),
            State::Header { .. } if self.filled > 0 => Truncation::Header,
            State::Header { .. } if self.pending.start.is_some() => Truncation::BeforeEntry,
            State::Header { .. } => return Ok(()),
            State::Data { sink, .. } => match sink {
                Sink::Extension { .. } => Truncation::Extension,
                Sink::Skip { path } | Sink::Preview { path } | Sink::Hash { path, .. } => {
                    Truncation::Content { path: path.clone() }
                }
            },
        };
        let error = TarError::Truncated {
            offset: self.offset,
            inside,
        };
        self.failure = Some(error.clone());
        Err(error)
    }

    /// Bytes received so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Whether the end-of-archive blocks have been read.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::End)
    }

    /// The preview captured so far, if one was asked for and its file seen.
    pub fn preview(&self) -> Option<&Preview> {
        self.preview.as_ref()
    }

    /// Takes the captured preview out of the parser.
    pub fn take_preview(&mut self) -> Option<Preview> {
        self.preview.take()
    }

    /// Takes the preview bytes captured since the last call, leaving the
    /// preview's entry in place, so a whole file can be moved out piece by
    /// piece (ask for a preview as large as the file). Returns the offset of
    /// the entry the bytes belong to: when a later entry for the same path
    /// restarts the capture, the offset changes and earlier pieces are stale.
    pub fn drain_preview(&mut self) -> Option<(u64, Vec<u8>)> {
        let preview = self.preview.as_mut()?;
        self.drained += preview.bytes.len();
        Some((preview.entry.offset, std::mem::take(&mut preview.bytes)))
    }

    /// Consumes the start of `chunk` (never empty); returns how many bytes.
    fn step(&mut self, chunk: &[u8], out: &mut Vec<LayerEntry>) -> Result<usize, TarError> {
        let (used, next) = match std::mem::replace(&mut self.state, State::End) {
            State::End => {
                self.offset += chunk.len() as u64;
                (chunk.len(), State::End)
            }
            State::Header { after_zero } => {
                let used = (BLOCK - self.filled).min(chunk.len());
                self.block[self.filled..self.filled + used].copy_from_slice(&chunk[..used]);
                self.filled += used;
                self.offset += used as u64;
                let next = if self.filled == BLOCK {
                    self.filled = 0;
                    self.on_block(after_zero, out)?
                } else {
                    State::Header { after_zero }
                };
                (used, next)
            }
            State::Data {
                remaining: 0,
                padding,
                sink,
            } => {
                let used = clamp(padding, chunk.len());
                self.offset += used as u64;
                let padding = padding - used as u64;
                let next = if padding == 0 {
                    State::default()
                } else {
                    State::Data {
                        remaining: 0,
                        padding,
                        sink,
                    }
                };
                (used, next)
            }
            State::Data {
                remaining,
                padding,
                mut sink,
            } => {
                let used = clamp(remaining, chunk.len());
                self.take_content(&mut sink, &chunk[..used]);
                self.offset += used as u64;
                let remaining = remaining - used as u64;
                let next = if remaining == 0 {
                    self.end_content(sink, padding)?
                } else {
                    State::Data {
                        remaining,
                        padding,
                        sink,
                    }
                };
                (used, next)
            }
        };
        self.state = next;
        Ok(used)
    }

    /// Handles a complete block; returns the state that follows it.
    fn on_block(&mut self, after_zero: bool, out: &mut Vec<LayerEntry>) -> Result<State, TarError> {
        let offset = self.offset - BLOCK as u64;
        let block = self.block;
        if is_zero_block(&block) {
            if self.pending.start.is_some() {
                let inside = Truncation::BeforeEntry;
                return Err(TarError::Truncated { offset, inside });
            }
            return Ok(if after_zero {
                State::End
            } else {
                State::Header { after_zero: true }
            });
        }
        if after_zero {
            return Err(TarError::DataAfterEnd { offset });
        }
        let header = Header::parse(&block, offset)?;
        match header.typeflag() {
            kind @ (b'x' | b'g' | b'L' | b'K') => {
                let size = header.size()?;
                if size > MAX_EXTENSION_BYTES {
                    let limit = MAX_EXTENSION_BYTES;
                    return Err(TarError::ExtensionTooLarge {
                        offset,
                        size,
                        limit,
                    });
                }
                if kind != b'g' {
                    self.pending.start.get_or_insert(offset);
                }
                let data = Vec::with_capacity(clamp(size, BLOCK));
                self.begin_content(size, Sink::Extension { kind, data, offset })
            }
            _ => {
                let entry = self.entry(&header, offset)?;
                let has_content = !matches!(header.typeflag(), b'1'..=b'6');
                let length = if has_content { entry.size } else { 0 };
                let sink = self.sink_for(&entry);
                out.push(entry);
                self.begin_content(length, sink)
            }
        }
    }

    /// Builds the entry a header describes, applying pending extensions.
    fn entry(&mut self, header: &Header<'_>, offset: u64) -> Result<LayerEntry, TarError> {
        let pending = std::mem::take(&mut self.pending);
        let pax = pending.pax.over(&self.global);
        let name = pax
            .path
            .or(pending.long_name)
            .unwrap_or_else(|| header.name());
        let link = pax
            .linkpath
            .or(pending.long_link)
            .unwrap_or_else(|| header.linkname().to_vec());
        let kind = match header.typeflag() {
            b'0' | b'7' => EntryKind::File,
            0 if name.ends_with(b"/") => EntryKind::Dir,
            0 => EntryKind::File,
            b'1' => EntryKind::Hardlink {
                target: EntryPath::from_bytes(&link),
            },
            b'2' => EntryKind::Symlink {
                target: String::from_utf8_lossy(&link).into_owned(),
            },
            b'3' => {
                let (major, minor) = header.device()?;
                EntryKind::CharDevice { major, minor }
            }
            b'4' => {
                let (major, minor) = header.device()?;
                EntryKind::BlockDevice { major, minor }
            }
            b'5' => EntryKind::Dir,
            b'6' => EntryKind::Fifo,
            other => EntryKind::Other(other),
        };
        Ok(LayerEntry {
            path: EntryPath::from_bytes(&name),
            kind,
            mode: header.mode()?,
            uid: pax.uid.map_or_else(|| header.uid(), Ok)?,
            gid: pax.gid.map_or_else(|| header.gid(), Ok)?,
            size: pax.size.map_or_else(|| header.size(), Ok)?,
            mtime: pax.mtime.map_or_else(|| header.mtime(), Ok)?,
            offset: pending.start.unwrap_or(offset),
        })
    }

    /// Where the content of `entry` goes; starts a preview when it is the
    /// requested file.
    fn sink_for(&mut self, entry: &LayerEntry) -> Sink {
        let path = entry.path.as_str().to_owned();
        match &self.preview_request {
            Some((wanted, max)) if *wanted == path && entry.kind == EntryKind::File => {
                self.drained = 0;
                self.preview = Some(Preview {
                    entry: entry.clone(),
                    // Grown as the content comes (a whole-file capture may be
                    // drained piece by piece): never reserved up front past 1 MiB.
                    bytes: Vec::with_capacity(clamp(entry.size, *max).min(1 << 20)),
                    complete: false,
                });
                Sink::Preview { path }
            }
            _ if self.hash_content && entry.kind == EntryKind::File => Sink::Hash {
                path,
                offset: entry.offset,
                hasher: ContentHasher(Box::new(Hasher::sha256())),
            },
            _ => Sink::Skip { path },
        }
    }

    fn begin_content(&mut self, length: u64, sink: Sink) -> Result<State, TarError> {
        let padding = (BLOCK as u64 - length % BLOCK as u64) % BLOCK as u64;
        if length == 0 {
            return self.end_content(sink, padding);
        }
        Ok(State::Data {
            remaining: length,
            padding,
            sink,
        })
    }

    fn take_content(&mut self, sink: &mut Sink, bytes: &[u8]) {
        match sink {
            Sink::Skip { .. } => {}
            Sink::Hash { hasher, .. } => hasher.0.update(bytes),
            Sink::Extension { data, .. } => data.extend_from_slice(bytes),
            Sink::Preview { .. } => {
                let max = self.preview_request.as_ref().map_or(0, |(_, max)| *max);
                if let Some(preview) = &mut self.preview {
                    let room = max.saturating_sub(preview.bytes.len() + self.drained);
                    preview
                        .bytes
                        .extend_from_slice(&bytes[..room.min(bytes.len())]);
                }
            }
        }
    }

    /// Finishes an entry's content; returns the state for its padding.
    /// The sink is kept (emptied) so a truncated padding names what it follows.
    fn end_content(&mut self, sink: Sink, padding: u64) -> Result<State, TarError> {
        let sink = match sink {
            Sink::Skip { path } => Sink::Skip { path },
            Sink::Hash {
                path,
                offset,
                hasher,
            } => {
                self.digests.push((offset, hasher.0.finish()));
                Sink::Skip { path }
            }
            Sink::Preview { path } => {
                if let Some(preview) = &mut self.preview {
                    preview.complete = true;
                }
                Sink::Skip { path }
            }
            Sink::Extension { kind, data, offset } => {
                match kind {
                    b'x' => self.pending.pax.read(&data, offset)?,
                    b'g' => self.global.read(&data, offset)?,
                    b'L' => self.pending.long_name = Some(until_nul(data)),
                    _ => self.pending.long_link = Some(until_nul(data)),
                }
                let data = Vec::new();
                Sink::Extension { kind, data, offset }
            }
        };
        Ok(if padding == 0 {
            State::default()
        } else {
            State::Data {
                remaining: 0,
                padding,
                sink,
            }
        })
    }
}

/// `n` as a `usize`, at most `max`.
fn clamp(n: u64, max: usize) -> usize {
    usize::try_from(n).map_or(max, |n| n.min(max))
}

/// GNU long names are NUL-terminated inside their data.
fn until_nul(mut data: Vec<u8>) -> Vec<u8> {
    if let Some(end) = data.iter().position(|b| *b == 0) {
        data.truncate(end);
    }
    data
}
