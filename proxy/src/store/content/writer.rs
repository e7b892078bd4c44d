//! [`BlobWriter`]: the local store's [`ContentWriter`].
//!
//! Lifecycle (containerd's): bytes go to `ingest/<algorithm>-<hex>` and
//! through a [`Verifier`] as they arrive. [`ContentWriter::commit`] checks
//! the size, then the digest, fsyncs the file, renames it to
//! `blobs/<algorithm>/<hex>` and fsyncs that folder, so a committed blob
//! survives a power cut and a mismatching one is never visible. The
//! writer holds the digest's lock from creation to commit or drop.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use shared::digest::{Digest, Verifier, VerifyError};

use super::ContentWriter;
use crate::store::StoreError;
use crate::store::lock::FileLock;

/// Writes one blob into a [`LocalContent`](super::LocalContent) store.
#[derive(Debug)]
pub struct BlobWriter {
    digest: Digest,
    verifier: Option<Verifier>,
    file: Option<BufWriter<File>>,
    ingest_path: PathBuf,
    blob_path: PathBuf,
    blobs_dir: PathBuf,
    failed: bool,
    committed: bool,
    // Last, so it is released after `Drop::drop` removed the ingest file.
    _lock: Option<FileLock>,
}

/// The paths a writer moves its content between.
pub(crate) struct WriterPaths {
    pub(crate) ingest: PathBuf,
    pub(crate) blob: PathBuf,
    pub(crate) blobs_dir: PathBuf,
}

impl BlobWriter {
    pub(crate) fn new(
        digest: Digest,
        expected_size: Option<u64>,
        file: File,
        paths: WriterPaths,
        lock: Option<FileLock>,
    ) -> BlobWriter {
        BlobWriter {
            verifier: Some(Verifier::new(digest.clone(), expected_size)),
            digest,
            file: Some(BufWriter::with_capacity(64 * 1024, file)),
            ingest_path: paths.ingest,
            blob_path: paths.blob,
            blobs_dir: paths.blobs_dir,
            failed: false,
            committed: false,
            _lock: lock,
        }
    }

    /// Discards the partial content after an error; the writer is spent.
    fn fail(&mut self) {
        self.failed = true;
        self.file = None;
        remove_quietly(&self.ingest_path);
    }

    fn spent(&self) -> StoreError {
        StoreError::Io {
            action: "writing",
            path: self.ingest_path.clone(),
            source: io::Error::other(
                "an earlier write to this blob failed and its content was discarded; start a new writer",
            ),
        }
    }
}

impl ContentWriter for BlobWriter {
    fn digest(&self) -> &Digest {
        &self.digest
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let (Some(verifier), Some(file), false) =
            (self.verifier.as_mut(), self.file.as_mut(), self.failed)
        else {
            return Err(self.spent());
        };
        if let Err(VerifyError::TooLarge { expected, seen, .. }) = verifier.update(bytes) {
            self.fail();
            return Err(StoreError::SizeMismatch {
                digest: self.digest.clone(),
                expected,
                actual: seen,
            });
        }
        if let Err(source) = file.write_all(bytes) {
            self.fail();
            return Err(StoreError::Io {
                action: "writing",
                path: self.ingest_path.clone(),
                source,
            });
        }
        Ok(())
    }

    fn bytes_written(&self) -> u64 {
        self.verifier.as_ref().map_or(0, Verifier::bytes_seen)
    }

    fn commit(mut self) -> Result<u64, StoreError> {
        let (Some(verifier), Some(file), false) =
            (self.verifier.take(), self.file.take(), self.failed)
        else {
            return Err(self.spent());
        };
        let size = verifier.bytes_seen();
        verdict(&self.digest, verifier)?;
        // Any error from here on leaves `committed` false, so Drop removes
        // the ingest file.
        let file = file
            .into_inner()
            .map_err(|e| e.into_error())
            .map_err(StoreError::io("writing", &self.ingest_path))?;
        file.sync_all()
            .map_err(StoreError::io("syncing", &self.ingest_path))?;
        drop(file);
        fs::rename(&self.ingest_path, &self.blob_path)
            .map_err(StoreError::io("moving into place", &self.blob_path))?;
        self.committed = true;
        sync_dir(&self.blobs_dir)?;
        Ok(size)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.committed {
            self.file = None;
            remove_quietly(&self.ingest_path);
        }
    }
}

fn remove_quietly(path: &std::path::Path) {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an ingest file")
        }
    }
}

/// Makes a rename in `dir` durable.
pub(crate) fn sync_dir(dir: &std::path::Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(StoreError::io("syncing folder", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Disk full while writing: `/dev/full` refuses every write with
    /// ENOSPC. The writer reports it with the path and removes the ingest
    /// file.
    #[test]
    fn disk_full_cleans_up_the_ingest_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ingest = dir.path().join("ingest-file");
        fs::write(&ingest, b"partial").expect("ingest file");
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let content = vec![7u8; 200 * 1024];
        let digest = Digest::sha256_of(&content);
        let mut writer = BlobWriter::new(
            digest,
            Some(content.len() as u64),
            full,
            WriterPaths {
                ingest: ingest.clone(),
                blob: dir.path().join("blob"),
                blobs_dir: dir.path().to_path_buf(),
            },
            None,
        );
        let mut result = Ok(());
        for chunk in content.chunks(16 * 1024) {
            result = writer.write(chunk);
            if result.is_err() {
                break;
            }
        }
        let err = result.expect_err("the disk is full");
        assert!(
            matches!(&err, StoreError::Io { source, .. } if source.raw_os_error() == Some(28)),
            "{err:?}"
        );
        assert!(err.to_string().contains("ingest-file"), "{err}");
        assert!(!ingest.exists(), "the ingest file is cleaned up");
        assert!(writer.write(b"more").is_err(), "the writer is spent");
        assert!(writer.commit().is_err());
        assert!(!dir.path().join("blob").exists());
    }
}

impl BlobWriter {
    /// Checks the size and digest of what was written so far, without
    /// committing: a streaming caller (the `/v2` tee) may release the last
    /// bytes to its client once they verify, then [`ContentWriter::commit`]
    /// (which checks again) makes them durable.
    pub fn check(&self) -> Result<u64, StoreError> {
        match (&self.verifier, self.failed) {
            (Some(verifier), false) => verdict(&self.digest, verifier.clone()),
            _ => Err(StoreError::Io {
                action: "checking",
                path: self.ingest_path.clone(),
                source: std::io::Error::other("the writer already failed or committed"),
            }),
        }
    }
}

/// The verifier's verdict as a store error; the size on success.
fn verdict(digest: &Digest, verifier: shared::digest::Verifier) -> Result<u64, StoreError> {
    let size = verifier.bytes_seen();
    match verifier.finish() {
        Ok(_) => Ok(size),
        Err(VerifyError::DigestMismatch { expected, actual }) => {
            Err(StoreError::DigestMismatch { expected, actual })
        }
        Err(
            VerifyError::SizeMismatch {
                expected, actual, ..
            }
            | VerifyError::TooLarge {
                expected,
                seen: actual,
                ..
            },
        ) => Err(StoreError::SizeMismatch {
            digest: digest.clone(),
            expected,
            actual,
        }),
    }
}
