//! [`TarError`]: why a layer's bytes are not a readable tar stream, and where.
//!
//! Every variant is an invalid-input error: the layer is corrupt, truncated,
//! or not a tar archive. Offsets count bytes of the uncompressed layer from 0,
//! so a user can check them with `dd`/`xxd` on the decompressed blob.

use std::fmt;

/// A numeric field of a tar header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderField {
    /// `mode`, bytes 100..108.
    Mode,
    /// `uid`, bytes 108..116.
    Uid,
    /// `gid`, bytes 116..124.
    Gid,
    /// `size`, bytes 124..136.
    Size,
    /// `mtime`, bytes 136..148.
    Mtime,
    /// `chksum`, bytes 148..156.
    Checksum,
    /// `devmajor`, bytes 329..337.
    DevMajor,
    /// `devminor`, bytes 337..345.
    DevMinor,
}

impl fmt::Display for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderField::Mode => "mode",
            HeaderField::Uid => "uid",
            HeaderField::Gid => "gid",
            HeaderField::Size => "size",
            HeaderField::Mtime => "mtime",
            HeaderField::Checksum => "checksum",
            HeaderField::DevMajor => "devmajor",
            HeaderField::DevMinor => "devminor",
        })
    }
}

/// What is wrong with a PAX extended header record (`LEN KEY=VALUE\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaxProblem {
    /// The leading decimal length is missing, not a number, or runs past the
    /// end of the header data.
    BadLength,
    /// The record does not end with a newline where its length says.
    MissingNewline,
    /// The record has no `=` or an empty key.
    MissingKey,
    /// A numeric key (`size`, `mtime`, `uid`, `gid`) has a value that is not
    /// a number.
    BadNumber {
        /// The key whose value is bad.
        key: String,
    },
}

impl fmt::Display for PaxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaxProblem::BadLength => f.write_str("a record length is missing or wrong"),
            PaxProblem::MissingNewline => f.write_str("a record does not end with a newline"),
            PaxProblem::MissingKey => f.write_str("a record has no `key=`"),
            PaxProblem::BadNumber { key } => write!(f, "`{key}` is not a number"),
        }
    }
}

/// Where the stream stopped when it ended too early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truncation {
    /// Inside a 512-byte header block.
    Header,
    /// Inside the content of the entry at this path.
    Content {
        /// The entry's normalised path.
        path: String,
    },
    /// Inside the data of a PAX or GNU long-name extension header.
    Extension,
    /// After extension headers, before the entry they describe.
    BeforeEntry,
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Truncation::Header => f.write_str("a header block"),
            Truncation::Content { path } => write!(f, "the content of `{path}`"),
            Truncation::Extension => f.write_str("an extension header's data"),
            Truncation::BeforeEntry => f.write_str("extension headers with no entry after them"),
        }
    }
}

/// Why a layer could not be read as a tar stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TarError {
    /// A header's stored checksum does not match its bytes.
    #[error(
        "tar header at byte {offset} is corrupt: its checksum says {stored} but its bytes sum to {computed} (the layer is damaged or not a tar archive)"
    )]
    Checksum {
        /// Offset of the header block.
        offset: u64,
        /// The checksum written in the header.
        stored: i64,
        /// The sum of the header's bytes.
        computed: i64,
    },
    /// A numeric header field is neither octal nor base-256, or is out of range.
    #[error("tar header at byte {offset} has an invalid {field} field")]
    InvalidNumber {
        /// Offset of the header block.
        offset: u64,
        /// The field that could not be read.
        field: HeaderField,
    },
    /// A PAX extended header's data is malformed.
    #[error("PAX header at byte {offset} is malformed: {problem}")]
    InvalidPax {
        /// Offset of the PAX header block.
        offset: u64,
        /// What is wrong.
        problem: PaxProblem,
    },
    /// A PAX or GNU long-name header carries more data than the parser keeps.
    #[error(
        "extension header at byte {offset} carries {size} bytes, more than the {limit}-byte limit"
    )]
    ExtensionTooLarge {
        /// Offset of the extension header block.
        offset: u64,
        /// The data size it declares.
        size: u64,
        /// The most the parser accepts.
        limit: u64,
    },
    /// A non-zero block follows the first all-zero end-of-archive block.
    #[error(
        "tar stream has data at byte {offset} after an end-of-archive block (the layer is damaged)"
    )]
    DataAfterEnd {
        /// Offset of the unexpected block.
        offset: u64,
    },
    /// The stream ended in the middle of something.
    #[error("tar stream is truncated at byte {offset}, inside {inside}")]
    Truncated {
        /// Total bytes received.
        offset: u64,
        /// What was being read.
        inside: Truncation,
    },
}

impl TarError {
    /// The byte offset the error refers to.
    pub fn offset(&self) -> u64 {
        match self {
            TarError::Checksum { offset, .. }
            | TarError::InvalidNumber { offset, .. }
            | TarError::InvalidPax { offset, .. }
            | TarError::ExtensionTooLarge { offset, .. }
            | TarError::DataAfterEnd { offset }
            | TarError::Truncated { offset, .. } => *offset,
        }
    }
}
