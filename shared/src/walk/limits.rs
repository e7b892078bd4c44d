//! How large the documents of an image may be, on every path that reads
//! them (pull, `/v2` recording, the image page, Verify, the explorer).

/// The largest manifest or index read: 4 MiB, the limit the distribution
/// registry (and Docker Hub) put on manifests they accept.
pub const MAX_MANIFEST: u64 = 4 << 20;

/// The largest config read: 16 MiB (a real one is a few kB; an image with
/// thousands of history entries stays well under a megabyte).
pub const MAX_CONFIG: u64 = 16 << 20;
