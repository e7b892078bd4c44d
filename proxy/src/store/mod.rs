//! The local store: a containerd-style content-addressable blob store plus
//! a metadata database, in one folder that several processes share.
//!
//! ```text
//! <store>/
//!   blobs/sha256/<hex>      immutable content, named by its digest
//!   indexes/sha256/<hex>    a layer blob's random-access index (derived)
//!   ingest/…                writes in progress, hashed as they arrive
//!   locks/…                 per-digest writer locks, lease locks
//!   meta.db                 images, tags, repo digests, pins, leases (SQLite;
//!                           another metadata backend leaves it out)
//! ```
//!
//! # Pieces
//! - [`content`]: the blob store behind role traits ([`Provider`],
//!   [`Ingester`], [`Manager`]) and its folder implementation
//!   [`LocalContent`]. Commit checks size and digest, fsyncs, renames,
//!   fsyncs the folder; a mismatch never becomes visible; one writer per
//!   digest across threads and processes.
//! - [`metadata`]: images, tags, repo digests, layers, pins, leases and
//!   which blobs they reference, behind role traits ([`ImageRecords`],
//!   [`References`], [`Pins`], [`Leases`], [`BlobReferences`], together
//!   [`Metadata`]), each method one transaction. [`SqliteMetadata`]
//!   (`metadata/sqlite/`) holds every line of SQL in the codebase.
//! - [`Store`] (`handle.rs`): the content plus a `Box<dyn Metadata>`,
//!   with the `docker image` operations, one concept per file:
//!   `image_records.rs` ([`Store::record_image`], [`Store::tag`],
//!   [`Store::list`]), `resolve.rs` ([`Store::resolve`]), `remove.rs`
//!   ([`Store::remove`]), `pins.rs` ([`Store::pin`]/[`Store::unpin`]),
//!   `lease.rs` ([`Store::lease`]), `gc.rs` ([`Store::gc`]), `fsck.rs`
//!   ([`Store::fsck`]), `usage.rs` ([`Store::usage`]), `disk_usage.rs`
//!   (`system df`'s facts, [`Store::disk_usage`]), `prune.rs`
//!   ([`Store::prune`]: `image prune`), `image_tree.rs`
//!   ([`Store::image_tree`]: `images --tree`), `repository.rs`
//!   (which blobs a repository's images hold, [`Store::repository_has`]),
//!   `retention.rs` ([`Store::retain`]: a `--retain` policy applied),
//!   `small_blobs.rs` (manifests and configs read and written whole),
//!   `unpacked.rs` (what layers unpack to, [`Store::learn_unpacked`]),
//!   `layer_indexes.rs` (layers' random-access indexes,
//!   [`Store::layer_index`], kept beside the blobs).
//! - Coordination through files in the folder (`lock.rs`): one writer
//!   per digest, lease holders' locks, and the delete lock that orders
//!   `gc`/`rm` deletions against new leases.
//!
//! # Why SQLite
//! The CLI and a running `strata serve` use the same store at the same
//! time, and two `strata pull`s may run at once; each is its own process.
//! SQLite (bundled, so every machine has the same version) gives
//! transactions that are atomic across processes with no server to run:
//! in WAL mode readers never wait, writers queue on a busy timeout instead
//! of failing, and a crash at any point leaves the last committed state.
//! redb and sled lock the database file for one process, which would make
//! `strata images` fail while `strata serve` runs.
//!
//! # Crash safety
//! Blobs become visible only by an atomic rename after fsync; metadata
//! changes are transactions; `rm` and `gc` delete files only after the
//! transaction that unreferenced them committed. So after a crash the
//! worst left behind is an unfinished write (removed on the next open) or
//! an unreferenced blob (listed by [`Store::fsck`], deleted by
//! [`Store::gc`]). Neither is a problem `fsck` reports.
//!
//! # Scaling out
//! Blobs are content-addressed, so another backend, [`S3Content`]
//! (S3-compatible object storage, `--blob-store s3://…`), implements the
//! [`content`] traits and passes the same conformance suite; a [`Store`]
//! holds either ([`Content`], opened with [`Store::with_content`]), and
//! keeps its database and locks in the folder. Likewise the metadata: a PostgreSQL backend
//! implements the [`metadata`] traits (no SQL lives outside
//! `metadata/sqlite/`), passes `proxy/tests/metadata_conformance.rs`, and
//! is handed to [`Store::with_metadata`]. The per-digest and lease locks
//! (`lock.rs`) are then the only local-file coordination left; such a
//! backend would replace them with advisory locks.

pub mod content;
mod disk_usage;
mod error;
mod fetch_writer;
mod fsck;
mod gc;
mod handle;
mod image_records;
mod image_tree;
mod layer_indexes;
mod layout;
mod lease;
mod lock;
pub mod metadata;
mod pins;
mod prune;
mod record;
mod referrer_lists;
mod remove;
mod repository;
mod resolve;
mod retention;
mod shared_locks;
mod small_blobs;
mod unpacked;
mod usage;
mod waiting;

pub use content::{
    BlobInfo, BlobReader, BlobWriter, Content, ContentStore, ContentWriter, Ingest, Ingester,
    LayerIndexes, LocalContent, Manager, Provider, S3Content, StoreWriter,
};
pub use disk_usage::UsageFacts;
pub use error::{Conflict, StoreError};
pub use fetch_writer::WRITER_PATIENCE;
pub use fsck::{BrokenReference, CorruptBlob, FsckReport};
pub use handle::Store;
pub use image_records::PULL_TIME_GRANULARITY;
pub use layer_indexes::IndexReport;
pub use lease::{LeaseGuard, LeaseInfo};
pub use metadata::{
    BlobReferences, ImageRecords, Leases, Metadata, Pins, RecordOutcome, References, ReferrerLists,
    RepoName, SqliteMetadata, WaitingImage, WaitingImages,
};
pub use prune::{PrunePreview, PruneReport, PrunedImage};
pub use record::{BlobRef, ImageId, ImageRecord, ImageRow, LayerRecord};
pub use remove::RemoveLine;
pub use retention::{Eviction, RetentionReport, Skipped};
pub use shared_locks::{LockKey, Mode, SharedLocks};
pub use small_blobs::SMALL_BLOB_MAX;
pub use unpacked::UnpackedReport;
pub use usage::StoreUsage;
