//! Where each part of a local store lives on disk.
//!
//! ```text
//! <store>/
//!   blobs/<algorithm>/<hex>        immutable content, named by its digest
//!   indexes/<algorithm>/<hex>      a layer blob's random-access index
//!   indexes/<algorithm>/<hex>.<tag> an index being written (renamed when done)
//!   ingest/<algorithm>-<hex>       a write in progress (never read as content)
//!   ingest/<algorithm>-<hex>.<tag> a write beside it (locked on itself)
//!   locks/<algorithm>-<hex>.lock   held by the one writer of that digest
//!   locks/lease-<id>.lock          held by a live lease's process
//!   locks/delete.lock              deleters exclusive, lease holders shared
//!   meta.db (+ -wal, -shm)         the metadata database (SQLite, WAL mode)
//! ```

use std::path::{Path, PathBuf};

use shared::digest::{Algorithm, Digest};

/// The paths of one store folder.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    root: PathBuf,
}

/// Every algorithm a blob folder may exist for.
pub(crate) const ALGORITHMS: [Algorithm; 2] = [Algorithm::Sha256, Algorithm::Sha512];

impl Layout {
    pub(crate) fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn blobs_dir(&self, algorithm: Algorithm) -> PathBuf {
        self.root.join("blobs").join(algorithm.as_str())
    }

    pub(crate) fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs_dir(digest.algorithm()).join(digest.encoded())
    }

    pub(crate) fn indexes_dir(&self, algorithm: Algorithm) -> PathBuf {
        self.root.join("indexes").join(algorithm.as_str())
    }

    /// Where the index of the layer blob `digest` lives.
    pub(crate) fn index_path(&self, digest: &Digest) -> PathBuf {
        self.indexes_dir(digest.algorithm()).join(digest.encoded())
    }

    pub(crate) fn ingest_dir(&self) -> PathBuf {
        self.root.join("ingest")
    }

    pub(crate) fn ingest_path(&self, digest: &Digest) -> PathBuf {
        self.ingest_dir().join(flat_name(digest))
    }

    /// `ingest/<algorithm>-<hex>.<tag>`: the ingest file of a writer
    /// beside the digest's locked one; it holds a lock on itself.
    pub(crate) fn ingest_beside_path(&self, digest: &Digest, tag: &str) -> PathBuf {
        self.ingest_dir()
            .join(format!("{}.{tag}", flat_name(digest)))
    }

    pub(crate) fn locks_dir(&self) -> PathBuf {
        self.root.join("locks")
    }

    pub(crate) fn digest_lock(&self, digest: &Digest) -> PathBuf {
        self.locks_dir().join(format!("{}.lock", flat_name(digest)))
    }

    pub(crate) fn lease_lock(&self, lease_id: &str) -> PathBuf {
        self.locks_dir().join(format!("lease-{lease_id}.lock"))
    }

    pub(crate) fn delete_lock(&self) -> PathBuf {
        self.locks_dir().join("delete.lock")
    }

    pub(crate) fn db_path(&self) -> PathBuf {
        self.root.join("meta.db")
    }
}

/// `sha256-<hex>`: a digest as one file name.
fn flat_name(digest: &Digest) -> String {
    format!("{}-{}", digest.algorithm(), digest.encoded())
}

/// The digest a flat name (`sha256-<hex>`, any suffix removed by the
/// caller) stands for, if it is one.
pub(crate) fn parse_flat_name(name: &str) -> Option<Digest> {
    let (algorithm, hex) = name.split_once('-')?;
    Digest::new(algorithm.parse().ok()?, hex).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_flat_names() {
        let d = Digest::sha256_of(b"x");
        let layout = Layout::new(Path::new("/s"));
        let hex = d.encoded();
        let cases = [
            (layout.blob_path(&d), format!("/s/blobs/sha256/{hex}")),
            (layout.ingest_path(&d), format!("/s/ingest/sha256-{hex}")),
            (layout.index_path(&d), format!("/s/indexes/sha256/{hex}")),
            (
                layout.digest_lock(&d),
                format!("/s/locks/sha256-{hex}.lock"),
            ),
            (layout.lease_lock("ab"), "/s/locks/lease-ab.lock".to_owned()),
            (layout.db_path(), "/s/meta.db".to_owned()),
        ];
        for (got, want) in cases {
            assert_eq!(got, PathBuf::from(want));
        }
        assert_eq!(parse_flat_name(&format!("sha256-{hex}")), Some(d));
        for bad in ["", "sha256", "sha256-xyz", "md5-00", "delete", "lease-ab"] {
            assert_eq!(parse_flat_name(bad), None, "{bad}");
        }
    }
}
