//! The local store: a containerd-style content-addressable blob store plus
//! a metadata database, in one folder that several processes share.
//!
//! ```text
//! <store>/
//!   blobs/sha256/<hex>      immutable content, named by its digest
//!   ingest/…                writes in progress, hashed as they arrive
//!   locks/…                 per-digest writer locks, lease locks
//!   meta.db                 images, tags, repo digests, pins, leases (SQLite)
//! ```
//!
//! # Pieces
//! - [`content`]: the blob store behind role traits ([`Provider`],
//!   [`Ingester`], [`Manager`]) and its folder implementation
//!   [`LocalContent`]. Commit checks size and digest, fsyncs, renames,
//!   fsyncs the folder; a mismatch never becomes visible; one writer per
//!   digest across threads and processes.
//! - [`Store`]: the content plus the metadata, with the `docker image`
//!   operations: [`Store::record_image`], [`Store::tag`],
//!   [`Store::resolve`], [`Store::list`], [`Store::remove`],
//!   [`Store::pin`]/[`Store::unpin`], [`Store::lease`], [`Store::gc`],
//!   [`Store::fsck`], [`Store::usage`], and which blobs a repository's
//!   images hold ([`Store::repository_has`]).
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
//! Blobs are content-addressed, so another backend (S3-compatible object
//! storage) implements the [`content`] traits and passes the same
//! conformance suite. The metadata queries are plain SQL in
//! `images.rs`, `resolve.rs`, `remove.rs`, … and the per-digest and lease
//! locks are the only local-file coordination; a PostgreSQL backend would
//! replace those with advisory locks.

pub mod content;
mod error;
mod fsck;
mod gc;
mod handle;
mod images;
mod layout;
mod lease;
mod lock;
mod meta;
mod pins;
mod record;
mod remove;
mod repository;
mod resolve;
mod shortcuts;
mod usage;

pub use content::{
    BlobInfo, BlobReader, BlobWriter, ContentStore, ContentWriter, Ingest, Ingester, LocalContent,
    Manager, Provider,
};
pub use error::{Conflict, StoreError};
pub use fsck::{BrokenReference, CorruptBlob, FsckReport};
pub use handle::Store;
pub use images::RecordOutcome;
pub use lease::{LeaseGuard, LeaseInfo};
pub use record::{BlobRef, ImageId, ImageRecord, ImageRow, LayerRecord};
pub use remove::RemoveLine;
pub use shortcuts::SMALL_BLOB_MAX;
pub use usage::StoreUsage;
