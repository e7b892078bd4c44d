//! [`EntryReader`]: one entry of a layer, read through its index from a
//! range of the blob. It starts the decoder at the plan's checkpoint,
//! drops the output before the entry's offset, parses the tar header found
//! there and checks it is the entry the index named, then passes on the
//! entry's content. An index that lies about an offset or a checkpoint
//! fails here, as an [`OpenError`] that says which.

use std::io::Write;

use super::{LayerIndex, ReadPlan};
use crate::layer::decode::{DecodeError, SINK_ERROR};
use crate::layer::inflate::Inflater;
use crate::merged::{LayerEntry, TarError, TarParser};

/// Why an entry could not be read through the index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The bytes from the checkpoint do not decompress: the index's
    /// checkpoint is not where a block starts, or its window is wrong.
    #[error("the index's checkpoint does not decode ({0}); the index does not match the layer")]
    Checkpoint(String),
    /// The bytes at the entry's offset are not a tar header.
    #[error(
        "no tar header at the index's offset {offset} ({error}); the index does not match the layer"
    )]
    NoHeader {
        /// The index's offset.
        offset: u64,
        /// What the tar parser found.
        error: String,
    },
    /// A header is there, but for another entry.
    #[error("the index names `{expected}` at offset {offset}, but the layer has {found} there")]
    OtherEntry {
        /// The entry the index names.
        expected: String,
        /// What the header says (path, size).
        found: String,
        /// The offset.
        offset: u64,
    },
    /// The fetched range ended before the entry did.
    #[error("the range ended before the entry's content did")]
    Incomplete,
}

/// The sink behind the decoder: drops what comes before the entry, then
/// parses from its first header.
struct EntrySink {
    skip: u64,
    parser: TarParser,
    entries: Vec<LayerEntry>,
    /// Content not taken yet.
    content: Vec<u8>,
    failure: Option<TarError>,
}

impl EntrySink {
    /// Whether the first entry's header and content have passed.
    fn complete(&self) -> bool {
        match (self.entries.first(), self.parser.preview()) {
            (Some(entry), _) if entry.content_size() == 0 || self.entries.len() > 1 => true,
            (Some(_), Some(preview)) => preview.complete,
            _ => false,
        }
    }
}

impl Write for EntrySink {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let len = buf.len();
        if self.skip > 0 {
            let skipped = (self.skip.min(len as u64)) as usize;
            self.skip -= skipped as u64;
            buf = &buf[skipped..];
        }
        if buf.is_empty() || self.failure.is_some() || self.complete() {
            return Ok(len);
        }
        if let Err(e) = self.parser.push(buf, &mut self.entries) {
            self.failure = Some(e);
            return Ok(len);
        }
        if let Some((_, bytes)) = self.parser.drain_preview() {
            self.content.extend_from_slice(&bytes);
        }
        Ok(len)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

enum Source {
    Gzip(Box<Inflater<EntrySink>>),
    Plain(Box<EntrySink>),
}

/// What the header found says, naming each field that differs from the
/// index's entry (a global PAX header earlier in the layer, which a read
/// from the middle does not see, shows up here as mtime, uid or gid).
fn describe_difference(found: &LayerEntry, expected: &LayerEntry) -> String {
    let mut fields = Vec::new();
    if found.path != expected.path {
        fields.push(format!("path `{}`", found.path.as_str()));
    }
    if found.kind != expected.kind {
        fields.push(format!("type `{}`", found.kind.type_char()));
    }
    if found.size != expected.size {
        fields.push(format!("size {}", found.size));
    }
    for (name, theirs, ours) in [
        ("mode", u64::from(found.mode), u64::from(expected.mode)),
        ("uid", found.uid, expected.uid),
        ("gid", found.gid, expected.gid),
    ] {
        if theirs != ours {
            fields.push(format!("{name} {theirs} (the index says {ours})"));
        }
    }
    if found.mtime != expected.mtime {
        fields.push(format!(
            "mtime {} (the index says {})",
            found.mtime, expected.mtime
        ));
    }
    format!("an entry with {}", fields.join(", "))
}

/// Reads one entry; see the module docs.
pub struct EntryReader {
    source: Source,
    expected: LayerEntry,
    checked: bool,
}

impl EntryReader {
    /// A reader for `entry` of `index`, and what to fetch for it: feed the
    /// plan's range to [`EntryReader::update`], in order.
    pub fn new(index: &LayerIndex, entry: &LayerEntry) -> (EntryReader, ReadPlan) {
        let plan = index.plan(entry);
        let start_out = plan.checkpoint.as_ref().map_or(entry.offset, |c| c.out);
        let size = usize::try_from(entry.content_size()).unwrap_or(usize::MAX);
        let sink = EntrySink {
            skip: entry.offset - start_out.min(entry.offset),
            parser: TarParser::with_preview(&entry.path, size).starting_at(entry.offset),
            entries: Vec::new(),
            content: Vec::new(),
            failure: None,
        };
        let source = match &plan.checkpoint {
            Some(checkpoint) => Source::Gzip(Box::new(Inflater::resume(checkpoint, sink))),
            None => Source::Plain(Box::new(sink)),
        };
        let reader = EntryReader {
            source,
            expected: entry.clone(),
            checked: false,
        };
        (reader, plan)
    }

    fn sink(&mut self) -> &mut EntrySink {
        match &mut self.source {
            Source::Gzip(inflater) => inflater.sink_mut(),
            Source::Plain(sink) => sink,
        }
    }

    /// Feeds the next bytes of the plan's range. Fails as soon as the
    /// header at the entry's offset is read and is not the entry's.
    pub fn update(&mut self, bytes: &[u8]) -> Result<(), OpenError> {
        if self.is_complete() {
            return Ok(());
        }
        match &mut self.source {
            Source::Gzip(inflater) => inflater
                .update(bytes)
                .and_then(|()| inflater.flush_pending())
                .map_err(|e| match e {
                    DecodeError::Sink => OpenError::Checkpoint(SINK_ERROR.into()),
                    other => OpenError::Checkpoint(other.to_string()),
                })?,
            Source::Plain(sink) => {
                let _ = sink.write(bytes);
            }
        }
        self.check()
    }

    fn check(&mut self) -> Result<(), OpenError> {
        let expected = self.expected.clone();
        let sink = self.sink();
        if let Some(error) = &sink.failure {
            return Err(OpenError::NoHeader {
                offset: expected.offset,
                error: error.to_string(),
            });
        }
        if let Some(found) = sink.entries.first() {
            if *found != expected {
                return Err(OpenError::OtherEntry {
                    expected: expected.path.as_str().to_owned(),
                    found: describe_difference(found, &expected),
                    offset: expected.offset,
                });
            }
            self.checked = true;
        }
        Ok(())
    }

    /// Content read since the last call (the whole file, piece by piece).
    pub fn take_content(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.sink().content)
    }

    /// Whether the entry's header checked out and its content has passed.
    pub fn is_complete(&self) -> bool {
        let sink = match &self.source {
            Source::Gzip(inflater) => inflater.sink(),
            Source::Plain(sink) => sink,
        };
        self.checked && sink.complete()
    }

    /// Ends the read: the entry, checked, once its content has all passed.
    pub fn finish(mut self) -> Result<LayerEntry, OpenError> {
        if let Source::Gzip(inflater) = &mut self.source {
            inflater
                .flush_pending()
                .map_err(|e| OpenError::Checkpoint(e.to_string()))?;
        }
        self.check()?;
        if !self.is_complete() {
            return Err(OpenError::Incomplete);
        }
        Ok(self.expected)
    }
}
