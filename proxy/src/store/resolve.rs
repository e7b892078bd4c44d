//! Resolving what a user typed to one image, as `docker image inspect`,
//! `tag` and `rmi` do.
//!
//! In order:
//! 1. A full image ID, `sha256:<64 hex>` or bare `<64 hex>`.
//! 2. A reference: `name@digest` through the repo digests, else
//!    `name[:tag]` (default tag `latest`) through the tags.
//! 3. If no name matched and the input is a hex prefix (`sha256:`
//!    optional), the one image whose ID starts with it. Several matches is
//!    [`StoreError::AmbiguousId`].
//! 4. Otherwise [`StoreError::NoSuchImage`] ("No such image: X"), or
//!    [`StoreError::InvalidReference`] when the input is neither a
//!    reference nor an ID prefix.

use shared::digest::{Algorithm, Digest};
use shared::reference::{DEFAULT_TAG, Reference, Tag, TagOrDigest};

use super::metadata::{Metadata, Named, RepoName};
use super::record::{ImageId, ImageRecord};
use super::{Store, StoreError};

/// How many candidates an ambiguity error lists.
const MAX_CANDIDATES: usize = 10;

/// An image, and the reference that named it (`None` when named by ID).
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) id: ImageId,
    pub(crate) by: Option<Named>,
}

impl Store {
    /// The image `arg` names (see the module docs for the forms).
    pub fn resolve(&self, arg: &str) -> Result<ImageRecord, StoreError> {
        let id = self.resolve_id(arg)?;
        self.metadata()
            .image(&id)?
            .ok_or_else(|| StoreError::NoSuchImage {
                reference: arg.to_owned(),
            })
    }

    /// The ID of the image `arg` names.
    pub fn resolve_id(&self, arg: &str) -> Result<ImageId, StoreError> {
        Ok(resolve_in(self.metadata(), arg)?.id)
    }
}

/// The image `arg` names in `metadata`, and by which reference.
pub(crate) fn resolve_in(metadata: &dyn Metadata, arg: &str) -> Result<Resolved, StoreError> {
    let no_such = || StoreError::NoSuchImage {
        reference: arg.to_owned(),
    };
    if let Some(id) = full_id(arg) {
        return if metadata.exists(&id)? {
            Ok(Resolved { id, by: None })
        } else {
            Err(no_such())
        };
    }
    match arg.parse::<Reference>() {
        Ok(reference) => {
            let name = RepoName::of(&reference);
            if let Some(digest) = reference.digest() {
                let named = Named::Digest {
                    name,
                    digest: digest.clone(),
                };
                return lookup(metadata, named)?.ok_or_else(no_such);
            }
            let tag = reference.tag().cloned().unwrap_or_else(Tag::latest);
            if let Some(found) = lookup(metadata, Named::Tag { name, tag })? {
                return Ok(found);
            }
            match id_prefix(arg) {
                Some(prefix) => by_prefix(metadata, arg, prefix),
                // As Docker: the tag the name implied (`nope:latest`).
                None if reference.tag().is_none() => Err(StoreError::NoSuchImage {
                    reference: format!("{arg}:{DEFAULT_TAG}"),
                }),
                None => Err(no_such()),
            }
        }
        Err(e) => match id_prefix(arg) {
            Some(prefix) => by_prefix(metadata, arg, prefix),
            None => Err(e.into()),
        },
    }
}

fn lookup(metadata: &dyn Metadata, named: Named) -> Result<Option<Resolved>, StoreError> {
    let (name, key) = match &named {
        Named::Tag { name, tag } => (name, TagOrDigest::Tag(tag.clone())),
        Named::Digest { name, digest } => (name, TagOrDigest::Digest(digest.clone())),
    };
    Ok(metadata.named(name, &key)?.map(|id| Resolved {
        id,
        by: Some(named),
    }))
}

/// `sha256:<64 hex>` or `<64 hex>` (or a sha512 ID with its prefix).
fn full_id(arg: &str) -> Option<ImageId> {
    if let Ok(digest) = arg.parse::<Digest>() {
        return Some(ImageId::new(digest));
    }
    Digest::new(Algorithm::Sha256, arg).ok().map(ImageId::new)
}

/// The hex of an ID prefix (`sha256:` optional), if `arg` is one.
fn id_prefix(arg: &str) -> Option<&str> {
    let hex = arg.strip_prefix("sha256:").unwrap_or(arg);
    let valid = !hex.is_empty()
        && hex.len() <= Algorithm::Sha256.encoded_len()
        && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    valid.then_some(hex)
}

fn by_prefix(metadata: &dyn Metadata, arg: &str, hex: &str) -> Result<Resolved, StoreError> {
    let mut ids = metadata.ids_starting_with(&format!("sha256:{hex}"), MAX_CANDIDATES + 1)?;
    match ids.len() {
        0 => Err(StoreError::NoSuchImage {
            reference: arg.to_owned(),
        }),
        1 => Ok(Resolved {
            id: ids.remove(0),
            by: None,
        }),
        _ => {
            ids.truncate(MAX_CANDIDATES);
            Err(StoreError::AmbiguousId {
                prefix: arg.to_owned(),
                candidates: ids,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_prefixes() {
        let hex64 = "a".repeat(64);
        let sha = format!("sha256:{hex64}");
        let cases: &[(&str, Option<&str>)] = &[
            ("abc", Some("abc")),
            ("sha256:abc", Some("abc")),
            (&hex64, Some(&hex64)),
            (&sha, Some(&hex64)),
            ("", None),
            ("sha256:", None),
            ("ABC", None),
            ("abcg", None),
            ("redis", None),
            ("sha512:abc", None),
        ];
        for (input, want) in cases {
            assert_eq!(id_prefix(input), *want, "{input}");
        }
        let too_long = "a".repeat(65);
        assert_eq!(id_prefix(&too_long), None);
    }

    #[test]
    fn full_ids() {
        let hex64 = "b".repeat(64);
        let cases = [
            (hex64.clone(), true),
            (format!("sha256:{hex64}"), true),
            (format!("sha512:{}", "c".repeat(128)), true),
            ("b".repeat(63), false),
            ("redis".to_owned(), false),
        ];
        for (input, want) in cases {
            assert_eq!(full_id(&input).is_some(), want, "{input}");
        }
    }
}
