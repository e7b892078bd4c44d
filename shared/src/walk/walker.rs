//! The walk itself: a state machine that asks for one document at a time
//! ([`Walk::need`]) and checks each one it is fed ([`Walk::feed`]).

use crate::config::ImageConfig;
use crate::digest::{Digest, Verified};
use crate::manifest::{Descriptor, ImageIndex, ImageManifest, Manifest};
use crate::platform::runs_on;
use crate::reference::TagOrDigest;

use super::document::{Document, PlatformWarning, VerifiedImage};
use super::error::{Part, WalkError};
use super::limits::{MAX_CONFIG, MAX_MANIFEST};
use super::platform_choice::PlatformChoice;

/// The document a walk needs next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    /// What the reference names, an index or a manifest:
    /// `GET /v2/<name>/manifests/<tag or digest>`.
    Top(TagOrDigest),
    /// The image manifest an index entry names:
    /// `GET /v2/<name>/manifests/<digest>`.
    Manifest(Descriptor),
    /// The config blob: `GET /v2/<name>/blobs/<digest>`.
    Config(Descriptor),
}

impl Need {
    /// The most bytes worth reading for it: the descriptor's size when
    /// there is one (already checked against the limit), else
    /// [`MAX_MANIFEST`]. A driver stops reading past this.
    pub fn limit(&self) -> u64 {
        match self {
            Need::Top(_) => MAX_MANIFEST,
            Need::Manifest(d) | Need::Config(d) => d.size,
        }
    }

    /// The digest the document must have, when known before it arrives.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            Need::Top(top) => top.digest(),
            Need::Manifest(d) | Need::Config(d) => Some(&d.digest),
        }
    }
}

/// A document as a driver received it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// The body, exactly as received.
    pub bytes: Vec<u8>,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The digest the registry declared (`Docker-Content-Digest`), if any:
    /// for a tag, the bytes must have it.
    pub digest: Option<Digest>,
}

impl Fetched {
    /// A body with no headers.
    pub fn new(bytes: Vec<u8>) -> Fetched {
        Fetched {
            bytes,
            ..Fetched::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    Top,
    Manifest(Descriptor),
    Config(Descriptor),
    Done,
    Failed(WalkError),
}

/// One walk from a reference to a [`VerifiedImage`]. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    start: TagOrDigest,
    choice: PlatformChoice,
    stage: Stage,
    index: Option<(Document, ImageIndex)>,
    chosen: Option<Descriptor>,
    manifest: Option<(Document, ImageManifest)>,
    config: Option<(Document, ImageConfig)>,
}

impl Walk {
    /// A walk from what a reference names (`start`), taking an index entry
    /// by `choice`.
    pub fn new(start: TagOrDigest, choice: PlatformChoice) -> Walk {
        Walk {
            start,
            choice,
            stage: Stage::Top,
            index: None,
            chosen: None,
            manifest: None,
            config: None,
        }
    }

    /// The document to fetch next, or `None` once the walk is done or
    /// failed.
    pub fn need(&self) -> Option<Need> {
        match &self.stage {
            Stage::Top => Some(Need::Top(self.start.clone())),
            Stage::Manifest(d) => Some(Need::Manifest(d.clone())),
            Stage::Config(d) => Some(Need::Config(d.clone())),
            Stage::Done | Stage::Failed(_) => None,
        }
    }

    /// Checks the document [`Walk::need`] asked for and moves on. Returns
    /// what is needed next (`None`: done). An error ends the walk; what was
    /// verified before it stays readable ([`Walk::index`], ...).
    pub fn feed(&mut self, fetched: Fetched) -> Result<Option<Need>, WalkError> {
        let step = match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Top => self.feed_top(fetched),
            Stage::Manifest(d) => self.feed_child(&d, fetched),
            Stage::Config(d) => self.feed_config(&d, fetched),
            Stage::Done => return Err(WalkError::NotNeeded { state: "done" }),
            Stage::Failed(e) => {
                self.stage = Stage::Failed(e);
                return Err(WalkError::NotNeeded { state: "failed" });
            }
        };
        match step {
            Ok(stage) => {
                self.stage = stage;
                Ok(self.need())
            }
            Err(e) => {
                self.stage = Stage::Failed(e.clone());
                Err(e)
            }
        }
    }

    /// Why the walk stopped, if it failed.
    pub fn failure(&self) -> Option<&WalkError> {
        match &self.stage {
            Stage::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The digest of the document the reference named, once verified.
    pub fn top_digest(&self) -> Option<&Digest> {
        self.index
            .as_ref()
            .map(|(doc, _)| &doc.digest)
            .or_else(|| self.manifest.as_ref().map(|(doc, _)| &doc.digest))
    }

    /// The index, once verified (when the reference names one).
    pub fn index(&self) -> Option<&(Document, ImageIndex)> {
        self.index.as_ref()
    }

    /// The index entry chosen, once one was.
    pub fn chosen(&self) -> Option<&Descriptor> {
        self.chosen.as_ref()
    }

    /// The image manifest, once verified.
    pub fn manifest(&self) -> Option<&(Document, ImageManifest)> {
        self.manifest.as_ref()
    }

    /// The config, once verified.
    pub fn config(&self) -> Option<&(Document, ImageConfig)> {
        self.config.as_ref()
    }

    /// The document that was fed for `need`, once verified: what a driver
    /// stores or shows after [`Walk::feed`] succeeded.
    pub fn document(&self, need: &Need) -> Option<&Document> {
        match need {
            Need::Top(_) => self
                .index
                .as_ref()
                .map(|(d, _)| d)
                .or_else(|| self.manifest.as_ref().map(|(d, _)| d)),
            Need::Manifest(_) => self.manifest.as_ref().map(|(d, _)| d),
            Need::Config(_) => self.config.as_ref().map(|(d, _)| d),
        }
    }

    /// The verified image, once the walk is done; else why not.
    pub fn finish(self) -> Result<VerifiedImage, WalkError> {
        match self.stage {
            Stage::Done => {}
            Stage::Failed(e) => return Err(e),
            _ => return Err(WalkError::NotNeeded { state: "not done" }),
        }
        let (Some((manifest_doc, manifest)), Some((config_doc, config))) =
            (self.manifest, self.config)
        else {
            return Err(WalkError::NotNeeded {
                state: "incomplete",
            });
        };
        let platform_warning = match self.choice.named() {
            Some(wanted) if self.index.is_none() && !runs_on(wanted, &config.platform()) => {
                Some(PlatformWarning {
                    wanted: wanted.normalized(),
                    actual: config.platform().normalized(),
                })
            }
            _ => None,
        };
        Ok(VerifiedImage {
            index: self.index,
            manifest_doc,
            manifest,
            config_doc,
            config,
            platform_warning,
        })
    }

    fn feed_top(&mut self, fetched: Fetched) -> Result<Stage, WalkError> {
        let size = fetched.bytes.len() as u64;
        let start_digest = self.start.digest().cloned();
        if size > MAX_MANIFEST {
            return Err(WalkError::TooLarge {
                part: Part::Manifest,
                digest: start_digest,
                size,
                limit: MAX_MANIFEST,
            });
        }
        let expected = start_digest
            .or(fetched.digest.clone())
            .unwrap_or_else(|| Digest::sha256_of(&fetched.bytes));
        let parsed = Manifest::from_slice(&fetched.bytes, fetched.content_type.as_deref());
        let part = match &parsed {
            Ok(Manifest::Index(_)) => Part::Index,
            _ => Part::Manifest,
        };
        let digest = verify(part, &expected, None, &fetched.bytes)?;
        let parsed = parsed.map_err(|e| WalkError::Unreadable {
            part,
            digest: digest.clone(),
            reason: e.to_string(),
        })?;
        let doc = Document {
            digest,
            media_type: parsed.media_type(),
            bytes: fetched.bytes,
        };
        match parsed {
            Manifest::Image(manifest) => self.image_manifest(doc, *manifest),
            Manifest::Index(index) => {
                let (_, index) = self.index.insert((doc, *index));
                let chosen = self.choice.choose(index)?.clone();
                check_entry(&chosen)?;
                self.chosen = Some(chosen.clone());
                Ok(Stage::Manifest(chosen))
            }
        }
    }

    fn feed_child(
        &mut self,
        descriptor: &Descriptor,
        fetched: Fetched,
    ) -> Result<Stage, WalkError> {
        let digest = verify(
            Part::Manifest,
            &descriptor.digest,
            Some(descriptor.size),
            &fetched.bytes,
        )?;
        let unreadable = |reason: String| WalkError::Unreadable {
            part: Part::Manifest,
            digest: digest.clone(),
            reason,
        };
        match Manifest::from_slice(&fetched.bytes, fetched.content_type.as_deref()) {
            Ok(Manifest::Image(manifest)) => {
                let doc = Document {
                    media_type: manifest
                        .media_type
                        .clone()
                        .unwrap_or_else(|| descriptor.media_type.clone()),
                    digest,
                    bytes: fetched.bytes,
                };
                self.image_manifest(doc, *manifest)
            }
            Ok(Manifest::Index(_)) => Err(unreadable(
                "the index entry names another index; nested indexes are not supported".to_owned(),
            )),
            Err(e) => Err(unreadable(e.to_string())),
        }
    }

    fn image_manifest(
        &mut self,
        doc: Document,
        manifest: ImageManifest,
    ) -> Result<Stage, WalkError> {
        let config = manifest.config.clone();
        self.manifest = Some((doc, manifest));
        if !config.media_type.is_config() {
            return Err(WalkError::MediaType {
                part: Part::Config,
                digest: config.digest,
                media_type: config.media_type,
                expected: "an image config",
                hint: "this is an artifact (a signature, an SBOM, a chart), not an image to run; read it with `skopeo inspect --raw`",
            });
        }
        if config.size > MAX_CONFIG {
            return Err(WalkError::TooLarge {
                part: Part::Config,
                digest: Some(config.digest),
                size: config.size,
                limit: MAX_CONFIG,
            });
        }
        Ok(Stage::Config(config))
    }

    fn feed_config(
        &mut self,
        descriptor: &Descriptor,
        fetched: Fetched,
    ) -> Result<Stage, WalkError> {
        let digest = verify(
            Part::Config,
            &descriptor.digest,
            Some(descriptor.size),
            &fetched.bytes,
        )?;
        let config =
            ImageConfig::from_slice(&fetched.bytes).map_err(|e| WalkError::Unreadable {
                part: Part::Config,
                digest: digest.clone(),
                reason: e.to_string(),
            })?;
        let doc = Document {
            digest,
            media_type: descriptor.media_type.clone(),
            bytes: fetched.bytes,
        };
        if let Some((manifest_doc, manifest)) = &self.manifest {
            crate::image::check_layers(manifest, &config).map_err(|source| WalkError::Layers {
                digest: manifest_doc.digest.clone(),
                source,
            })?;
        }
        self.config = Some((doc, config));
        Ok(Stage::Done)
    }
}

/// An index entry the walk can follow: an image manifest, not too large.
fn check_entry(entry: &Descriptor) -> Result<(), WalkError> {
    if !entry.media_type.is_manifest() {
        let hint = if entry.media_type.is_index() {
            "nested indexes are not supported"
        } else {
            "the index is malformed or names an artifact; choose another platform"
        };
        return Err(WalkError::MediaType {
            part: Part::Manifest,
            digest: entry.digest.clone(),
            media_type: entry.media_type.clone(),
            expected: "an image manifest",
            hint,
        });
    }
    if entry.size > MAX_MANIFEST {
        return Err(WalkError::TooLarge {
            part: Part::Manifest,
            digest: Some(entry.digest.clone()),
            size: entry.size,
            limit: MAX_MANIFEST,
        });
    }
    Ok(())
}

/// `bytes` checked against `expected` (and `size`) by the verified stream.
fn verify(
    part: Part,
    expected: &Digest,
    size: Option<u64>,
    bytes: &[u8],
) -> Result<Digest, WalkError> {
    let mut verified = Verified::new((), expected.clone(), size);
    verified
        .pass(bytes)
        .and_then(|()| verified.end())
        .map_err(|source| WalkError::Verify {
            part,
            digest: expected.clone(),
            source,
        })
}
