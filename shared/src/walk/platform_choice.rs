//! Which entry of an index the walk takes: one rule, Docker's.
//!
//! - The CLI (`strata pull`) wants a platform: `--platform` when given,
//!   else this host's. The index entry that best runs there is taken
//!   ([`crate::platform::select`]: exact variant first, then the newest
//!   older variant the CPU still runs); none is an error that lists what
//!   the index offers.
//! - The dashboard wants the platform in its URL (`?platform=`) when there
//!   is one, by the same rule. Without one it takes the entry it was
//!   pointed at (`preferred`: the manifest of a stored image opened by its
//!   ID), else the first runnable entry of the index, as the index's author
//!   ordered them. Attestations and `unknown/unknown` entries are never
//!   chosen.

use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageIndex};
use crate::platform::{NoMatchingPlatform, Platform, select};

/// How to pick an index entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlatformChoice {
    /// A platform the image must run on: the CLI's `--platform`, or this
    /// host's.
    RunsOn {
        /// The platform.
        platform: Platform,
        /// Whether the user named it (`--platform`); a single-platform image
        /// of another platform is then pulled with a warning, as Docker does.
        named: bool,
    },
    /// The dashboard: the URL's platform if any, else the entry it was
    /// pointed at, else the first runnable entry.
    Page {
        /// `?platform=` from the URL.
        wanted: Option<Platform>,
        /// An entry to prefer when no platform is named.
        preferred: Option<Digest>,
    },
}

impl PlatformChoice {
    /// This host's platform, not named by the user (the CLI's default).
    pub fn host(platform: Platform) -> PlatformChoice {
        PlatformChoice::RunsOn {
            platform,
            named: false,
        }
    }

    /// The dashboard's choice for a URL's `?platform=` (if any).
    pub fn page(wanted: Option<Platform>) -> PlatformChoice {
        PlatformChoice::Page {
            wanted,
            preferred: None,
        }
    }

    /// The platform the user named, if any.
    pub fn named(&self) -> Option<&Platform> {
        match self {
            PlatformChoice::RunsOn {
                platform,
                named: true,
            } => Some(platform),
            PlatformChoice::RunsOn { .. } => None,
            PlatformChoice::Page { wanted, .. } => wanted.as_ref(),
        }
    }

    /// The entry of `index` this choice takes.
    pub fn choose<'a>(&self, index: &'a ImageIndex) -> Result<&'a Descriptor, NoEntry> {
        let (wanted, preferred) = match self {
            PlatformChoice::RunsOn { platform, .. } => (Some(platform), None),
            PlatformChoice::Page { wanted, preferred } => (wanted.as_ref(), preferred.as_ref()),
        };
        if let Some(wanted) = wanted {
            return select(wanted, &index.manifests).map_err(NoEntry::NoMatch);
        }
        let mut runnable = index
            .manifests
            .iter()
            .filter(|d| d.platform.is_some() && !d.is_attestation());
        if let Some(hit) = preferred.and_then(|p| runnable.clone().find(|d| &d.digest == p)) {
            return Ok(hit);
        }
        runnable.next().ok_or(NoEntry::NothingRunnable)
    }
}

/// No entry of the index can be taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoEntry {
    /// None runs on the platform asked for.
    #[error("{0}")]
    NoMatch(NoMatchingPlatform),
    /// The index lists nothing to run.
    #[error("the index lists no image to run (only attestations, or entries without a platform)")]
    NothingRunnable,
}
