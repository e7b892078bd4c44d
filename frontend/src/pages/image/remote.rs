//! Any image read through `/v2`, stored or not: the manifest or index the
//! reference names, the chosen platform's manifest, and its config, each
//! kept as the exact bytes received (the raw JSON panels show those).
//!
//! Nothing here is trusted: a digest the reference names is checked against
//! the bytes (a mismatch is an error, shown as such); the Verify panel
//! checks everything else.

use std::sync::Arc;

use shared::api::ImageDetail;
use shared::config::ImageConfig;
use shared::digest::Digest;
use shared::image_view::{self, IndexEntry};
use shared::manifest::{Descriptor, ImageManifest, Manifest};
use shared::platform::Platform;
use shared::reference::{Reference, TagOrDigest};

use crate::api;

/// Configs larger than this are not read (a real one is a few kB).
const MAX_CONFIG: u64 = 16 << 20;

/// A document as fetched: its bytes and the digest of those bytes.
#[derive(Debug, Clone)]
pub struct Document {
    /// The bytes, exactly as received.
    pub bytes: Vec<u8>,
    /// Their digest.
    pub digest: Digest,
}

/// The image manifest the page shows, with its config.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The manifest's bytes.
    pub manifest_doc: Document,
    /// The config's bytes, or why they are missing.
    pub config_doc: Result<Document, String>,
    /// The readable facts, when the config could be read.
    pub detail: Result<ImageDetail, String>,
}

/// An index, its entries and the one shown.
#[derive(Debug, Clone)]
pub struct IndexView {
    /// Its entries, in order.
    pub entries: Vec<IndexEntry>,
    /// The entry shown, when one could be chosen.
    pub chosen: Option<Descriptor>,
    /// Why none (or not the asked one) could be chosen.
    pub problem: Option<String>,
}

/// What `/v2` says about a reference.
#[derive(Debug, Clone)]
pub struct RemoteImage {
    /// The reference read (its repository serves every blob).
    pub reference: Reference,
    /// The manifest or index the reference names.
    pub top: Document,
    /// The index, when the reference names one.
    pub index: Option<IndexView>,
    /// The image manifest shown, or why there is none.
    pub shown: Result<Shown, String>,
}

impl RemoteImage {
    /// The platform of the entry shown, for an index.
    pub fn platform(&self) -> Option<Platform> {
        self.index
            .as_ref()
            .and_then(|i| i.chosen.as_ref())
            .and_then(|d| d.platform.clone())
    }

    /// The digest of the image manifest shown.
    pub fn manifest_digest(&self) -> Option<&Digest> {
        self.shown.as_ref().ok().map(|s| &s.manifest_doc.digest)
    }
}

/// What the page loads from `/v2`: the reference it read (when there is one)
/// and the outcome.
#[derive(Debug, Clone)]
pub struct Remote {
    /// The reference read, if the page has one.
    pub target: Option<Reference>,
    /// The image, or what went wrong.
    pub result: Result<Arc<RemoteImage>, String>,
}

/// Reads `reference` through `/v2`, choosing `wanted` (or `preferred`, or
/// the default) in an index.
pub async fn load(
    reference: Reference,
    wanted: Option<Platform>,
    preferred: Option<Digest>,
) -> Result<RemoteImage, String> {
    let top = reference.manifest_reference();
    let raw = api::v2_manifest(&reference, &top)
        .await
        .map_err(|e| explain(&reference, &e))?;
    let digest = match &top {
        TagOrDigest::Digest(asked) => {
            let actual = Digest::of(asked.algorithm(), &raw.bytes);
            if &actual != asked {
                return Err(format!(
                    "the registry answered bytes whose digest is {actual}, not the {asked} this link names; see Verify below"
                ));
            }
            actual
        }
        TagOrDigest::Tag(_) => Digest::sha256_of(&raw.bytes),
    };
    let manifest = Manifest::from_slice(&raw.bytes, raw.content_type.as_deref())
        .map_err(|e| format!("the registry's manifest cannot be read: {e}"))?;
    let top_doc = Document {
        bytes: raw.bytes,
        digest,
    };
    match manifest {
        Manifest::Image(m) => {
            let shown = with_config(&reference, top_doc.clone(), *m).await;
            Ok(RemoteImage {
                reference,
                top: top_doc,
                index: None,
                shown: Ok(shown),
            })
        }
        Manifest::Index(index) => {
            let index = *index;
            let entries = image_view::entries(&index);
            let (chosen, problem) =
                match image_view::choose(&index, wanted.as_ref(), preferred.as_ref()) {
                    Ok(d) => (Some(d.clone()), None),
                    Err(e) => (None, Some(e.to_string())),
                };
            let shown = match &chosen {
                Some(child) => child_manifest(&reference, child).await,
                None => Err("no platform chosen".to_owned()),
            };
            Ok(RemoteImage {
                reference,
                top: top_doc,
                index: Some(IndexView {
                    entries,
                    chosen,
                    problem,
                }),
                shown,
            })
        }
    }
}

/// What a failed `/v2` read means, and what to try.
fn explain(reference: &Reference, error: &api::ApiError) -> String {
    let hint = match error {
        api::ApiError::Status { status: 404, .. } => {
            "the registry has no such repository, tag or digest; check the spelling"
        }
        api::ApiError::Status {
            status: 401 | 403, ..
        } => "the registry wants credentials: run `strata login` on the server",
        api::ApiError::Status {
            status: 502..=504, ..
        } => {
            "the registry could not be reached from the server; check the host name and the server's network"
        }
        _ => "try again, or check the server's log",
    };
    format!(
        "reading {} through /v2: {error} ({hint})",
        reference.familiar()
    )
}

async fn child_manifest(reference: &Reference, child: &Descriptor) -> Result<Shown, String> {
    let raw = api::v2_manifest(reference, &TagOrDigest::Digest(child.digest.clone()))
        .await
        .map_err(|e| explain(reference, &e))?;
    let actual = Digest::of(child.digest.algorithm(), &raw.bytes);
    if actual != child.digest {
        return Err(format!(
            "the registry answered bytes whose digest is {actual}, not the {} the index lists; see Verify below",
            child.digest
        ));
    }
    match Manifest::from_slice(&raw.bytes, raw.content_type.as_deref()) {
        Ok(Manifest::Image(m)) => {
            let doc = Document {
                bytes: raw.bytes,
                digest: actual,
            };
            Ok(with_config(reference, doc, *m).await)
        }
        Ok(Manifest::Index(_)) => {
            Err("the index entry names another index; nested indexes are not shown".to_owned())
        }
        Err(e) => Err(format!("the platform's manifest cannot be read: {e}")),
    }
}

async fn with_config(reference: &Reference, doc: Document, manifest: ImageManifest) -> Shown {
    let descriptor = &manifest.config;
    let config_doc = if descriptor.size > MAX_CONFIG {
        Err(format!(
            "the config is {} bytes, too large to show",
            descriptor.size
        ))
    } else {
        match api::v2_blob_bytes(reference, &descriptor.digest, descriptor.size).await {
            Ok(bytes) => Ok(Document {
                digest: Digest::of(descriptor.digest.algorithm(), &bytes),
                bytes,
            }),
            Err(e) => Err(format!("reading the config: {e}")),
        }
    };
    let detail = match &config_doc {
        Ok(c) if c.digest != descriptor.digest => Err(format!(
            "the config's bytes have digest {}, not the {} the manifest names; see Verify below",
            c.digest, descriptor.digest
        )),
        Ok(c) => ImageConfig::from_slice(&c.bytes)
            .map(|config| image_view::detail_from_registry(&doc.digest, &manifest, &config))
            .map_err(|e| format!("the config cannot be read: {e}")),
        Err(e) => Err(e.clone()),
    };
    Shown {
        manifest_doc: doc,
        config_doc,
        detail,
    }
}
