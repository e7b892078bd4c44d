//! [`BlobWriter`]: the local store's [`ContentWriter`].
//!
//! Lifecycle (containerd's): bytes go to `ingest/<algorithm>-<hex>` and
//! through a [`Verifier`] as they arrive. [`ContentWriter::commit`] checks
//! the size, then the digest, fsyncs the file, renames it to
//! `blobs/<algorithm>/<hex>` and fsyncs that folder, so a committed blob
//! survives a power cut and a mismatching one is never visible. The
//! writer holds the digest's lock from creation to commit or drop; a
//! writer beside it ([`Ingester::writer_beside`](super::Ingester::writer_beside))
//! holds a lock on its own ingest file instead, and its commit is a
//! success when the blob is already there.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use shared::digest::{Digest, Verifier, VerifyError};

use super::ContentWriter;
use super::digest_lock::DigestLock;
use super::hashing::{Hashing, Refusal};
use super::space::{CHECK_EVERY, SpaceReserve};
use crate::store::StoreError;

/// Writes one blob into a [`LocalContent`](super::LocalContent) store.
#[derive(Debug)]
pub struct BlobWriter {
    digest: Digest,
    /// Hashed here, or by the caller ([`BlobWriter::detach_verifier`]).
    hashing: Hashing,
    /// Bytes written to the ingest file.
    written: u64,
    file: Option<BufWriter<File>>,
    ingest_path: PathBuf,
    blob_path: PathBuf,
    blobs_dir: PathBuf,
    failed: bool,
    committed: bool,
    /// The free-space reserve, and the byte count of the next look at it.
    space: Option<(SpaceReserve, u64)>,
    // Last, so it is released after `Drop::drop` removed the ingest file.
    lock: Option<DigestLock>,
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
        lock: Option<DigestLock>,
    ) -> BlobWriter {
        BlobWriter {
            hashing: Hashing::new(digest.clone(), expected_size),
            written: 0,
            digest,
            file: Some(BufWriter::with_capacity(64 * 1024, file)),
            ingest_path: paths.ingest,
            blob_path: paths.blob,
            blobs_dir: paths.blobs_dir,
            failed: false,
            committed: false,
            space: None,
            lock,
        }
    }

    /// The same writer, keeping `space`'s reserve free: checked now for
    /// the expected size, then every [`CHECK_EVERY`] bytes.
    pub(crate) fn keeping_free(mut self, space: SpaceReserve) -> Result<BlobWriter, StoreError> {
        let expected = self.hashing.expected_size();
        space.check(expected.unwrap_or(0))?;
        self.space = Some((space, CHECK_EVERY));
        Ok(self)
    }

    /// Looks at the free space when `len` more bytes reach the next check.
    fn check_space(&mut self, len: u64) -> Result<(), StoreError> {
        let Some((space, next)) = self.space.as_mut() else {
            return Ok(());
        };
        if self.written + len < *next {
            return Ok(());
        }
        *next = self.written + len + CHECK_EVERY;
        space.check(CHECK_EVERY)
    }

    /// Discards the partial content after an error; the writer is spent.
    fn fail(&mut self) {
        self.failed = true;
        self.file = None;
        remove_quietly(&self.ingest_path);
    }

    /// The error for what [`Hashing`] refused; a size mismatch spends
    /// the writer.
    fn refused(&mut self, refusal: Refusal) -> StoreError {
        if refusal.spends_the_writer() {
            self.fail();
        }
        refusal.error_or(self.spent())
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
        if let Err(e) = self.check_space(bytes.len() as u64) {
            self.fail();
            return Err(e);
        }
        if self.file.is_none() || self.failed {
            return Err(self.spent());
        }
        if let Err(refusal) = self.hashing.update(&self.digest, bytes) {
            return Err(self.refused(refusal));
        }
        self.written += bytes.len() as u64;
        let Some(file) = self.file.as_mut() else {
            return Err(self.spent());
        };
        if let Err(source) = file.write_all(bytes) {
            self.fail();
            return Err(StoreError::Io {
                action: "writing",
                path: self.ingest_path.clone(),
                source,
            });
        }
        if let Some(lock) = &mut self.lock {
            lock.report(self.written);
        }
        Ok(())
    }

    fn bytes_written(&self) -> u64 {
        self.written
    }

    fn commit(mut self) -> Result<u64, StoreError> {
        match self.hashing.take() {
            Some(verifier) => self.finish(verifier),
            None => Err(self.spent()),
        }
    }
}

impl BlobWriter {
    /// Hands the hashing of this write to the caller, so it can run on
    /// another thread than the file writes: from now on
    /// [`ContentWriter::write`] only writes, and the caller feeds the same
    /// bytes, in the same order, to the returned [`Verifier`] and gives it
    /// back to [`BlobWriter::commit_detached`], which checks that it saw
    /// exactly as many bytes as were written, then its digest. `None` once
    /// anything was written, or if it was detached already.
    pub fn detach_verifier(&mut self) -> Option<Verifier> {
        self.hashing.detach(self.written == 0 && !self.failed)
    }

    /// [`ContentWriter::commit`] for a writer whose verifier was detached:
    /// `verifier` must have seen exactly the bytes written (size, then
    /// digest, are checked) before anything becomes visible.
    pub fn commit_detached(mut self, verifier: Verifier) -> Result<u64, StoreError> {
        if self.failed {
            return Err(self.spent());
        }
        match self.hashing.returned(&self.digest, self.written, &verifier) {
            Ok(()) => self.finish(verifier),
            Err(refusal) => Err(self.refused(refusal)),
        }
    }

    /// Checks `verifier`'s verdict, then makes the ingest file durable and
    /// visible.
    fn finish(&mut self, verifier: Verifier) -> Result<u64, StoreError> {
        let Some(file) = self.file.take() else {
            return Err(self.spent());
        };
        let size = verifier.bytes_seen();
        verdict(&self.digest, verifier)?;
        if fs::metadata(&self.blob_path).is_ok_and(|m| m.len() == size) {
            // A writer beside this one committed the same verified bytes
            // first: success, and Drop removes this ingest file.
            return Ok(size);
        }
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
        match (self.hashing.current(), self.failed) {
            (Some(verifier), false) => verdict(&self.digest, verifier.clone()),
            _ => Err(StoreError::Io {
                action: "checking",
                path: self.ingest_path.clone(),
                source: std::io::Error::other("the writer already failed or committed"),
            }),
        }
    }
}

impl BlobWriter {
    /// The verdict of a detached `verifier` ([`BlobWriter::detach_verifier`])
    /// on the bytes it saw, without finishing it: the size, or the size or
    /// digest mismatch.
    pub fn verdict_of(verifier: &Verifier) -> Result<u64, StoreError> {
        verdict(verifier.expected(), verifier.clone())
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

#[cfg(test)]
mod detached_tests {
    use super::*;
    use crate::store::{Ingest, Ingester, LocalContent, Provider};

    fn writer(content: &LocalContent, digest: &Digest) -> BlobWriter {
        match content.writer(digest, None).expect("writer") {
            Ingest::Writer(w) => w,
            Ingest::Exists(_) => panic!("new blob"),
        }
    }

    /// The verifier handed out must see exactly the bytes written.
    #[test]
    fn a_detached_verifier_must_see_every_written_byte() {
        let bytes = b"hello, detached hashing".to_vec();
        let digest = Digest::sha256_of(&bytes);
        let mut other = bytes.clone();
        other[0] ^= 1;
        #[rustfmt::skip]
        let cases: [(&str, &[u8], bool); 4] = [
            ("the same bytes", &bytes, true),
            ("fewer bytes", &bytes[..5], false),
            ("other bytes", &other, false),
            ("more bytes", b"hello, detached hashing and more", false),
        ];
        for (case, hashed, visible) in cases {
            let dir = tempfile::tempdir().expect("tmp");
            let content = LocalContent::open(dir.path()).expect("store");
            let mut w = writer(&content, &digest);
            let mut verifier = w.detach_verifier().expect("fresh writer");
            assert!(w.detach_verifier().is_none(), "{case}: only once");
            w.write(&bytes).expect("write");
            let _ = verifier.update(hashed);
            let result = w.commit_detached(verifier);
            assert_eq!(result.is_ok(), visible, "{case}: {result:?}");
            assert_eq!(
                content.info(&digest).expect("info").is_some(),
                visible,
                "{case}"
            );
        }
    }

    #[test]
    fn a_detached_writer_cannot_commit_without_its_verifier() {
        let dir = tempfile::tempdir().expect("tmp");
        let content = LocalContent::open(dir.path()).expect("store");
        let digest = Digest::sha256_of(b"x");
        let mut w = writer(&content, &digest);
        let _verifier = w.detach_verifier().expect("fresh writer");
        w.write(b"x").expect("write");
        assert!(w.commit().is_err());
        assert!(content.info(&digest).expect("info").is_none());

        let mut w = writer(&content, &digest);
        w.write(b"x").expect("write");
        assert!(w.detach_verifier().is_none(), "not once written");
        assert_eq!(w.commit().expect("commit"), 1);
    }
}
