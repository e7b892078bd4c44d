//! [`Opened`]: what the explorer takes from the page's image walk (the
//! verified manifest's layers and the config's history), or why there is
//! nothing to show.

use shared::digest::Digest;
use shared::manifest::Descriptor;

use crate::load::Loaded;

/// What the explorer takes from the page's image walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The verified image manifest's digest.
    pub manifest_digest: Digest,
    /// Its layers, bottom first.
    pub layers: Vec<Descriptor>,
    /// Each layer's `created_by`, from the verified config (empty when the
    /// config could not be read: the layers are still shown).
    pub history: Vec<Option<String>>,
    /// Where trust starts, when opened by tag.
    pub trust_note: Option<String>,
}

impl Opened {
    /// The explorer's view of `loaded`: its verified manifest, or why there
    /// is none to show.
    pub fn of(loaded: &Loaded) -> Result<Opened, String> {
        let Some((doc, manifest)) = loaded.walk.manifest() else {
            return Err(loaded
                .failure_text()
                .unwrap_or_else(|| "the image walk read no manifest".to_owned()));
        };
        let history = loaded.walk.config().map_or_else(Vec::new, |(_, config)| {
            config
                .layer_history()
                .into_iter()
                .filter(|(_, diff)| diff.is_some())
                .map(|(h, _)| h.created_by.clone())
                .collect()
        });
        Ok(Opened {
            manifest_digest: doc.digest.clone(),
            layers: manifest.layers.clone(),
            history,
            trust_note: loaded.trust_note(),
        })
    }
}
