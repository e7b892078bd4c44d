//! Any image read through `/v2`, stored or not: the manifest or index the
//! reference names, the chosen platform's manifest, and its config, each
//! kept as the exact bytes received (the raw JSON panels show those).
//!
//! Everything shown passed the image walk's checks (digests, sizes, media
//! types, layers against diff IDs); what did not is an error, shown as
//! such, and the Verify panel says which node failed.

use std::sync::Arc;

use shared::api::ImageDetail;
use shared::digest::Digest;
use shared::image_view::{self, IndexEntry};
use shared::manifest::Descriptor;
use shared::platform::Platform;
use shared::reference::Reference;
use shared::walk::{Document, PlatformChoice, WalkError};

use crate::api;
use crate::load::{self, LoadError, Loaded};

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
    /// How the index entry was chosen (Verify takes the same).
    pub choice: PlatformChoice,
    /// The image, or what went wrong.
    pub result: Result<Arc<RemoteImage>, String>,
}

/// Reads `reference` through the page's image walk ([`crate::load`]),
/// taking an index entry by `choice`.
pub async fn load(reference: Reference, choice: PlatformChoice) -> Result<RemoteImage, String> {
    let loaded = load::image(&reference, choice).await;
    RemoteImage::of(&loaded)
}

impl RemoteImage {
    /// What the page shows of a walk: what verified, and why the rest did
    /// not. An error when not even the document the reference names did.
    pub fn of(loaded: &Loaded) -> Result<RemoteImage, String> {
        let walk = &loaded.walk;
        let problem = || {
            loaded.failure.as_ref().map_or_else(
                || "the image walk stopped early".to_owned(),
                |e| explain(&loaded.reference, e),
            )
        };
        let top = match (walk.index(), walk.manifest()) {
            (Some((doc, _)), _) | (None, Some((doc, _))) => doc.clone(),
            (None, None) => return Err(problem()),
        };
        let index = walk.index().map(|(_, index)| IndexView {
            entries: image_view::entries(index),
            chosen: walk.chosen().cloned(),
            problem: match &loaded.failure {
                Some(LoadError::Walk(WalkError::NoPlatform(e))) => Some(e.to_string()),
                _ => None,
            },
        });
        let shown = match walk.manifest() {
            Some((doc, manifest)) => Ok(Shown {
                manifest_doc: doc.clone(),
                config_doc: walk
                    .config()
                    .map(|(doc, _)| doc.clone())
                    .ok_or_else(problem),
                detail: walk
                    .config()
                    .map(|(_, config)| {
                        image_view::detail_from_registry(&doc.digest, manifest, config)
                    })
                    .ok_or_else(problem),
            }),
            None => Err(problem()),
        };
        Ok(RemoteImage {
            reference: loaded.reference.clone(),
            top,
            index,
            shown,
        })
    }
}

/// What a failed walk means, and what to try.
fn explain(reference: &Reference, error: &LoadError) -> String {
    let LoadError::Fetch { error, .. } = error else {
        return format!("{error}; see Verify below");
    };
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
