//! How much `/v2` takes on at once, and the slowest peers it keeps (the
//! pace of one blob transfer is the registry client's:
//! [`crate::registry::pace`]).

/// The most short upstream requests (manifests, tag lists, `HEAD`s) `/v2`
/// has open at once; more wait their turn.
pub const MAX_UPSTREAM_FETCHES: usize = 16;

/// The most blob transfers (upstream to store and client) `/v2` runs at
/// once; more wait their turn. A pool of their own, so that long layer
/// downloads never hold up the short requests every pull starts with.
/// Caps the sockets, file handles and ingest files clients can make
/// strata hold.
pub const MAX_BLOB_TRANSFERS: usize = 16;

/// How long the leading client may take no bytes before it is dropped.
pub const CLIENT_STALL: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a request waits for a turn in a full pool (transfers or short
/// upstream requests) before it is answered `503` with `Retry-After`.
pub const PERMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a manifest (or tag list) body may take to arrive once the
/// upstream answered.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// The largest blob `/v2` fetches (`strata serve --max-blob-size`): a
/// body without `Content-Length` is cut there, a larger one is refused.
pub const MAX_BLOB_SIZE: u64 = 16 << 30;
