//! `rm` / `rmi`, with the semantics of moby's `ImageService.ImageDelete`.
//!
//! **By name** (`name`, `name:tag`, `name@digest`):
//! - Without force, when that name is the image's only reference (one tag,
//!   plus digests of the same repository) and the image is pinned: refused,
//!   "must force", naming the pins.
//! - The reference is removed (`Untagged: redis:latest`). When a tag went
//!   and no other tag of that repository names the image, the
//!   repository's digest references go too (`Untagged: redis@sha256:…`).
//! - If other references remain (tags of other repositories, say), that is
//!   all: the image stays.
//! - Otherwise the image is deleted (below).
//!
//! **By ID** (full, or a unique prefix):
//! - When the image has a single reference (as above), it is removed after
//!   the pin check, then the image is deleted.
//! - Otherwise, without force, references in several repositories refuse
//!   ("must be forced - image is referenced in multiple repositories"), and
//!   so do pins; with force every reference is removed and the image
//!   deleted.
//!
//! **Deleting** prints `Deleted: <image id>`, then `Deleted: <layer>` for
//! each layer blob (top first) no other image uses and no lease holds.
//! Blobs are removed after the transaction commits; a crash in between
//! leaves unreferenced blobs, which are harmless: `fsck` lists them and
//! `gc` removes them.
//!
//! **Operations in flight**: an image held by a live lease is never
//! deleted, forced or not; the error names the holder and its pid. Untags
//! that leave the image in place are allowed. A refused `rm` changes
//! nothing (one transaction).

use std::fmt;

use rusqlite::{Connection, params};
use shared::digest::Digest;

use super::error::Conflict;
use super::lease::live_holder;
use super::meta::digest_at;
use super::pins::pin_names;
use super::record::ImageId;
use super::resolve::{Named, resolve_in};
use super::{Store, StoreError};

/// One line of `rm` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoveLine {
    /// A reference removed, in familiar form: `redis:latest`,
    /// `redis@sha256:…`.
    Untagged(String),
    /// An image (its ID) or a layer blob deleted.
    Deleted(Digest),
}

impl fmt::Display for RemoveLine {
    /// `Untagged: redis:latest` / `Deleted: sha256:…`, as Docker prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoveLine::Untagged(r) => write!(f, "Untagged: {r}"),
            RemoveLine::Deleted(d) => write!(f, "Deleted: {d}"),
        }
    }
}

/// What the transaction decided; blobs are deleted after it commits.
struct Plan {
    lines: Vec<RemoveLine>,
    /// Blobs of the deleted image that nothing references any more.
    orphans: Vec<Digest>,
    /// The deleted image's layers among `orphans`, top first.
    layers: Vec<Digest>,
}

impl Store {
    /// Removes `arg` (a name, `name:tag`, `name@digest`, or an image ID or
    /// unique prefix) as `docker rmi [-f]` does; see the module docs.
    /// Returns the lines to print, in order.
    pub fn remove(&self, arg: &str, force: bool) -> Result<Vec<RemoveLine>, StoreError> {
        let plan = self.write(|tx| plan(tx, self, arg, force))?;
        let deleted = self.delete_unreferenced(&plan.orphans)?;
        let mut lines = plan.lines;
        lines.extend(
            plan.layers
                .into_iter()
                .filter(|l| deleted.contains(l))
                .map(RemoveLine::Deleted),
        );
        Ok(lines)
    }
}

fn plan(db: &Connection, store: &Store, arg: &str, force: bool) -> Result<Plan, StoreError> {
    let resolved = resolve_in(db, arg)?;
    let id = resolved.id;
    let mut refs = references(db, &id)?;
    let pins = pin_names(db, &id)?;
    let mut lines = Vec::new();
    match resolved.by {
        Some(named) => {
            if !force && is_single_reference(&refs) && !pins.is_empty() {
                return Err(Conflict::PinnedReference {
                    reference: arg.to_owned(),
                    image: id,
                    pins,
                }
                .into());
            }
            remove_reference(db, &named)?;
            lines.push(RemoveLine::Untagged(named.familiar()));
            refs.retain(|r| r != &named);
            if let Named::Tag { name, .. } = &named {
                let tag_left = refs
                    .iter()
                    .any(|r| matches!(r, Named::Tag { name: n, .. } if n == name));
                if !tag_left {
                    let (same_repo, others): (Vec<Named>, Vec<Named>) =
                        refs.into_iter().partition(|r| r.name() == name);
                    for r in same_repo {
                        remove_reference(db, &r)?;
                        lines.push(RemoveLine::Untagged(r.familiar()));
                    }
                    refs = others;
                }
            }
            if !refs.is_empty() {
                return Ok(Plan {
                    lines,
                    orphans: Vec::new(),
                    layers: Vec::new(),
                });
            }
        }
        None => {
            if is_single_reference(&refs) {
                check_not_in_use(db, store, arg, &id)?;
                if !force && !pins.is_empty() {
                    return Err(Conflict::PinnedImage { image: id, pins }.into());
                }
                for r in refs.drain(..) {
                    remove_reference(db, &r)?;
                    lines.push(RemoveLine::Untagged(r.familiar()));
                }
            }
        }
    }
    delete_image(db, store, arg, &id, force, &pins, refs, lines)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the steps read in order"
)]
fn delete_image(
    db: &Connection,
    store: &Store,
    arg: &str,
    id: &ImageId,
    force: bool,
    pins: &[String],
    refs: Vec<Named>,
    mut lines: Vec<RemoveLine>,
) -> Result<Plan, StoreError> {
    check_not_in_use(db, store, arg, id)?;
    if !force && !refs.is_empty() {
        return Err(Conflict::MultipleRepositories { image: id.clone() }.into());
    }
    if !force && !pins.is_empty() {
        return Err(Conflict::PinnedImage {
            image: id.clone(),
            pins: pins.to_vec(),
        }
        .into());
    }
    lines.extend(refs.iter().map(|r| RemoveLine::Untagged(r.familiar())));
    let blobs = image_blobs(db, id)?;
    let layers_top_first = primary_layers(db, id)?;
    db.execute("DELETE FROM images WHERE id = ?1", [id.to_string()])?;
    lines.push(RemoveLine::Deleted(id.digest().clone()));
    let mut orphans = Vec::new();
    for digest in blobs {
        if !orphans.contains(&digest) && !is_referenced(db, &digest)? {
            orphans.push(digest);
        }
    }
    let mut layers = Vec::new();
    for layer in layers_top_first {
        if orphans.contains(&layer) && !layers.contains(&layer) {
            layers.push(layer);
        }
    }
    Ok(Plan {
        lines,
        orphans,
        layers,
    })
}

/// Fails when a live lease holds the image (its ID, a manifest or an
/// index of it). Force does not override this.
fn check_not_in_use(
    db: &Connection,
    store: &Store,
    arg: &str,
    id: &ImageId,
) -> Result<(), StoreError> {
    let mut digests = vec![id.digest().clone()];
    let mut stmt = db.prepare(
        "SELECT digest FROM manifests WHERE image_id = ?1
         UNION SELECT x.digest FROM indexes x JOIN manifests m ON x.manifest_digest = m.digest
               WHERE m.image_id = ?1",
    )?;
    for d in stmt.query_map([id.to_string()], |row| digest_at(row, 0))? {
        digests.push(d?);
    }
    match live_holder(db, store.layout(), &digests)? {
        Some((holder, pid)) => Err(Conflict::InUse {
            reference: arg.to_owned(),
            image: id.clone(),
            holder,
            pid,
        }
        .into()),
        None => Ok(()),
    }
}

/// The image's references, sorted by repository, tags before digests.
fn references(db: &Connection, id: &ImageId) -> Result<Vec<Named>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = db.prepare("SELECT name, tag FROM tags WHERE image_id = ?1")?;
    for r in stmt.query_map([id.to_string()], |row| {
        Ok(Named::Tag {
            name: row.get(0)?,
            tag: row.get(1)?,
        })
    })? {
        out.push(r?);
    }
    let mut stmt = db.prepare("SELECT name, digest FROM repo_digests WHERE image_id = ?1")?;
    for r in stmt.query_map([id.to_string()], |row| {
        Ok(Named::Digest {
            name: row.get(0)?,
            digest: row.get(1)?,
        })
    })? {
        out.push(r?);
    }
    out.sort_by(|a, b| {
        (a.name(), matches!(a, Named::Digest { .. }), a).cmp(&(
            b.name(),
            matches!(b, Named::Digest { .. }),
            b,
        ))
    });
    Ok(out)
}

/// moby's `isSingleReference`: at most one tag, and every digest
/// reference in that tag's repository.
fn is_single_reference(refs: &[Named]) -> bool {
    if refs.len() <= 1 {
        return refs.len() == 1;
    }
    let mut single: Option<&Named> = None;
    let mut digest_repos: Vec<&str> = Vec::new();
    for r in refs {
        match r {
            Named::Digest { name, .. } => {
                if !digest_repos.contains(&name.as_str()) {
                    digest_repos.push(name);
                }
            }
            Named::Tag { .. } if single.is_none() => single = Some(r),
            Named::Tag { .. } => return false,
        }
    }
    let name = single.unwrap_or(&refs[0]).name();
    digest_repos.len() == 1 && digest_repos[0] == name
}

fn remove_reference(db: &Connection, named: &Named) -> Result<(), StoreError> {
    match named {
        Named::Tag { name, tag } => db.execute(
            "DELETE FROM tags WHERE name = ?1 AND tag = ?2",
            params![name, tag],
        )?,
        Named::Digest { name, digest } => db.execute(
            "DELETE FROM repo_digests WHERE name = ?1 AND digest = ?2",
            params![name, digest],
        )?,
    };
    Ok(())
}

/// Every blob the image's rows reference (config, manifests, layers,
/// indexes).
fn image_blobs(db: &Connection, id: &ImageId) -> Result<Vec<Digest>, StoreError> {
    let mut stmt = db.prepare(
        "SELECT id FROM images WHERE id = ?1
         UNION SELECT digest FROM manifests WHERE image_id = ?1
         UNION SELECT l.digest FROM layers l JOIN manifests m ON l.manifest_digest = m.digest
               WHERE m.image_id = ?1
         UNION SELECT x.digest FROM indexes x JOIN manifests m ON x.manifest_digest = m.digest
               WHERE m.image_id = ?1",
    )?;
    let blobs = stmt
        .query_map([id.to_string()], |row| digest_at(row, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(blobs)
}

/// The layers of the image's primary manifest, top first.
fn primary_layers(db: &Connection, id: &ImageId) -> Result<Vec<Digest>, StoreError> {
    let mut stmt = db.prepare(
        "SELECT l.digest FROM layers l JOIN images i ON l.manifest_digest = i.manifest_digest
         WHERE i.id = ?1 ORDER BY l.position DESC",
    )?;
    let layers = stmt
        .query_map([id.to_string()], |row| digest_at(row, 0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(layers)
}

pub(crate) fn is_referenced(db: &Connection, digest: &Digest) -> Result<bool, StoreError> {
    Ok(db.query_row(
        "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE digest = ?1)",
        [digest.to_string()],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, tag: &str) -> Named {
        Named::Tag {
            name: name.into(),
            tag: tag.into(),
        }
    }

    fn dig(name: &str, n: u8) -> Named {
        Named::Digest {
            name: name.into(),
            digest: Digest::sha256_of(&[n]).to_string(),
        }
    }

    #[test]
    fn single_reference_like_moby() {
        let cases: Vec<(Vec<Named>, bool)> = vec![
            (vec![], false),
            (vec![tag("a", "1")], true),
            (vec![dig("a", 1)], true),
            (vec![tag("a", "1"), dig("a", 1)], true),
            (vec![tag("a", "1"), dig("a", 1), dig("a", 2)], true),
            (vec![dig("a", 1), dig("a", 2)], true),
            (vec![tag("a", "1"), tag("a", "2")], false),
            (vec![tag("a", "1"), tag("b", "1")], false),
            (vec![tag("a", "1"), dig("b", 1)], false),
            (vec![tag("a", "1"), dig("a", 1), dig("b", 1)], false),
            (vec![dig("a", 1), dig("b", 1)], false),
        ];
        for (refs, want) in cases {
            assert_eq!(is_single_reference(&refs), want, "{refs:?}");
        }
    }

    #[test]
    fn lines_print_like_docker() {
        let d = Digest::sha256_of(b"x");
        assert_eq!(
            RemoveLine::Untagged("redis:latest".into()).to_string(),
            "Untagged: redis:latest"
        );
        assert_eq!(
            RemoveLine::Deleted(d.clone()).to_string(),
            format!("Deleted: {d}")
        );
    }
}
