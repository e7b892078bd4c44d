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

use rusqlite::{Connection, OptionalExtension, params};
use shared::digest::{Algorithm, Digest};
use shared::reference::{DEFAULT_TAG, Reference};

use super::images::{image_exists, load_record};
use super::meta::image_id_at;
use super::record::{ImageId, ImageRecord};
use super::{Store, StoreError};

/// How many candidates an ambiguity error lists.
const MAX_CANDIDATES: usize = 10;

/// A repository reference held in the database: canonical name plus tag
/// or digest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Named {
    /// `name:tag`.
    Tag {
        /// Canonical repository name.
        name: String,
        /// The tag.
        tag: String,
    },
    /// `name@digest`.
    Digest {
        /// Canonical repository name.
        name: String,
        /// The digest, as text.
        digest: String,
    },
}

impl Named {
    pub(crate) fn name(&self) -> &str {
        match self {
            Named::Tag { name, .. } | Named::Digest { name, .. } => name,
        }
    }

    /// Docker's familiar form: `redis:latest`, `redis@sha256:…`.
    pub(crate) fn familiar(&self) -> String {
        let full = match self {
            Named::Tag { name, tag } => format!("{name}:{tag}"),
            Named::Digest { name, digest } => format!("{name}@{digest}"),
        };
        full.parse::<Reference>()
            .map(|r| r.familiar())
            .unwrap_or(full)
    }
}

/// An image, and the reference that named it (`None` when named by ID).
#[derive(Debug)]
pub(crate) struct Resolved {
    pub(crate) id: ImageId,
    pub(crate) by: Option<Named>,
}

impl Store {
    /// The image `arg` names (see the module docs for the forms).
    pub fn resolve(&self, arg: &str) -> Result<ImageRecord, StoreError> {
        self.read(|tx| {
            let id = resolve_in(tx, arg)?.id;
            load_record(tx, &id)?.ok_or_else(|| StoreError::NoSuchImage {
                reference: arg.to_owned(),
            })
        })
    }

    /// The ID of the image `arg` names.
    pub fn resolve_id(&self, arg: &str) -> Result<ImageId, StoreError> {
        self.read(|tx| Ok(resolve_in(tx, arg)?.id))
    }
}

pub(crate) fn resolve_in(db: &Connection, arg: &str) -> Result<Resolved, StoreError> {
    let no_such = || StoreError::NoSuchImage {
        reference: arg.to_owned(),
    };
    if let Some(id) = full_id(arg) {
        return if image_exists(db, &id)? {
            Ok(Resolved { id, by: None })
        } else {
            Err(no_such())
        };
    }
    match arg.parse::<Reference>() {
        Ok(reference) => {
            let name = reference.canonical_name();
            if let Some(digest) = reference.digest() {
                let named = Named::Digest {
                    name,
                    digest: digest.to_string(),
                };
                return lookup(db, &named)?.ok_or_else(no_such);
            }
            let tag = reference.tag().map_or(DEFAULT_TAG, |t| t.as_str());
            let named = Named::Tag {
                name,
                tag: tag.to_owned(),
            };
            if let Some(found) = lookup(db, &named)? {
                return Ok(found);
            }
            match id_prefix(arg) {
                Some(prefix) => by_prefix(db, arg, prefix),
                // As Docker: the tag the name implied (`nope:latest`).
                None if reference.tag().is_none() => Err(StoreError::NoSuchImage {
                    reference: format!("{arg}:{DEFAULT_TAG}"),
                }),
                None => Err(no_such()),
            }
        }
        Err(e) => match id_prefix(arg) {
            Some(prefix) => by_prefix(db, arg, prefix),
            None => Err(e.into()),
        },
    }
}

fn lookup(db: &Connection, named: &Named) -> Result<Option<Resolved>, StoreError> {
    let (sql, key) = match named {
        Named::Tag { name, tag } => (
            "SELECT image_id FROM tags WHERE name = ?1 AND tag = ?2",
            (name, tag),
        ),
        Named::Digest { name, digest } => (
            "SELECT image_id FROM repo_digests WHERE name = ?1 AND digest = ?2",
            (name, digest),
        ),
    };
    let id = db
        .query_row(sql, params![key.0, key.1], |row| image_id_at(row, 0))
        .optional()?;
    Ok(id.map(|id| Resolved {
        id,
        by: Some(named.clone()),
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

fn by_prefix(db: &Connection, arg: &str, hex: &str) -> Result<Resolved, StoreError> {
    // IDs are `sha256:` + hex, so every ID starting with the prefix sorts
    // in [prefix, prefix + "g"): a range scan of the primary key.
    let low = format!("sha256:{hex}");
    let high = format!("{low}g");
    let mut stmt =
        db.prepare("SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT ?3")?;
    let mut ids = stmt
        .query_map(params![low, high, MAX_CANDIDATES as i64 + 1], |row| {
            image_id_at(row, 0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
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

    #[test]
    fn familiar_forms() {
        let d = format!("sha256:{}", "c".repeat(64));
        let cases = [
            (
                Named::Tag {
                    name: "docker.io/library/redis".into(),
                    tag: "latest".into(),
                },
                "redis:latest".to_owned(),
            ),
            (
                Named::Digest {
                    name: "docker.io/library/redis".into(),
                    digest: d.clone(),
                },
                format!("redis@{d}"),
            ),
            (
                Named::Tag {
                    name: "localhost:5000/a/b".into(),
                    tag: "v1".into(),
                },
                "localhost:5000/a/b:v1".to_owned(),
            ),
        ];
        for (named, want) in cases {
            assert_eq!(named.familiar(), want);
        }
    }
}
