//! [`save_oci_dir`]: the selection as an OCI image layout folder, which
//! `skopeo copy oci:DIR:TAG` and `strata load -i DIR` read.
//!
//! The folder must be new or empty. Blobs are copied from the store
//! through a digest check; `index.json` names each image as in the
//! docker-archive (`org.opencontainers.image.ref.name` is the tag).

use std::fs;
use std::path::Path;

use shared::archive::{MemberPath, layout};

use super::ArchiveError;
use super::selection::{Selected, blobs, index_json, open_blob};
use crate::store::Store;

/// Writes the layout of `selected` into the folder `dir`.
pub fn save_oci_dir(store: &Store, selected: &[Selected], dir: &Path) -> Result<(), ArchiveError> {
    if dir.exists() {
        let mut entries = fs::read_dir(dir).map_err(ArchiveError::io("reading", dir))?;
        if entries.next().is_some() {
            return Err(ArchiveError::NotEmpty {
                path: dir.to_owned(),
            });
        }
    }
    let blob_dir = dir.join("blobs/sha256");
    fs::create_dir_all(&blob_dir).map_err(ArchiveError::io("creating", &blob_dir))?;
    for (digest, size) in blobs(selected) {
        let path = dir.join(MemberPath::blob(&digest).as_str());
        let mut reader = open_blob(store, &digest, size)?;
        let mut file = fs::File::create(&path).map_err(ArchiveError::io("creating", &path))?;
        std::io::copy(&mut reader, &mut file).map_err(ArchiveError::io("writing", &path))?;
    }
    let write = |member: MemberPath, bytes: &[u8]| {
        let path = dir.join(member.as_str());
        fs::write(&path, bytes).map_err(ArchiveError::io("writing", &path))
    };
    write(MemberPath::oci_layout(), layout::LAYOUT_VERSION)?;
    write(MemberPath::index_json(), &index_json(selected))?;
    Ok(())
}
