//! [`LocalContent`]: blobs in a folder (`blobs/<algorithm>/<hex>`), one
//! writer per digest enforced with a file lock so that threads and
//! processes sharing the folder never write the same blob twice.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shared::digest::Digest;

use super::digest_lock::{DigestLock, shared_progress, under_lock, waited};
use super::space::SpaceReserve;
use super::writer::WriterPaths;
use super::{BlobInfo, BlobReader, BlobWriter, Ingest, Ingester, Manager, Provider, existing};
use crate::store::layout::{ALGORITHMS, Layout, parse_flat_name};
use crate::store::lock::{FileLock, Wait};
use crate::store::{SharedLocks, StoreError};

/// A content store in a local folder. Cheap to clone; clones share the
/// folder.
#[derive(Clone, Debug)]
pub struct LocalContent {
    layout: Arc<Layout>,
    space: SpaceReserve,
    /// The writers' locks across machines, when the metadata is shared.
    shared: Option<Arc<dyn SharedLocks>>,
}

impl LocalContent {
    /// Opens (creating if needed) the content store in `root`, and removes
    /// ingest files that no live writer holds: the leftovers of a process
    /// that crashed mid-write, which never became visible.
    pub fn open(root: &Path) -> Result<LocalContent, StoreError> {
        let layout = Layout::new(root);
        let mut dirs: Vec<PathBuf> = ALGORITHMS.iter().map(|a| layout.blobs_dir(*a)).collect();
        dirs.push(layout.ingest_dir());
        dirs.push(layout.locks_dir());
        for dir in dirs {
            fs::create_dir_all(&dir).map_err(StoreError::io("creating", &dir))?;
        }
        let content = LocalContent {
            space: SpaceReserve::new(layout.root()),
            layout: Arc::new(layout),
            shared: None,
        };
        let removed = content.remove_stale_ingest()?;
        if !removed.is_empty() {
            tracing::info!(
                count = removed.len(),
                "removed unfinished writes left by a stopped process"
            );
        }
        Ok(content)
    }

    /// Keeps `bytes` free on the store's filesystem: writers refuse to
    /// go below ([`StoreError::LowSpace`]); `0` turns the check off.
    /// Default [`MIN_FREE_SPACE`](super::MIN_FREE_SPACE).
    pub fn keep_free(&self, bytes: u64) {
        self.space.set(bytes);
    }

    /// The same store, its writers also taking their digest's lock in
    /// `shared` (replicas with folders of their own).
    pub fn with_shared_locks(mut self, shared: Option<Arc<dyn SharedLocks>>) -> LocalContent {
        self.shared = shared;
        self
    }

    /// How many bytes the digest's locked writer has written so far (as
    /// far as they reached its ingest file, or as it reported to the
    /// shared locks), or `None` if nobody writes it.
    pub fn ingest_size(&self, digest: &Digest) -> Option<u64> {
        let here = fs::metadata(self.layout.ingest_path(digest))
            .ok()
            .map(|m| m.len());
        match &self.shared {
            Some(shared) => here.max(shared_progress(shared, digest)),
            None => here,
        }
    }

    /// The store folder.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// Where the blob lives (whether or not it is there).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.layout.blob_path(digest)
    }

    /// The blob as an open file and its size, for callers that want a
    /// `File` (to hand to tokio, say).
    pub fn open_file(&self, digest: &Digest) -> Result<(File, u64), StoreError> {
        let path = self.layout.blob_path(digest);
        let file = File::open(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                StoreError::BlobNotFound {
                    digest: digest.clone(),
                }
            } else {
                StoreError::Io {
                    action: "opening",
                    path: path.clone(),
                    source: e,
                }
            }
        })?;
        let size = file
            .metadata()
            .map_err(StoreError::io("reading the size of", &path))?
            .len();
        Ok((file, size))
    }

    /// Removes ingest files that no writer holds (a crashed process's
    /// unfinished writes) and leftover lock files; returns the ingest files
    /// removed. Writes in progress in other processes are left alone.
    pub fn remove_stale_ingest(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut removed = Vec::new();
        for (path, digest) in flat_entries(&self.layout.ingest_dir(), "")? {
            let lock_path = self.layout.digest_lock(&digest);
            let lock = FileLock::acquire(&lock_path, Wait::NoWait)
                .map_err(StoreError::io("locking", &lock_path))?;
            if lock.is_some() {
                match fs::remove_file(&path) {
                    Ok(()) => removed.push(path),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(StoreError::io("removing", &path)(e)),
                }
            }
        }
        for path in beside_entries(&self.layout.ingest_dir())? {
            // Removed when nobody holds its lock.
            if !FileLock::is_held(&path).map_err(StoreError::io("locking", &path))? {
                removed.push(path);
            }
        }
        for (path, _) in flat_entries(&self.layout.locks_dir(), ".lock")? {
            // Taking a free lock and dropping it removes its file.
            drop(FileLock::acquire(&path, Wait::NoWait).map_err(StoreError::io("locking", &path))?);
        }
        Ok(removed)
    }

    /// Every blob file, and every file in `blobs/` that is not named like
    /// a blob (reported by fsck).
    pub(crate) fn scan(&self) -> Result<(Vec<BlobInfo>, Vec<PathBuf>), StoreError> {
        let mut blobs = Vec::new();
        let mut stray = Vec::new();
        for algorithm in ALGORITHMS {
            let dir = self.layout.blobs_dir(algorithm);
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io("listing", &dir)(e)),
            };
            for entry in entries {
                let entry = entry.map_err(StoreError::io("listing", &dir))?;
                let path = entry.path();
                let digest = entry
                    .file_name()
                    .to_str()
                    .and_then(|name| Digest::new(algorithm, name).ok());
                let metadata = match entry.metadata() {
                    Ok(m) => m,
                    // Deleted while listing.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(StoreError::io("reading", &path)(e)),
                };
                match digest {
                    Some(digest) if metadata.is_file() => blobs.push(BlobInfo {
                        digest,
                        size: metadata.len(),
                    }),
                    _ => stray.push(path),
                }
            }
        }
        blobs.sort();
        stray.sort();
        Ok((blobs, stray))
    }

    fn writer_with(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
        wait: Wait,
    ) -> Result<Option<Ingest<BlobWriter>>, StoreError> {
        let lock_path = self.layout.digest_lock(digest);
        let locks = (lock_path.as_path(), self.shared.as_ref());
        under_lock(self, locks, digest, expected_size, wait, |lock| {
            let ingest = self.layout.ingest_path(digest);
            // We hold the digest's lock, so any file here is a dead writer's.
            let file = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&ingest)
                .map_err(StoreError::io("creating", &ingest))?;
            let paths = WriterPaths {
                ingest,
                blob: self.layout.blob_path(digest),
                blobs_dir: self.layout.blobs_dir(digest.algorithm()),
            };
            let writer = BlobWriter::new(digest.clone(), expected_size, file, paths, Some(lock));
            writer.keeping_free(self.space.clone())
        })
    }
}

/// The ingest files of writers beside the locked one
/// (`<algorithm>-<hex>.<tag>`).
fn beside_entries(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = named_entries(dir, |name| {
        name.split_once('.')
            .and_then(|(flat, _)| parse_flat_name(flat))
    })?;
    Ok(entries.into_iter().map(|(path, _)| path).collect())
}

/// The files in `dir` named `<algorithm>-<hex><suffix>`, with their digest.
fn flat_entries(dir: &Path, suffix: &str) -> Result<Vec<(PathBuf, Digest)>, StoreError> {
    named_entries(dir, |name| {
        name.strip_suffix(suffix).and_then(parse_flat_name)
    })
}

/// The files in `dir` whose name `parse` accepts, with what it made of
/// them; none when `dir` does not exist.
pub(super) fn named_entries<T>(
    dir: &Path,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<(PathBuf, T)>, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("listing", dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(StoreError::io("listing", dir))?;
        if let Some(parsed) = entry.file_name().to_str().and_then(&parse) {
            out.push((entry.path(), parsed));
        }
    }
    Ok(out)
}

impl Provider for LocalContent {
    fn info(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        let path = self.layout.blob_path(digest);
        match fs::metadata(&path) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io("reading", &path)(e)),
        }
    }

    fn open(&self, digest: &Digest) -> Result<BlobReader, StoreError> {
        let (file, size) = self.open_file(digest)?;
        Ok(BlobReader {
            reader: Box::new(file),
            size,
        })
    }

    fn open_range(
        &self,
        digest: &Digest,
        offset: u64,
        len: Option<u64>,
    ) -> Result<BlobReader, StoreError> {
        let (mut file, size) = self.open_file(digest)?;
        let offset = offset.min(size);
        let available = size - offset;
        let len = len.map_or(available, |l| l.min(available));
        file.seek(SeekFrom::Start(offset))
            .map_err(StoreError::io("seeking in", self.layout.blob_path(digest)))?;
        Ok(BlobReader {
            reader: Box::new(file.take(len)),
            size: len,
        })
    }
}

impl Ingester for LocalContent {
    type Writer = BlobWriter;

    fn writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<BlobWriter>, StoreError> {
        let got = self.writer_with(digest, expected_size, Wait::Block)?;
        waited(got, &self.layout.digest_lock(digest))
    }

    fn try_writer(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Option<Ingest<BlobWriter>>, StoreError> {
        self.writer_with(digest, expected_size, Wait::NoWait)
    }

    fn writer_beside(
        &self,
        digest: &Digest,
        expected_size: Option<u64>,
    ) -> Result<Ingest<BlobWriter>, StoreError> {
        if let Some(size) = existing(self, digest, expected_size)? {
            return Ok(Ingest::Exists(size));
        }
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let tag = format!(
            "{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let ingest = self.layout.ingest_beside_path(digest, &tag);
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&ingest)
            .map_err(StoreError::io("creating", &ingest))?;
        // The file's own lock tells `remove_stale_ingest` it is alive.
        let lock =
            FileLock::persistent(&ingest, true).map_err(StoreError::io("locking", &ingest))?;
        let paths = WriterPaths {
            ingest,
            blob: self.layout.blob_path(digest),
            blobs_dir: self.layout.blobs_dir(digest.algorithm()),
        };
        let lock = Some(DigestLock::file_only(lock));
        let writer = BlobWriter::new(digest.clone(), expected_size, file, paths, lock);
        Ok(Ingest::Writer(writer.keeping_free(self.space.clone())?))
    }
}

impl Manager for LocalContent {
    fn delete(&self, digest: &Digest) -> Result<bool, StoreError> {
        let path = self.layout.blob_path(digest);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io("deleting", &path)(e)),
        }
    }

    fn list(&self) -> Result<Vec<BlobInfo>, StoreError> {
        Ok(self.scan()?.0)
    }
}
