//! Which images a save writes, under which names, and the documents that
//! list them (`index.json`, `manifest.json`, `repositories`): one
//! selection for both formats.
//!
//! An argument is anything `strata images`/`rm` take. One that is a
//! `name[:tag]` (default `latest`) the image is tagged with gives the
//! image that name, as `docker save` does; an ID, an ID prefix or
//! `name@digest` saves the image without names. An image named twice is
//! written once, with both names.

use shared::archive::{ArchiveEntry, MemberPath, Repositories, layout};
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::reference::Reference;

use super::ArchiveError;
use crate::store::{ImageRecord, Store};

/// One image to save and the names to save it under.
#[derive(Debug, Clone)]
pub struct Selected {
    /// The image.
    pub record: ImageRecord,
    /// Its names (canonical, tagged); none for an image saved by ID.
    pub names: Vec<Reference>,
}

/// The images `args` name, each once, in argument order.
pub fn select(store: &Store, args: &[String]) -> Result<Vec<Selected>, ArchiveError> {
    let mut selected: Vec<Selected> = Vec::new();
    for arg in args {
        let record = store.resolve(arg)?;
        let row = store.row(&record.id)?;
        let name = arg
            .parse::<Reference>()
            .ok()
            .filter(|r| r.digest().is_none())
            .map(|r| r.with_default_tag())
            .filter(|r| row.repo_tags.contains(r));
        match selected.iter_mut().find(|s| s.record.id == record.id) {
            Some(known) => known
                .names
                .extend(name.filter(|n| !known.names.contains(n))),
            None => selected.push(Selected {
                record,
                names: name.into_iter().collect(),
            }),
        }
    }
    Ok(selected)
}

/// Every blob of the selection (config, layers, manifest), each once,
/// with its size.
pub(crate) fn blobs(selected: &[Selected]) -> Vec<(Digest, u64)> {
    let mut out: Vec<(Digest, u64)> = Vec::new();
    for image in selected {
        let record = &image.record;
        let all = std::iter::once((record.id.digest(), record.config_size))
            .chain(record.layers.iter().map(|l| (&l.digest, l.size)))
            .chain(std::iter::once((
                &record.manifest.digest,
                record.manifest.size,
            )));
        for (digest, size) in all {
            if !out.iter().any(|(d, _)| d == digest) {
                out.push((digest.clone(), size));
            }
        }
    }
    out
}

/// `index.json`: one entry per name (one unnamed entry for an image with
/// none), as Docker writes it.
pub(crate) fn index_json(selected: &[Selected]) -> Vec<u8> {
    let mut entries = Vec::new();
    for image in selected {
        let manifest = &image.record.manifest;
        let descriptor = Descriptor::new(
            manifest.media_type.clone(),
            manifest.digest.clone(),
            manifest.size,
        );
        if image.names.is_empty() {
            entries.push(layout::index_entry(descriptor.clone(), None));
        }
        for name in &image.names {
            entries.push(layout::index_entry(descriptor.clone(), Some(name)));
        }
    }
    serde_json::to_vec(&layout::index(entries)).unwrap_or_default()
}

/// `manifest.json` and `repositories` of the docker-archive.
pub(crate) fn docker_documents(selected: &[Selected]) -> (Vec<u8>, Vec<u8>) {
    let entries: Vec<ArchiveEntry> = selected
        .iter()
        .map(|image| ArchiveEntry {
            config: MemberPath::blob(image.record.id.digest()),
            repo_tags: image.names.clone(),
            layers: image
                .record
                .layers
                .iter()
                .map(|l| MemberPath::blob(&l.digest))
                .collect(),
        })
        .collect();
    (
        ArchiveEntry::to_json(&entries),
        Repositories::of(&entries).to_json(),
    )
}

/// A stored blob, read through a check of its digest and size.
pub(crate) fn open_blob(
    store: &Store,
    digest: &Digest,
    size: u64,
) -> Result<impl std::io::Read, ArchiveError> {
    use crate::store::Provider as _;
    let blob = store.content().open(digest)?;
    Ok(shared::digest::Verified::new(
        blob.reader,
        digest.clone(),
        Some(size),
    ))
}
