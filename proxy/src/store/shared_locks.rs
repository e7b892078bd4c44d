//! Locks shared by every process that shares the metadata database, on
//! this machine or another: the cross-replica half of the store's locks.
//!
//! The store's own locks are files in its folder ([`super::lock`]), so
//! they exclude only processes that share the folder. Replicas that share
//! a PostgreSQL database and a bucket but each have a folder of their own
//! also take the same lock here ([`SharedLocks`], PostgreSQL's session
//! advisory locks), *after* the file lock:
//!
//! - **a blob's writer** ([`LockKey::digest`]): one upload of a digest at
//!   a time across replicas, so a blob is fetched from upstream once. The
//!   holder reports how far it got ([`SharedHeld::report`]), so a replica
//!   waiting for it can tell a slow transfer from a stalled one;
//! - **a lease** ([`LockKey::lease`]): held for the lease's life; a lease
//!   is live while someone holds its lock ([`SharedLocks::is_held`]);
//! - **deletion** ([`LockKey::deletion`]): shared while a lease holds
//!   digests, exclusive while garbage collection deletes.
//!
//! A session lock is released by the server when its connection ends,
//! whether its process exited, was killed with `kill -9`, or its machine
//! lost the network (TCP keepalives): exactly the guarantee a file lock
//! gives on one machine. The file lock comes first because one process
//! holds all its shared locks on one connection, where they are
//! re-entrant: the file lock is what excludes two threads of one process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::digest::Digest;

use super::StoreError;
use super::lock::Wait;

/// How often a writer tells others how far it got.
const REPORT_EVERY: Duration = Duration::from_millis(500);

/// The longest pause between two tries of a busy lock.
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// Exclusive or shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One holder.
    Exclusive,
    /// Any number of holders, none exclusive.
    Shared,
}

/// What a lock is on: a space (writers, leases, deletion) and a 31-bit
/// key within it. Two digests or leases may share a key; that only makes
/// them wait for each other, never lets two writers of one digest in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LockKey {
    /// The space (`ST` and a number).
    pub space: i32,
    /// The key within it, never negative.
    pub key: i32,
}

impl LockKey {
    /// The writer of `digest`.
    pub fn digest(digest: &Digest) -> LockKey {
        LockKey {
            space: 0x5354_0001,
            key: key_of(digest.encoded()),
        }
    }

    /// Lease `id`.
    pub fn lease(id: &str) -> LockKey {
        LockKey {
            space: 0x5354_0002,
            key: key_of(id),
        }
    }

    /// Deleting blobs (exclusive) against holding them (shared).
    pub fn deletion() -> LockKey {
        LockKey {
            space: 0x5354_0003,
            key: 0,
        }
    }
}

/// FNV-1a of `text`, in 31 bits.
fn key_of(text: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    i32::try_from(hash & 0x7fff_ffff).unwrap_or(0)
}

/// Locks every process sharing the backend sees, and writers' progress.
/// Every method blocks.
pub trait SharedLocks: Send + Sync + std::fmt::Debug {
    /// Takes `key` in `mode` if nobody else holds it in a conflicting
    /// mode; whether it was taken.
    fn try_lock(&self, key: LockKey, mode: Mode) -> Result<bool, StoreError>;

    /// Releases one hold of `key` in `mode`.
    fn unlock(&self, key: LockKey, mode: Mode) -> Result<(), StoreError>;

    /// Whether any process (this one included) holds `key`.
    fn is_held(&self, key: LockKey) -> Result<bool, StoreError>;

    /// Records that the writer of `digest` has written `written` bytes.
    fn set_progress(&self, digest: &Digest, written: u64) -> Result<(), StoreError>;

    /// How far the writer of `digest` got, if one reported.
    fn progress(&self, digest: &Digest) -> Result<Option<u64>, StoreError>;

    /// Forgets the progress of `digest`'s writer (it is done).
    fn clear_progress(&self, digest: &Digest) -> Result<(), StoreError>;
}

/// A shared lock this process holds; dropping it releases it.
#[derive(Debug)]
pub(crate) struct SharedHeld {
    locks: Arc<dyn SharedLocks>,
    key: LockKey,
    mode: Mode,
    /// For a writer's lock: its digest and when it last reported.
    writer: Option<(Digest, Option<Instant>)>,
}

impl SharedHeld {
    /// Takes `key` in `mode`; `None` when `wait` is [`Wait::NoWait`] and
    /// another process holds it. [`Wait::Block`] tries again at growing
    /// intervals until it is free.
    pub(crate) fn acquire(
        locks: &Arc<dyn SharedLocks>,
        key: LockKey,
        mode: Mode,
        wait: Wait,
    ) -> Result<Option<SharedHeld>, StoreError> {
        let mut pause = Duration::from_millis(5);
        loop {
            if locks.try_lock(key, mode)? {
                return Ok(Some(SharedHeld {
                    locks: locks.clone(),
                    key,
                    mode,
                    writer: None,
                }));
            }
            if wait == Wait::NoWait {
                return Ok(None);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    /// The writer's lock of `digest`.
    pub(crate) fn writer(
        locks: &Arc<dyn SharedLocks>,
        digest: &Digest,
        wait: Wait,
    ) -> Result<Option<SharedHeld>, StoreError> {
        let held = SharedHeld::acquire(locks, LockKey::digest(digest), Mode::Exclusive, wait)?;
        Ok(held.map(|mut held| {
            held.writer = Some((digest.clone(), None));
            held
        }))
    }

    /// Tells waiting replicas that the writer has written `written` bytes
    /// (at most every [`REPORT_EVERY`]; a failure is logged, the write
    /// goes on).
    pub(crate) fn report(&mut self, written: u64) {
        let Some((digest, last)) = &mut self.writer else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < REPORT_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        if let Err(e) = self.locks.set_progress(digest, written) {
            tracing::warn!(%digest, error = %e, "could not report a blob write's progress");
        }
    }
}

impl Drop for SharedHeld {
    fn drop(&mut self) {
        if let Some((digest, _)) = &self.writer
            && let Err(e) = self.locks.clear_progress(digest)
        {
            tracing::warn!(%digest, error = %e, "could not clear a blob write's progress");
        }
        if let Err(e) = self.locks.unlock(self.key, self.mode) {
            // The connection is gone, and with it the lock.
            tracing::warn!(key = ?self.key, error = %e, "could not release a shared lock");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_non_negative_and_spaced() {
        let digest: Digest = format!("sha256:{}", "ab".repeat(32))
            .parse()
            .expect("digest");
        let a = LockKey::digest(&digest);
        assert_eq!(a, LockKey::digest(&digest));
        assert!(a.key >= 0);
        let lease = LockKey::lease("1f-2a-0");
        assert!(lease.key >= 0);
        assert_ne!(a.space, lease.space);
        assert_ne!(lease.space, LockKey::deletion().space);
        assert_ne!(LockKey::lease("1f-2a-0"), LockKey::lease("1f-2a-1"));
    }
}
