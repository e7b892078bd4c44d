//! `fsck`: checks the whole store and reports; it never changes data.
//!
//! 1. The metadata's own checks ([`Metadata::problems`](super::Metadata::problems); SQLite's
//!    `integrity_check` and `foreign_key_check`).
//! 2. Every blob is re-hashed (streamed, 64 KiB at a time) and must match
//!    its file name. Files in `blobs/` not named like a digest are listed.
//! 3. Every reference: each image's config, manifests, layers and indexes
//!    must be stored, with the size the records say.
//!
//! Informational, not problems: blobs nothing references (`gc` deletes
//! them; a crash between `rm`'s commit and its file deletions leaves
//! these) and unfinished writes left by a crashed process (never visible;
//! removed, since they are not data).

use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use shared::digest::{Digest, Hasher};

use super::content::Provider;
use super::metadata::BlobUse;
use super::record::ImageId;
use super::{Store, StoreError};

/// What [`Store::fsck`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FsckReport {
    /// Blobs re-hashed.
    pub blobs_checked: u64,
    /// Bytes re-hashed.
    pub bytes_checked: u64,
    /// Blobs whose content does not hash to their name.
    pub corrupt: Vec<CorruptBlob>,
    /// References to blobs that are missing or of the wrong size.
    pub broken_references: Vec<BrokenReference>,
    /// Files in `blobs/` that are not named like a blob.
    pub stray_files: Vec<PathBuf>,
    /// What the metadata's own checks reported (SQLite's integrity and
    /// foreign-key checks).
    pub database_problems: Vec<String>,
    /// Blobs nothing references (not a problem: `gc` deletes them).
    pub unreferenced: Vec<Digest>,
    /// Unfinished writes of crashed processes, removed (not a problem).
    pub stale_ingest_removed: Vec<PathBuf>,
}

/// A blob whose bytes do not match its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorruptBlob {
    /// The blob's name.
    pub expected: Digest,
    /// What its bytes hash to.
    pub actual: Digest,
    /// The file.
    pub path: PathBuf,
}

/// A record that names a blob the store does not hold as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenReference {
    /// The image whose record it is.
    pub image: ImageId,
    /// `config`, `manifest`, `layer` or `index`.
    pub role: String,
    /// The blob.
    pub digest: Digest,
    /// The size recorded.
    pub expected_size: u64,
    /// The size stored, `None` if the blob is missing.
    pub actual_size: Option<u64>,
}

impl FsckReport {
    /// No problems (unreferenced blobs and removed stale writes are not
    /// problems).
    pub fn is_clean(&self) -> bool {
        self.corrupt.is_empty()
            && self.broken_references.is_empty()
            && self.stray_files.is_empty()
            && self.database_problems.is_empty()
    }

    /// One line per problem, for a user.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(
            self.database_problems
                .iter()
                .map(|p| format!("database: {p}")),
        );
        out.extend(self.corrupt.iter().map(|c| {
            format!(
                "corrupt blob {}: content hashes to {} ({}); delete the file, then pull again the images fsck then lists as missing it",
                c.expected,
                c.actual,
                c.path.display()
            )
        }));
        out.extend(self.broken_references.iter().map(|b| match b.actual_size {
            None => format!(
                "image {}: {} {} is missing; pull the image again",
                b.image.short(),
                b.role,
                b.digest
            ),
            Some(actual) => format!(
                "image {}: {} {} is {actual} bytes, the record says {}",
                b.image.short(),
                b.role,
                b.digest,
                b.expected_size
            ),
        }));
        out.extend(
            self.stray_files
                .iter()
                .map(|p| format!("stray file {} (not named like a blob)", p.display())),
        );
        out
    }
}

impl fmt::Display for FsckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in self.problems() {
            writeln!(f, "{line}")?;
        }
        for path in &self.stale_ingest_removed {
            writeln!(
                f,
                "removed an unfinished write of a crashed process: {}",
                path.display()
            )?;
        }
        let count =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut summary = format!(
            "{} ({} bytes) checked, {}",
            count(self.blobs_checked as usize, "blob", "blobs"),
            self.bytes_checked,
            count(self.problems().len(), "problem", "problems"),
        );
        if !self.unreferenced.is_empty() {
            summary += &format!(
                ", {} (`strata gc` deletes them)",
                count(
                    self.unreferenced.len(),
                    "unreferenced blob",
                    "unreferenced blobs"
                )
            );
        }
        writeln!(f, "{summary}")
    }
}

impl Store {
    /// Checks everything (see the module docs). Blobs deleted while the
    /// check runs are skipped.
    pub fn fsck(&self) -> Result<FsckReport, StoreError> {
        let mut report = FsckReport {
            stale_ingest_removed: self.content().remove_stale_ingest()?,
            ..FsckReport::default()
        };
        report.database_problems = self.metadata().problems()?;
        let references = self.metadata().blob_uses()?;
        let referenced: std::collections::HashSet<&Digest> =
            references.iter().map(|r| &r.digest).collect();
        let (blobs, stray) = self.content().scan()?;
        report.stray_files = stray;
        for blob in &blobs {
            if !referenced.contains(&blob.digest) {
                report.unreferenced.push(blob.digest.clone());
            }
            let path = self.content().blob_path(&blob.digest);
            match rehash(self, &blob.digest) {
                Ok(None) => {}
                Ok(Some((actual, bytes))) => {
                    report.blobs_checked += 1;
                    report.bytes_checked += bytes;
                    if actual != blob.digest {
                        report.corrupt.push(CorruptBlob {
                            expected: blob.digest.clone(),
                            actual,
                            path,
                        });
                    }
                }
                Err(source) => {
                    return Err(StoreError::Io {
                        action: "reading",
                        path,
                        source,
                    });
                }
            }
        }
        for BlobUse {
            image,
            role,
            digest,
            size,
        } in references
        {
            let actual_size = self.content().info(&digest)?;
            if actual_size != Some(size) {
                report.broken_references.push(BrokenReference {
                    image,
                    role,
                    digest,
                    expected_size: size,
                    actual_size,
                });
            }
        }
        Ok(report)
    }
}

/// The digest (same algorithm as `digest`) and length of the stored blob;
/// `None` if it vanished (deleted meanwhile).
fn rehash(store: &Store, digest: &Digest) -> io::Result<Option<(Digest, u64)>> {
    let mut file = match store.content().open(digest) {
        Ok(blob) => blob.reader,
        Err(StoreError::BlobNotFound { .. }) => return Ok(None),
        Err(StoreError::Io { source, .. }) => return Err(source),
        Err(e) => return Err(io::Error::other(e)),
    };
    let mut hasher = Hasher::new(digest.algorithm());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let bytes = hasher.bytes_seen();
    Ok(Some((hasher.finish(), bytes)))
}
