//! [`save`]: the docker-archive `docker save` (25+) writes, with the OCI
//! layout inside it.
//!
//! ```text
//! oci-layout
//! blobs/sha256/<hex>    config, layers and manifest of every image, each once
//! index.json            one entry per name (io.containerd.image.name, ref.name)
//! manifest.json         [{Config, RepoTags, Layers}] pointing into blobs/
//! repositories          legacy names
//! ```
//!
//! Layers are written as stored (compressed), which `docker load` and
//! podman accept: both decompress a layer to check it against the
//! config's diff_ids. Blobs stream from the store through a digest check;
//! none is held in memory.

use std::io::Write;

use shared::archive::{MemberPath, layout};

use super::ArchiveError;
use super::selection::{Selected, blobs, docker_documents, index_json, open_blob};
use crate::store::Store;

/// Writes the archive of `selected` into `out`; returns `out`, flushed.
pub fn save<W: Write>(store: &Store, selected: &[Selected], out: W) -> Result<W, ArchiveError> {
    let failed = |e: std::io::Error| ArchiveError::Io {
        action: "writing",
        path: "the archive".into(),
        source: e,
    };
    let mut tar = tar::Builder::new(out);
    for folder in ["blobs/", "blobs/sha256/"] {
        let mut header = header(tar::EntryType::Directory, 0o755, 0);
        tar.append_data(&mut header, folder, std::io::empty())
            .map_err(failed)?;
    }
    append(&mut tar, &MemberPath::oci_layout(), layout::LAYOUT_VERSION).map_err(failed)?;
    for (digest, size) in blobs(selected) {
        let reader = open_blob(store, &digest, size)?;
        let mut header = header(tar::EntryType::Regular, 0o644, size);
        tar.append_data(&mut header, MemberPath::blob(&digest).as_str(), reader)
            .map_err(failed)?;
    }
    let (manifest_json, repositories) = docker_documents(selected);
    append(&mut tar, &MemberPath::index_json(), &index_json(selected)).map_err(failed)?;
    append(&mut tar, &MemberPath::manifest_json(), &manifest_json).map_err(failed)?;
    append(&mut tar, &MemberPath::repositories(), &repositories).map_err(failed)?;
    let mut out = tar.into_inner().map_err(failed)?;
    out.flush().map_err(failed)?;
    Ok(out)
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &MemberPath,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut header = header(tar::EntryType::Regular, 0o644, bytes.len() as u64);
    tar.append_data(&mut header, path.as_str(), bytes)
}

/// A header with fixed owner and time, so two saves of the same images
/// are byte-identical.
fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}
