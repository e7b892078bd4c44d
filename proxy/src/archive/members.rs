//! [`Members`]: the members of an archive, read by path, whether the
//! archive is a tar file (indexed first, see `tar_index.rs`) or an OCI
//! layout folder.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use shared::archive::{JSON_MAX, MemberPath, PathError};

use super::ArchiveError;
use super::tar_index::{Span, index_tar};

/// The members of one archive: a tar file or an OCI layout folder.
#[derive(Debug)]
pub struct Members(Source);

#[derive(Debug)]
enum Source {
    /// A tar file and where each member's bytes are in it.
    Tar {
        /// The file.
        path: PathBuf,
        /// Every regular member (and link to one).
        spans: BTreeMap<MemberPath, Span>,
    },
    /// A folder (an OCI layout), canonical.
    Dir {
        /// The folder.
        root: PathBuf,
    },
}

/// A member opened for reading, and its size.
pub(crate) struct Opened {
    /// Its bytes (exactly `size` of them, or an error).
    pub(crate) reader: Box<dyn Read>,
    /// Its size.
    pub(crate) size: u64,
}

impl Members {
    /// The members of the tar at `path` (read through once).
    pub fn tar(path: &Path) -> Result<Members, ArchiveError> {
        Ok(Members(Source::Tar {
            path: path.to_owned(),
            spans: index_tar(path)?,
        }))
    }

    /// The members of the folder `root`.
    pub fn dir(root: &Path) -> Result<Members, ArchiveError> {
        let root = root
            .canonicalize()
            .map_err(ArchiveError::io("opening", root))?;
        Ok(Members(Source::Dir { root }))
    }

    /// Whether the archive holds `member`.
    pub(crate) fn contains(&self, member: &MemberPath) -> Result<bool, ArchiveError> {
        match &self.0 {
            Source::Tar { spans, .. } => Ok(spans.contains_key(member)),
            Source::Dir { .. } => Ok(self.dir_file(member)?.is_some()),
        }
    }

    /// `member`'s bytes; a missing member is [`ArchiveError::MissingMember`]
    /// naming `named_by`.
    pub(crate) fn open(&self, member: &MemberPath, named_by: &str) -> Result<Opened, ArchiveError> {
        let missing = || ArchiveError::MissingMember {
            member: member.clone(),
            named_by: named_by.to_owned(),
        };
        match &self.0 {
            Source::Tar { path, spans } => {
                let span = spans.get(member).ok_or_else(missing)?;
                let mut file = File::open(path).map_err(ArchiveError::io("opening", path))?;
                file.seek(SeekFrom::Start(span.offset))
                    .map_err(ArchiveError::io("reading", path))?;
                Ok(Opened {
                    reader: Box::new(BufReader::with_capacity(256 << 10, file).take(span.size)),
                    size: span.size,
                })
            }
            Source::Dir { .. } => {
                let path = self.dir_file(member)?.ok_or_else(missing)?;
                let file = File::open(&path).map_err(ArchiveError::io("opening", &path))?;
                let size = file
                    .metadata()
                    .map_err(ArchiveError::io("reading the size of", &path))?
                    .len();
                Ok(Opened {
                    reader: Box::new(BufReader::with_capacity(256 << 10, file).take(size)),
                    size,
                })
            }
        }
    }

    /// A JSON member, whole; past [`JSON_MAX`] is
    /// [`ArchiveError::TooLarge`].
    pub(crate) fn read_json(
        &self,
        member: &MemberPath,
        named_by: &str,
    ) -> Result<Vec<u8>, ArchiveError> {
        let mut opened = self.open(member, named_by)?;
        if opened.size > JSON_MAX {
            return Err(ArchiveError::TooLarge {
                member: member.clone(),
                size: opened.size,
                max: JSON_MAX,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(opened.size).unwrap_or(0));
        opened
            .reader
            .read_to_end(&mut bytes)
            .map_err(|e| self.read_error(e))?;
        if bytes.len() as u64 != opened.size {
            return Err(ArchiveError::Truncated {
                problem: format!("the member {member} ends early"),
            });
        }
        Ok(bytes)
    }

    /// A failed read of a member, as the error to report.
    pub(crate) fn read_error(&self, source: std::io::Error) -> ArchiveError {
        let path = match &self.0 {
            Source::Tar { path, .. } => path.clone(),
            Source::Dir { root } => root.clone(),
        };
        ArchiveError::Io {
            action: "reading",
            path,
            source,
        }
    }

    /// The file `member` is in the folder, if there: a symlink that leads
    /// out of the folder is refused.
    fn dir_file(&self, member: &MemberPath) -> Result<Option<PathBuf>, ArchiveError> {
        let Source::Dir { root } = &self.0 else {
            return Ok(None);
        };
        let path = root.join(member.as_str());
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ArchiveError::io("opening", &path)(e)),
        };
        if !real.starts_with(root) {
            return Err(ArchiveError::UnsafeLink {
                member: member.clone(),
                target: real.display().to_string(),
                problem: PathError::Escapes,
            });
        }
        Ok(real.is_file().then_some(real))
    }
}
