//! One walk of an image over a page's [`Documents`], and what it found.

use std::fmt;

use shared::digest::Digest;
use shared::reference::{Reference, TagOrDigest};
use shared::verify::{Chain, Origin};
use shared::walk::{Need, Part, PlatformChoice, Walk, WalkError};

use super::documents::{Documents, Request};
use crate::api::ApiError;

/// Why a walk stopped short of a verified image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// A document could not be fetched.
    Fetch {
        /// Which one: the reference's own (`Manifest`), a platform's
        /// manifest, or the config.
        part: Part,
        /// Whether it was the document the reference names.
        top: bool,
        /// What the server said.
        error: ApiError,
    },
    /// A document was fetched but did not pass the walk's checks.
    Walk(WalkError),
}

impl LoadError {
    /// The document the error is about, when it is about one.
    pub fn part(&self) -> Option<Part> {
        match self {
            LoadError::Fetch { part, .. } => Some(*part),
            LoadError::Walk(e) => e.part(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Fetch { part, error, .. } => {
                write!(f, "reading the {part} through /v2: {error}")
            }
            LoadError::Walk(e) => e.fmt(f),
        }
    }
}

/// A finished walk: what verified (readable through [`Loaded::walk`]'s
/// accessors even when it stopped early) and why it stopped, if it did.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The reference walked (its repository served every document).
    pub reference: Reference,
    /// The walk, done or stopped.
    pub walk: Walk,
    /// Why it stopped, if it did not finish.
    pub failure: Option<LoadError>,
    /// For a reference by tag: the digest the registry resolved it to
    /// (`Docker-Content-Digest`, else the digest of the bytes it sent),
    /// whether or not the bytes then matched it.
    pub resolved: Option<Digest>,
}

impl Loaded {
    /// Where trust starts, when the reference is a tag (the sentence the
    /// Verify panel and the explorer both show).
    pub fn trust_note(&self) -> Option<String> {
        let TagOrDigest::Tag(tag) = self.reference.manifest_reference() else {
            return None;
        };
        let mut chain = Chain::new(Origin::Tag(tag));
        if let Some(resolved) = &self.resolved {
            chain.resolve_tag(resolved.clone());
        }
        chain.trust_note()
    }

    /// Why the walk stopped, for a user.
    pub fn failure_text(&self) -> Option<String> {
        self.failure.as_ref().map(ToString::to_string)
    }
}

/// Walks `reference` over `documents`, taking an index entry by `choice`.
pub async fn drive(documents: &Documents, reference: &Reference, choice: PlatformChoice) -> Loaded {
    let mut walk = Walk::new(reference.manifest_reference(), choice);
    let mut failure = None;
    let mut resolved = None;
    while let Some(need) = walk.need() {
        let fetched = match documents.get(reference, Request::of(&need)).await {
            Ok(fetched) => fetched,
            Err(error) => {
                let (part, top) = match &need {
                    Need::Top(_) => (Part::Manifest, true),
                    Need::Manifest(_) => (Part::Manifest, false),
                    Need::Config(_) => (Part::Config, false),
                };
                failure = Some(LoadError::Fetch { part, top, error });
                break;
            }
        };
        if let Need::Top(TagOrDigest::Tag(_)) = &need {
            resolved = Some(
                fetched
                    .digest
                    .clone()
                    .unwrap_or_else(|| Digest::sha256_of(&fetched.bytes)),
            );
        }
        if let Err(e) = walk.feed((*fetched).clone()) {
            failure = Some(LoadError::Walk(e));
            break;
        }
    }
    Loaded {
        reference: reference.clone(),
        walk,
        failure,
        resolved,
    }
}
