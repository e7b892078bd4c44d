//! Cross-process file locks (`flock` on Unix, `LockFileEx` on Windows,
//! through std's [`File::lock`]).
//!
//! A lock belongs to one open file description, so two threads of one
//! process that each open the file exclude each other exactly as two
//! processes do. The kernel drops a lock when its holder exits, even by
//! `kill -9`: a lock can never outlive a crash.
//!
//! Per-digest and lease lock files are removed when released. To make that
//! safe, [`FileLock::acquire`] checks after locking that the path still
//! names the file it locked (a releaser may have removed it meanwhile) and
//! starts again if not. Persistent locks ([`FileLock::persistent`]) are
//! never removed.

use std::fs::{self, File, Metadata, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// A held lock; dropping it releases the lock (and removes the file when
/// it is not persistent).
#[derive(Debug)]
pub(crate) struct FileLock {
    file: File,
    path: PathBuf,
    remove_on_drop: bool,
}

/// How to wait for a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Block until the lock is free.
    Block,
    /// Return at once if someone else holds it.
    NoWait,
}

impl FileLock {
    /// Takes the exclusive lock at `path`, creating the file if needed.
    /// Returns `None` only for [`Wait::NoWait`] when the lock is held.
    pub(crate) fn acquire(path: &Path, wait: Wait) -> io::Result<Option<FileLock>> {
        loop {
            let file = open_lock_file(path)?;
            match wait {
                Wait::Block => file.lock()?,
                Wait::NoWait => match file.try_lock() {
                    Ok(()) => {}
                    Err(TryLockError::WouldBlock) => return Ok(None),
                    Err(TryLockError::Error(e)) => return Err(e),
                },
            }
            let on_disk = match fs::metadata(path) {
                Ok(m) => m,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if same_file(&on_disk, &file.metadata()?) {
                return Ok(Some(FileLock {
                    file,
                    path: path.to_path_buf(),
                    remove_on_drop: cfg!(unix),
                }));
            }
        }
    }

    /// Takes a lock on a file that is never removed, exclusive or shared.
    pub(crate) fn persistent(path: &Path, exclusive: bool) -> io::Result<FileLock> {
        let file = open_lock_file(path)?;
        if exclusive {
            file.lock()?;
        } else {
            file.lock_shared()?;
        }
        Ok(FileLock {
            file,
            path: path.to_path_buf(),
            remove_on_drop: false,
        })
    }

    /// Whether some open file (in this process or another) holds the lock
    /// at `path`. A missing file is not held. When the lock is found free
    /// the leftover file is removed.
    pub(crate) fn is_held(path: &Path) -> io::Result<bool> {
        let file = match OpenOptions::new().read(true).write(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(e)) => Err(e),
            Ok(()) => {
                if cfg!(unix)
                    && let Ok(on_disk) = fs::metadata(path)
                    && same_file(&on_disk, &file.metadata()?)
                {
                    // Nobody holds it; the file is a leftover of a crash.
                    let _ = fs::remove_file(path);
                }
                Ok(false)
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        if self.remove_on_drop {
            // Removed while still locked; waiters on this file notice that
            // the path changed and start again (see `acquire`).
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    // Lock files are never removed off Unix, so the path cannot change.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_within_one_process() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("x.lock");
        let held = FileLock::acquire(&path, Wait::Block)
            .expect("lock")
            .expect("blocking acquire always locks");
        assert!(FileLock::is_held(&path).expect("check"));
        assert!(
            FileLock::acquire(&path, Wait::NoWait)
                .expect("try")
                .is_none()
        );
        drop(held);
        assert!(!path.exists(), "a released lock file is removed");
        assert!(!FileLock::is_held(&path).expect("check"));
        let again = FileLock::acquire(&path, Wait::NoWait).expect("try");
        assert!(again.is_some());
    }

    #[test]
    fn a_waiter_gets_the_lock_after_the_holder_removes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("y.lock");
        let held = FileLock::acquire(&path, Wait::Block)
            .expect("lock")
            .expect("locked");
        let waiter_path = path.clone();
        let waiter = std::thread::spawn(move || {
            FileLock::acquire(&waiter_path, Wait::Block)
                .expect("lock")
                .is_some()
        });
        drop(held);
        assert!(waiter.join().expect("thread"));
    }

    #[test]
    fn shared_locks_coexist_and_exclude_exclusive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("delete.lock");
        let a = FileLock::persistent(&path, false).expect("shared");
        let b = FileLock::persistent(&path, false).expect("shared");
        assert!(FileLock::is_held(&path).expect("check"));
        drop((a, b));
        let c = FileLock::persistent(&path, true).expect("exclusive");
        drop(c);
        assert!(path.exists(), "persistent lock files stay");
    }
}
