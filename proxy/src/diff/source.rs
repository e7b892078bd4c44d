//! Where one image of a diff comes from: the store, when it holds an image
//! by that name, else the registry the reference names. A layer blob the
//! store holds is read from the store whichever image it belongs to, so
//! layers a stored image shares with a remote one are never downloaded.
//! Either way every
//! byte is checked against its digest as it streams: documents by the
//! walk ([`shared::walk`]) or the store's commit-on-verify, layers by a
//! [`LayerListing`].

use futures_util::StreamExt as _;
use shared::config::ImageConfig;
use shared::diff::Image;
use shared::digest::Digest;
use shared::manifest::{Descriptor, ImageManifest};
use shared::merged::{LayerListing, Listed};
use shared::reference::Reference;
use shared::walk::{Fetched, Need, PlatformChoice, Walk};
use std::sync::Arc;

use super::DiffError;
use crate::registry::{RegistryClient, RegistryError};
use crate::store::{Provider as _, Store, StoreError};

/// Bytes read from a stored blob at once.
const READ_CHUNK: usize = 256 << 10;

/// One image of a diff: its verified manifest and config, and where its
/// layers are read from.
pub struct Source {
    /// How the user named it.
    pub name: String,
    /// The image manifest's digest.
    pub digest: Digest,
    /// The image manifest.
    pub manifest: ImageManifest,
    /// The image config.
    pub config: ImageConfig,
    store: Arc<Store>,
    /// The registry the image is read from, unless the store holds it.
    remote: Option<(RegistryClient, Reference)>,
}

impl Source {
    /// The image `name` names: from `store` when it holds it, else from the
    /// registry through `client` (a multi-platform image's entry chosen by
    /// `choice`).
    pub async fn open(
        store: &Arc<Store>,
        client: &RegistryClient,
        name: &str,
        choice: &PlatformChoice,
    ) -> Result<Source, DiffError> {
        let stored = {
            let (store, name) = (store.clone(), name.to_owned());
            tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
                let record = match store.resolve(&name) {
                    Ok(record) => record,
                    Err(StoreError::NoSuchImage { .. } | StoreError::InvalidReference { .. }) => {
                        return Ok(None);
                    }
                    Err(e) => return Err(e),
                };
                let manifest = store.image_manifest(&record)?;
                let config = store.image_config(&record)?;
                Ok(Some((record.manifest.digest, manifest, config)))
            })
            .await
            .map_err(|e| DiffError::Task(e.to_string()))??
        };
        if let Some((digest, manifest, config)) = stored {
            return Ok(Source {
                name: name.to_owned(),
                digest,
                manifest,
                config,
                store: store.clone(),
                remote: None,
            });
        }
        let reference: Reference = name.parse().map_err(|source| DiffError::Name {
            name: name.to_owned(),
            source,
        })?;
        let reference = reference.with_default_tag();
        let image = walk(client, &reference, choice)
            .await
            .map_err(|e| match e {
                DiffError::Registry(source @ RegistryError::NotFound { .. }) => {
                    DiffError::Unknown {
                        name: name.to_owned(),
                        source,
                    }
                }
                other => other,
            })?;
        Ok(Source {
            name: name.to_owned(),
            digest: image.0,
            manifest: image.1,
            config: image.2,
            store: store.clone(),
            remote: Some((client.clone(), reference)),
        })
    }

    /// The image as [`shared::diff`] reads it.
    pub fn image(&self) -> Image<'_> {
        Image {
            reference: &self.name,
            digest: &self.digest,
            manifest: &self.manifest,
            config: &self.config,
        }
    }

    /// Layer `descriptor`'s entries and content digests, every byte
    /// verified against it: from
    /// the store when it holds the blob (whichever image brought it), else
    /// from the image's registry.
    pub async fn layer(&self, descriptor: &Descriptor) -> Result<Listed, DiffError> {
        let stored = {
            let (store, digest) = (self.store.clone(), descriptor.digest.clone());
            tokio::task::spawn_blocking(move || store.blob_size(&digest))
                .await
                .map_err(|e| DiffError::Task(e.to_string()))??
                .is_some()
        };
        match &self.remote {
            Some((client, reference)) if !stored => {
                let failed = |e| DiffError::Layer {
                    digest: descriptor.digest.clone(),
                    source: e,
                };
                let mut response = client.get_blob(reference, &descriptor.digest, None).await?;
                let mut listing = LayerListing::new(descriptor);
                while let Some(chunk) = response.stream.next().await {
                    listing.feed(&chunk?).map_err(failed)?;
                }
                listing.finish().map_err(failed)
            }
            _ => {
                let (store, descriptor) = (self.store.clone(), descriptor.clone());
                tokio::task::spawn_blocking(move || stored_layer(&store, &descriptor))
                    .await
                    .map_err(|e| DiffError::Task(e.to_string()))?
            }
        }
    }
}

/// A stored layer's entries, read through the same check.
fn stored_layer(store: &Store, descriptor: &Descriptor) -> Result<Listed, DiffError> {
    let failed = |e| DiffError::Layer {
        digest: descriptor.digest.clone(),
        source: e,
    };
    let mut blob = store.content().open(&descriptor.digest)?;
    let mut listing = LayerListing::new(descriptor);
    let mut buffer = vec![0u8; READ_CHUNK];
    loop {
        let n = blob.reader.read(&mut buffer).map_err(StoreError::io(
            "reading",
            store.content().blob_path(&descriptor.digest),
        ))?;
        if n == 0 {
            break;
        }
        listing.feed(&buffer[..n]).map_err(failed)?;
    }
    listing.finish().map_err(failed)
}

/// Walks `reference` at its registry to a verified manifest and config
/// (nothing is stored).
async fn walk(
    client: &RegistryClient,
    reference: &Reference,
    choice: &PlatformChoice,
) -> Result<(Digest, ImageManifest, ImageConfig), DiffError> {
    let mut walk = Walk::new(reference.manifest_reference(), choice.clone());
    while let Some(need) = walk.need() {
        let fetched = match &need {
            Need::Top(_) => client.get_manifest(reference).await?.into(),
            Need::Manifest(d) => {
                let by_digest = reference.with_digest(d.digest.clone());
                Fetched::new(client.get_manifest(&by_digest).await?.bytes.to_vec())
            }
            Need::Config(d) => Fetched::new(
                client
                    .get_blob_capped(reference, &d.digest, need.limit())
                    .await?,
            ),
        };
        walk.feed(fetched)?;
    }
    let image = walk.finish()?;
    Ok((
        image.manifest_doc.digest.clone(),
        image.manifest,
        image.config,
    ))
}
