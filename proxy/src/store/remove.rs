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
//! **Evicting** ([`Store::evict`], retention): removing by ID with every
//! reference, as `rm -f` would, except that a pinned image is refused, as
//! is one in use; the check and the removal are one transaction.
//!
//! **Operations in flight**: an image held by a live lease is never
//! deleted, forced or not; the error names the holder and its pid. Untags
//! that leave the image in place are allowed. A refused `rm` changes
//! nothing (one transaction).

use std::fmt;

use shared::digest::Digest;

use super::error::Conflict;
use super::metadata::{ImageState, Named, Removal, RepoName};
use super::record::ImageId;
use super::resolve::{Resolved, resolve_in};
use super::{Store, StoreError};

/// How often `rm` resolves its argument again when the image changed
/// between resolving it and removing it (another process retagged or
/// removed it meanwhile).
const ATTEMPTS: usize = 8;

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

/// What `rm` decided, from the image's state in the transaction; blobs
/// are deleted after it commits.
struct Decision {
    removal: Removal,
    lines: Vec<RemoveLine>,
    /// The deleted image's layers, top first (empty when it stays).
    layers: Vec<Digest>,
}

impl Store {
    /// Removes `arg` (a name, `name:tag`, `name@digest`, or an image ID or
    /// unique prefix) as `docker rmi [-f]` does; see the module docs.
    /// Returns the lines to print, in order.
    pub fn remove(&self, arg: &str, force: bool) -> Result<Vec<RemoveLine>, StoreError> {
        for _ in 0..ATTEMPTS {
            let resolved = resolve_in(self.metadata(), arg)?;
            let mut decided = None;
            let orphans = self.metadata().remove(&resolved.id, &mut |state| {
                decided = decide(self, arg, force, &resolved, state)?;
                Ok(decided
                    .as_ref()
                    .map(|d: &Decision| d.removal.clone())
                    .unwrap_or_default())
            })?;
            // `None`: the image changed since `arg` was resolved.
            let (Some(orphans), Some(decision)) = (orphans, decided) else {
                continue;
            };
            let deleted = self.delete_unreferenced(&orphans)?;
            let mut lines = decision.lines;
            let mut layers: Vec<Digest> = Vec::new();
            for layer in decision.layers {
                if orphans.contains(&layer) && !layers.contains(&layer) {
                    layers.push(layer);
                }
            }
            lines.extend(
                layers
                    .into_iter()
                    .filter(|l| deleted.contains(l))
                    .map(RemoveLine::Deleted),
            );
            return Ok(lines);
        }
        Err(StoreError::NoSuchImage {
            reference: arg.to_owned(),
        })
    }
}

impl Store {
    /// Evicts image `id` (retention): every tag and repo digest goes and
    /// the image is deleted, with the blobs no other image uses and no
    /// lease holds. Refused, changing nothing, when the image is pinned
    /// ([`Conflict::PinnedImage`]) or a live lease holds it
    /// ([`Conflict::InUse`]); [`StoreError::NoSuchImage`] when it is gone.
    /// Returns the blobs deleted.
    pub fn evict(&self, id: &ImageId) -> Result<Vec<Digest>, StoreError> {
        let orphans = self.metadata().remove(id, &mut |state| {
            check_not_in_use(self, &id.to_string(), state)?;
            if !state.pins.is_empty() {
                return Err(Conflict::PinnedImage {
                    image: id.clone(),
                    pins: state.pins.clone(),
                }
                .into());
            }
            Ok(Removal {
                untag: state.references.clone(),
                delete_image: true,
            })
        })?;
        match orphans {
            Some(orphans) => self.delete_unreferenced(&orphans),
            None => Err(StoreError::NoSuchImage {
                reference: id.to_string(),
            }),
        }
    }
}

/// Decides what removing `arg`, resolved as `resolved`, removes of the
/// image in `state`; `None` when `resolved.by` no longer names it.
fn decide(
    store: &Store,
    arg: &str,
    force: bool,
    resolved: &Resolved,
    state: &ImageState,
) -> Result<Option<Decision>, StoreError> {
    let id = &state.record.id;
    let mut refs = state.references.clone();
    refs.sort_by(|a, b| (a.name(), a.is_digest(), a).cmp(&(b.name(), b.is_digest(), b)));
    let pins = &state.pins;
    let mut untag = Vec::new();
    let mut lines = Vec::new();
    match &resolved.by {
        Some(named) if !refs.contains(named) => return Ok(None),
        Some(named) => {
            if !force && is_single_reference(&refs) && !pins.is_empty() {
                return Err(Conflict::PinnedReference {
                    reference: arg.to_owned(),
                    image: id.clone(),
                    pins: pins.clone(),
                }
                .into());
            }
            untag.push(named.clone());
            lines.push(RemoveLine::Untagged(named.familiar()));
            refs.retain(|r| r != named);
            if let Named::Tag { name, .. } = named {
                let tag_left = refs
                    .iter()
                    .any(|r| matches!(r, Named::Tag { name: n, .. } if n == name));
                if !tag_left {
                    let (same_repo, others): (Vec<Named>, Vec<Named>) =
                        refs.into_iter().partition(|r| r.name() == name);
                    for r in same_repo {
                        lines.push(RemoveLine::Untagged(r.familiar()));
                        untag.push(r);
                    }
                    refs = others;
                }
            }
            if !refs.is_empty() {
                return Ok(Some(Decision {
                    removal: Removal {
                        untag,
                        delete_image: false,
                    },
                    lines,
                    layers: Vec::new(),
                }));
            }
        }
        None => {
            if is_single_reference(&refs) {
                check_not_in_use(store, arg, state)?;
                if !force && !pins.is_empty() {
                    return Err(Conflict::PinnedImage {
                        image: id.clone(),
                        pins: pins.clone(),
                    }
                    .into());
                }
                for r in refs.drain(..) {
                    lines.push(RemoveLine::Untagged(r.familiar()));
                    untag.push(r);
                }
            }
        }
    }
    // Deleting the image.
    check_not_in_use(store, arg, state)?;
    if !force && !refs.is_empty() {
        return Err(Conflict::MultipleRepositories { image: id.clone() }.into());
    }
    if !force && !pins.is_empty() {
        return Err(Conflict::PinnedImage {
            image: id.clone(),
            pins: pins.clone(),
        }
        .into());
    }
    lines.extend(refs.iter().map(|r| RemoveLine::Untagged(r.familiar())));
    lines.push(RemoveLine::Deleted(id.digest().clone()));
    Ok(Some(Decision {
        removal: Removal {
            untag,
            delete_image: true,
        },
        lines,
        layers: state
            .record
            .layers
            .iter()
            .rev()
            .map(|l| l.digest.clone())
            .collect(),
    }))
}

/// Fails when a live lease holds the image (its ID, a manifest or an
/// index of it). Force does not override this.
pub(super) fn check_not_in_use(
    store: &Store,
    arg: &str,
    state: &ImageState,
) -> Result<(), StoreError> {
    match store.live_holder(&state.leases) {
        Some((holder, pid)) => Err(Conflict::InUse {
            reference: arg.to_owned(),
            image: state.record.id.clone(),
            holder,
            pid,
        }
        .into()),
        None => Ok(()),
    }
}

/// moby's `isSingleReference`: at most one tag, and every digest
/// reference in that tag's repository.
fn is_single_reference(refs: &[Named]) -> bool {
    if refs.len() <= 1 {
        return refs.len() == 1;
    }
    let mut single: Option<&Named> = None;
    let mut digest_repos: Vec<&RepoName> = Vec::new();
    for r in refs {
        match r {
            Named::Digest { name, .. } => {
                if !digest_repos.contains(&name) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str) -> RepoName {
        RepoName::of(&name.parse().expect("reference"))
    }

    fn tag(name: &str, tag: &str) -> Named {
        Named::Tag {
            name: repo(name),
            tag: tag.parse().expect("tag"),
        }
    }

    fn dig(name: &str, n: u8) -> Named {
        Named::Digest {
            name: repo(name),
            digest: Digest::sha256_of(&[n]),
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
