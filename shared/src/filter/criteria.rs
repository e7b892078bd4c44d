//! [`ImageCriteria`]: the `images --filter` tests that need no look-up
//! (`dangling=`, `label=`, `reference=`), held alike by the parsed list
//! ([`ImageFilters`](super::ImageFilters)) and by the predicate it resolves
//! into ([`ImagePredicate`](super::ImagePredicate)).

use crate::reference::{Reference, ReferencePattern};

use super::label::LabelFilter;
use super::subject::ImageSubject;

/// `dangling=`, `label=` and `reference=` as given, each kept once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ImageCriteria {
    /// `Some(true)` keeps only untagged images, `Some(false)` only named ones.
    pub(super) dangling: Option<bool>,
    /// Every one must match the image's labels.
    pub(super) labels: Vec<LabelFilter>,
    /// One of them must match a name of the image (if any are given).
    pub(super) references: Vec<ReferencePattern>,
}

impl ImageCriteria {
    /// Whether the image passes the label, reference and dangling filters.
    pub(super) fn matches(&self, image: &ImageSubject) -> bool {
        if !self.labels.iter().all(|label| label.matches(&image.labels)) {
            return false;
        }
        if !self.references.is_empty()
            && !image
                .repo_tags
                .iter()
                .chain(&image.repo_digests)
                .any(|reference| self.reference_matches(reference))
        {
            return false;
        }
        match self.dangling {
            None => true,
            Some(true) => image.is_dangling(),
            Some(false) => !(image.repo_tags.is_empty() && image.repo_digests.is_empty()),
        }
    }

    /// Whether `reference` passes the `reference=` filters (always, if there
    /// are none).
    pub(super) fn reference_matches(&self, reference: &Reference) -> bool {
        self.references.is_empty() || self.references.iter().any(|p| p.matches(reference))
    }
}
