//! [`Intake`]: a load's writes into the store. Every blob is checked
//! against its digest and size as it streams in, and every layer is
//! decompressed on the way to check it against the config's diff_id; a
//! blob the store already holds is still read and checked, so the archive
//! is verified whole. What the load wrote is noted, so that a failed load
//! deletes it.

use std::io::Read;

use shared::archive::MemberPath;
use shared::digest::{Digest, Hasher};
use shared::layer::{LayerDecoder, Unpacked};
use shared::media_type::Compression;

use super::ArchiveError;
use super::members::Members;
use crate::store::{ContentWriter, Ingest, LeaseGuard, Store};

/// How much of a member is read at once.
const CHUNK: usize = 256 << 10;

/// A layer that passed its checks: its blob's digest and what it unpacks
/// to (its diff_id and uncompressed size), as the store notes them.
pub type UnpackedLayer = (Digest, Unpacked);

/// A layer [`Intake::layer`] stored and checked.
#[derive(Clone, Debug)]
pub(crate) struct CheckedLayer {
    /// Its facts.
    pub(crate) unpacked: UnpackedLayer,
    /// The blob's size (compressed, as stored).
    pub(crate) blob_size: u64,
}

/// What a layer is expected to be.
#[derive(Debug)]
pub(crate) struct LayerCheck<'a> {
    /// The blob's digest.
    pub(crate) blob: &'a Digest,
    /// Whether the blob digest was given (a descriptor, a member name):
    /// otherwise it is the diff_id itself (an uncompressed legacy layer)
    /// and the diff_id check says it all.
    pub(crate) blob_given: bool,
    /// The descriptor's size, if there is a descriptor.
    pub(crate) size: Option<u64>,
    /// How the blob is compressed.
    pub(crate) compression: Compression,
    /// The config's diff_id for it.
    pub(crate) diff_id: &'a Digest,
}

/// The store side of one load: its lease and the blobs it wrote.
pub(crate) struct Intake<'a> {
    store: &'a Store,
    lease: &'a LeaseGuard,
    written: Vec<Digest>,
}

impl<'a> Intake<'a> {
    /// Writes into `store`, holding what it writes under `lease`.
    pub(crate) fn new(store: &'a Store, lease: &'a LeaseGuard) -> Self {
        Intake {
            store,
            lease,
            written: Vec::new(),
        }
    }

    /// The blobs this load wrote (the store did not hold them before).
    pub(crate) fn into_written(self) -> Vec<Digest> {
        self.written
    }

    /// Stores a small document read from `member`, checked against
    /// `expected` (digest and size) when given; returns its digest.
    pub(crate) fn small(
        &mut self,
        member: &MemberPath,
        bytes: &[u8],
        expected: Option<(&Digest, u64)>,
    ) -> Result<Digest, ArchiveError> {
        let actual = Digest::sha256_of(bytes);
        if let Some((digest, size)) = expected {
            if bytes.len() as u64 != size {
                return Err(ArchiveError::SizeMismatch {
                    member: member.clone(),
                    expected: size,
                    actual: bytes.len() as u64,
                });
            }
            if *digest != actual {
                return Err(ArchiveError::DigestMismatch {
                    member: member.clone(),
                    expected: digest.clone(),
                    actual,
                });
            }
        }
        self.lease.hold(&actual)?;
        if self.store.put_small(&actual, bytes)? {
            self.written.push(actual.clone());
        }
        Ok(actual)
    }

    /// Streams the layer `member` into the store, checking it against
    /// `check`; returns its facts once every check passed.
    pub(crate) fn layer(
        &mut self,
        members: &Members,
        member: &MemberPath,
        named_by: &str,
        check: &LayerCheck<'_>,
    ) -> Result<CheckedLayer, ArchiveError> {
        let mut opened = members.open(member, named_by)?;
        if let Some(size) = check.size
            && size != opened.size
        {
            return Err(ArchiveError::SizeMismatch {
                member: member.clone(),
                expected: size,
                actual: opened.size,
            });
        }
        self.lease.hold(check.blob)?;
        let mut writer = match self.store.writer(check.blob, Some(opened.size)) {
            Ok(Ingest::Writer(writer)) => Some(writer),
            Ok(Ingest::Exists(_)) => None,
            // The store holds a blob of that digest with another size: the
            // member's bytes cannot have that digest.
            Err(crate::store::StoreError::SizeMismatch { actual, .. }) => {
                return Err(ArchiveError::SizeMismatch {
                    member: member.clone(),
                    expected: actual,
                    actual: opened.size,
                });
            }
            Err(e) => return Err(e.into()),
        };
        let mut hasher = Hasher::new(check.blob.algorithm());
        let mut decoder = LayerDecoder::new(check.compression);
        let decode_error = |problem| ArchiveError::Decode {
            member: member.clone(),
            problem,
        };
        // A layer that does not decompress is reported after the digest
        // check: altered bytes are a digest mismatch first.
        let mut undecodable = None;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match opened.reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(members.read_error(e)),
            };
            let chunk = &buf[..n];
            hasher.update(chunk);
            if let Some(writer) = writer.as_mut() {
                writer.write(chunk)?;
            }
            if undecodable.is_none() {
                undecodable = decoder.update(chunk).err();
            }
        }
        if hasher.bytes_seen() != opened.size {
            return Err(ArchiveError::Truncated {
                problem: format!("the member {member} ends early"),
            });
        }
        let actual = hasher.finish();
        if check.blob_given && actual != *check.blob {
            return Err(ArchiveError::DigestMismatch {
                member: member.clone(),
                expected: check.blob.clone(),
                actual,
            });
        }
        if let Some(problem) = undecodable {
            return Err(decode_error(problem));
        }
        let unpacked = decoder.finish_unpacked().map_err(decode_error)?;
        if unpacked.diff_id != *check.diff_id {
            return Err(ArchiveError::DiffIdMismatch {
                member: member.clone(),
                diff_id: check.diff_id.clone(),
                actual: unpacked.diff_id,
            });
        }
        if let Some(writer) = writer {
            writer.commit()?;
            self.written.push(check.blob.clone());
        }
        Ok(CheckedLayer {
            unpacked: (check.blob.clone(), unpacked),
            blob_size: opened.size,
        })
    }
}
