//! Leases: operations in flight (a pull, a download being served) hold the
//! blobs and images they rely on, so neither `rm` nor garbage collection
//! takes them away meanwhile.
//!
//! A lease is a metadata record ([`LeaseRecord`]: holder, pid, expiry,
//! held digests) plus a lock that the holder keeps: a lock file
//! `locks/lease-<id>.lock` in the store folder, and, when the metadata is
//! shared between machines, the lease's shared lock
//! ([`crate::store::SharedLocks`]). It is live while its lock is held (the
//! shared one when there is one: replicas do not see each other's
//! folders) and its expiry has not passed. The kernel (or the database
//! server, when the holder's connection ends) releases the lock when the
//! holder's process dies, even by `kill -9`, so a crashed holder's lease
//! goes stale at once (a stale row is removed the next time someone
//! looks). Dropping the [`LeaseGuard`] ends the lease.
//!
//! # Protocol for writers
//! Take a lease, [`LeaseGuard::hold`] every digest the operation will rely
//! on (including blobs it finds already stored, and the image ID), *then*
//! check or write them, then [`Store::record_image`], then drop the lease.
//! `hold` waits for any deletion in progress, so once it returns, a blob
//! that is present stays present.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use shared::digest::Digest;
use time::OffsetDateTime;

use super::lock::{FileLock, Wait};
use super::metadata::LeaseRecord;
use super::record::ImageId;
use super::shared_locks::SharedHeld;
use super::{LockKey, Mode, Store, StoreError};

/// A lease this process holds. Dropping it ends the lease.
#[derive(Debug)]
pub struct LeaseGuard {
    store: Store,
    id: String,
    holder: String,
    released: bool,
    // Last: unlocked after the row is gone, the shared lock first.
    _shared: Option<SharedHeld>,
    _lock: FileLock,
}

/// A lease as [`Store::leases`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseInfo {
    /// The lease's ID.
    pub id: String,
    /// What holds it, as it described itself (`a pull of redis:latest`).
    pub holder: String,
    /// The holder's process ID.
    pub pid: u32,
    /// When it was taken.
    pub created: OffsetDateTime,
    /// When it ends even if the holder is still running.
    pub expires: OffsetDateTime,
    /// The digests it holds.
    pub digests: Vec<Digest>,
    /// Whether the holder is still running and the expiry is ahead.
    pub live: bool,
}

impl Store {
    /// Takes a lease for an operation described by `holder` (shown in
    /// conflict messages: "in use by {holder} (pid N)"), ending at the
    /// latest after `ttl`.
    /// A holder text too long for the record (a long image name) is
    /// shortened in its middle.
    pub fn lease(&self, holder: &str, ttl: Duration) -> Result<LeaseGuard, StoreError> {
        let holder = &fit_holder(holder);
        validate_name("lease holder", holder)?;
        let id = new_lease_id();
        let lock_path = self.layout().lease_lock(&id);
        let lock = FileLock::acquire(&lock_path, Wait::Block)
            .map_err(StoreError::io("locking", &lock_path))?
            .ok_or_else(|| StoreError::Io {
                action: "locking",
                path: lock_path.clone(),
                source: std::io::Error::other("a blocking lock returned without the lock"),
            })?;
        // Held before the row exists, so that nobody sees the row without
        // its lock and takes it for a dead holder's.
        let shared = match self.shared_locks() {
            Some(locks) => {
                SharedHeld::acquire(locks, LockKey::lease(&id), Mode::Exclusive, Wait::Block)?
            }
            None => None,
        };
        let now = OffsetDateTime::now_utc();
        let expires = time::Duration::try_from(ttl)
            .ok()
            .and_then(|d| now.checked_add(d))
            .unwrap_or(time::macros::datetime!(9999-12-31 0:00 UTC));
        self.metadata().begin_lease(&LeaseRecord {
            id: id.clone(),
            holder: holder.to_owned(),
            pid: std::process::id(),
            created: now,
            expires,
            digests: Vec::new(),
        })?;
        Ok(LeaseGuard {
            store: self.clone(),
            id,
            holder: holder.to_owned(),
            released: false,
            _shared: shared,
            _lock: lock,
        })
    }

    /// Every lease on record, live or stale.
    pub fn leases(&self) -> Result<Vec<LeaseInfo>, StoreError> {
        Ok(self
            .metadata()
            .leases()?
            .into_iter()
            .map(|l| LeaseInfo {
                live: self.is_live(&l.id, l.expires),
                id: l.id,
                holder: l.holder,
                pid: l.pid,
                created: l.created,
                expires: l.expires,
                digests: l.digests,
            })
            .collect())
    }

    /// A live lease among `leases`: its holder and pid.
    pub(crate) fn live_holder(&self, leases: &[LeaseRecord]) -> Option<(String, u32)> {
        leases
            .iter()
            .find(|l| self.is_live(&l.id, l.expires))
            .map(|l| (l.holder.clone(), l.pid))
    }

    /// Removes the records of stale leases; returns how many.
    pub(crate) fn remove_stale_leases(&self) -> Result<usize, StoreError> {
        let mut removed = 0;
        for lease in self.metadata().leases()? {
            if !self.is_live(&lease.id, lease.expires) && self.metadata().end_lease(&lease.id)? {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The digests every live lease holds.
    pub(crate) fn held_digests(&self) -> Result<Vec<Digest>, StoreError> {
        Ok(self
            .metadata()
            .leases()?
            .into_iter()
            .filter(|l| self.is_live(&l.id, l.expires))
            .flat_map(|l| l.digests)
            .collect())
    }
}

impl LeaseGuard {
    /// The lease's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the lease says holds it.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Holds `digest` (a blob, or an image ID) until the lease ends. Waits
    /// while a deletion is in progress, so that afterwards a blob present
    /// in the store stays there.
    pub fn hold(&self, digest: &Digest) -> Result<(), StoreError> {
        self.hold_all(std::slice::from_ref(digest))
    }

    /// Holds every digest of `digests` at once (one database write): see
    /// [`LeaseGuard::hold`].
    pub fn hold_all(&self, digests: &[Digest]) -> Result<(), StoreError> {
        let _deletion = self.store.deletion_lock(Mode::Shared)?;
        self.store.metadata().hold(&self.id, digests)
    }

    /// Holds an image: `rm` refuses it, even forced, until the lease ends.
    pub fn hold_image(&self, id: &ImageId) -> Result<(), StoreError> {
        self.hold(id.digest())
    }

    /// Ends the lease now, reporting a failure to do so (dropping the
    /// guard ends it too, logging any failure).
    pub fn release(mut self) -> Result<(), StoreError> {
        self.released = true;
        self.store.metadata().end_lease(&self.id).map(drop)
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if !self.released
            && let Err(e) = self.store.metadata().end_lease(&self.id)
        {
            // The lock file is released below, so the row reads as stale
            // and is cleaned up later.
            tracing::warn!(lease = %self.id, error = %e, "could not remove a lease record");
        }
    }
}

/// The deletion lock, shared (holding digests) or exclusive (deleting
/// them): the folder's file lock, then the shared one if there is one.
#[derive(Debug)]
pub(crate) struct DeletionLock {
    _shared: Option<SharedHeld>,
    _file: FileLock,
}

impl Store {
    /// Takes the deletion lock in `mode`, waiting as long as it takes.
    pub(crate) fn deletion_lock(&self, mode: Mode) -> Result<DeletionLock, StoreError> {
        let path = self.layout().delete_lock();
        let file = FileLock::persistent(&path, mode == Mode::Exclusive)
            .map_err(StoreError::io("locking", &path))?;
        let shared = match self.shared_locks() {
            Some(locks) => SharedHeld::acquire(locks, LockKey::deletion(), mode, Wait::Block)?,
            None => None,
        };
        Ok(DeletionLock {
            _shared: shared,
            _file: file,
        })
    }

    /// Whether lease `id`, expiring at `expires`, is live: before its
    /// expiry and its holder still holds its lock (the shared lock when
    /// the metadata is shared, since other replicas' lock files are not in
    /// this folder). When the lock cannot be checked, the lease counts as
    /// live (the safe side).
    fn is_live(&self, id: &str, expires: OffsetDateTime) -> bool {
        if OffsetDateTime::now_utc() >= expires {
            return false;
        }
        match self.shared_locks() {
            Some(locks) => locks.is_held(LockKey::lease(id)).unwrap_or_else(|e| {
                tracing::warn!(lease = %id, error = %e, "could not check a lease's lock; taking it as live");
                true
            }),
            None => FileLock::is_held(&self.layout().lease_lock(id)).unwrap_or(true),
        }
    }
}

/// Pin names and lease holders: 1 to 128 characters, no control
/// characters.
pub(crate) fn validate_name(what: &'static str, value: &str) -> Result<(), StoreError> {
    let reason = if value.trim().is_empty() {
        Some("it must not be empty")
    } else if value.chars().count() > 128 {
        Some("it must be at most 128 characters")
    } else if value.chars().any(char::is_control) {
        Some("it must not contain control characters")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::InvalidName {
            what,
            value: value.chars().take(80).collect(),
            reason,
        }),
        None => Ok(()),
    }
}

/// The longest holder text a lease records.
const HOLDER_MAX: usize = 128;

/// `holder`, cut in its middle to [`HOLDER_MAX`] characters if longer, so
/// both what holds the lease and the end of the name it works on show.
fn fit_holder(holder: &str) -> String {
    let count = holder.chars().count();
    if count <= HOLDER_MAX {
        return holder.to_owned();
    }
    let head = 40;
    let tail = HOLDER_MAX - head - 1;
    let mut fitted: String = holder.chars().take(head).collect();
    fitted.push('…');
    fitted.extend(holder.chars().skip(count - tail));
    fitted
}

/// Unique across processes (pid) and within one (time and a counter).
fn new_lease_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!(
        "{:x}-{:x}-{:x}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let long = "x".repeat(129);
        let cases: &[(&str, bool)] = &[
            ("prod", true),
            ("team ci", true),
            ("a pull of redis:latest", true),
            ("", false),
            ("  ", false),
            ("a\nb", false),
            (&long, false),
        ];
        for (value, ok) in cases {
            assert_eq!(validate_name("pin name", value).is_ok(), *ok, "{value:?}");
        }
    }

    #[test]
    fn ids_are_unique_file_names() {
        let a = new_lease_id();
        let b = new_lease_id();
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() || c == '-'), "{a}");
    }

    #[test]
    fn long_holders_are_cut_in_the_middle_and_hold_all_holds_each() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(dir.path()).expect("store");
        let digest = |c: char| -> Digest {
            format!("sha256:{}", c.to_string().repeat(64))
                .parse()
                .expect("digest")
        };
        let name = format!("registry.example.com/{}/app", "team".repeat(20));
        let holder = format!("a pull of {name}@{}", digest('a'));
        assert!(holder.chars().count() > HOLDER_MAX);

        let lease = store
            .lease(&holder, Duration::from_secs(60))
            .expect("lease");
        assert_eq!(lease.holder().chars().count(), HOLDER_MAX);
        assert!(
            lease
                .holder()
                .starts_with("a pull of registry.example.com/"),
            "{}",
            lease.holder()
        );
        assert!(
            lease
                .holder()
                .ends_with(&format!("team/app@{}", digest('a'))),
            "{}",
            lease.holder()
        );

        lease
            .hold_all(&[digest('b'), digest('c'), digest('b')])
            .expect("hold");
        let info = store.leases().expect("leases");
        assert_eq!(info.len(), 1);
        let mut held = info[0].digests.clone();
        held.sort_by_key(|d| d.to_string());
        assert_eq!(held, vec![digest('b'), digest('c')]);
    }
}
