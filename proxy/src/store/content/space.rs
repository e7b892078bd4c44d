//! The free-space reserve: blob writes stop before the store's filesystem
//! fills up, so a huge or endless blob cannot take the disk (and with it
//! the metadata database and everything else on it) down.
//!
//! A writer checks when it starts (for the size it expects, when known)
//! and again every [`CHECK_EVERY`] bytes. The reserve is
//! [`MIN_FREE_SPACE`] unless set (`strata --min-free-space`); `0` turns
//! the check off. Off Unix the free space is not measured.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::StoreError;

/// The free space a store keeps by default: 1 GiB.
pub const MIN_FREE_SPACE: u64 = 1 << 30;

/// How many bytes a writer writes between two looks at the free space.
pub(crate) const CHECK_EVERY: u64 = 32 << 20;

/// The reserve of one store folder; clones share it.
#[derive(Clone, Debug)]
pub(crate) struct SpaceReserve {
    dir: PathBuf,
    reserve: Arc<AtomicU64>,
}

impl SpaceReserve {
    pub(crate) fn new(dir: &Path) -> SpaceReserve {
        SpaceReserve {
            dir: dir.to_path_buf(),
            reserve: Arc::new(AtomicU64::new(MIN_FREE_SPACE)),
        }
    }

    /// Sets the bytes to keep free (`0`: no check).
    pub(crate) fn set(&self, bytes: u64) {
        self.reserve.store(bytes, Ordering::Relaxed);
    }

    /// Fails with [`StoreError::LowSpace`] when writing `needed` more
    /// bytes would leave less than the reserve free.
    pub(crate) fn check(&self, needed: u64) -> Result<(), StoreError> {
        let reserve = self.reserve.load(Ordering::Relaxed);
        if reserve == 0 {
            return Ok(());
        }
        let Some(available) = available(&self.dir) else {
            return Ok(());
        };
        if available.saturating_sub(needed) < reserve {
            return Err(StoreError::LowSpace {
                path: self.dir.clone(),
                available,
                needed,
                reserve,
            });
        }
        Ok(())
    }
}

#[cfg(unix)]
fn available(dir: &Path) -> Option<u64> {
    let stats = rustix::fs::statvfs(dir).ok()?;
    Some(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(not(unix))]
fn available(_: &Path) -> Option<u64> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_refuses_what_would_go_below_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let space = SpaceReserve::new(dir.path());
        let free = available(dir.path()).expect("statvfs");
        #[rustfmt::skip]
        let cases: [(&str, u64, u64, bool); 5] = [
            ("no reserve", 0, u64::MAX, true),
            ("a small reserve, a small write", 1, 1, true),
            ("the reserve is all the free space", free + 1, 0, false),
            ("a write larger than the disk", 1, u64::MAX, false),
            ("a petabyte reserve", 1 << 50, 0, false),
        ];
        for (case, reserve, needed, ok) in cases {
            space.set(reserve);
            let result = space.check(needed);
            assert_eq!(result.is_ok(), ok, "{case}: {result:?}");
            if let Err(e) = result {
                assert!(e.to_string().contains("--min-free-space"), "{case}: {e}");
            }
        }
    }
}
