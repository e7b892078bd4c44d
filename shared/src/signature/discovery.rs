//! The referrers step of the image walk: from an image's digest to every
//! signature, attestation and SBOM attached to it, verified.
//!
//! Like [`crate::walk::Walk`] it does no I/O. A driver (the CLI's registry
//! client, the browser's `fetch`) asks [`Discovery::next_need`] what to fetch,
//! fetches it, and hands back the bytes, or says it was not there:
//!
//! ```text
//! Referrers ─┐                      ┌─▶ Layer ─▶ Finding
//! .sig tag ──┼─▶ Artifact manifest ─┼─▶ Layer ─▶ Finding
//! .att tag ──┤                      └─▶ …
//! .sbom tag ─┘
//! ```
//!
//! Bounds: at most [`MAX_ARTIFACTS`] artifacts and [`MAX_LAYERS`] layers
//! of each are read, each layer under its role's [`limit`]; an
//! artifact manifest must match its digest and be at most
//! [`crate::walk::MAX_MANIFEST`] bytes.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::manifest::{Descriptor, ImageIndex, ImageManifest, Manifest};
use crate::reference::Tag;

use super::evidence::{Role, Source, legacy_tag, limit, role};
use super::finding::{Finding, Verdict};
use super::policy::Policy;
use super::trusted_root::TrustedRoot;
use super::verify::{Context, verify_layer};

/// The most artifacts one image's discovery reads.
pub const MAX_ARTIFACTS: usize = 64;
/// The most layers read of one artifact.
pub const MAX_LAYERS: usize = 16;
/// The most bytes of layers one discovery reads, in all (their declared
/// sizes, checked before fetching).
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;

/// What a driver must fetch next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// The subject's referrers: the referrers API, else the referrers tag.
    /// Feed [`Discovery::referrers`].
    Referrers,
    /// A manifest by tag (cosign's legacy tags); feed
    /// [`Discovery::artifact`] or [`Discovery::absent`].
    Tag {
        /// Which tag.
        source: Source,
        /// The tag.
        tag: Tag,
    },
    /// An artifact manifest by digest; feed [`Discovery::artifact`].
    Artifact {
        /// Where it was listed.
        source: Source,
        /// Its descriptor.
        descriptor: Descriptor,
        /// The image it is about.
        subject: Digest,
    },
    /// A layer blob, at most `limit` bytes; feed [`Discovery::layer`].
    Layer {
        /// Where its artifact was found.
        source: Source,
        /// The artifact manifest's digest.
        artifact: Digest,
        /// The layer's descriptor.
        descriptor: Descriptor,
        /// What it holds.
        role: Role,
        /// The most bytes to read.
        limit: u64,
        /// The image it is about.
        subject: Digest,
        /// The artifact's type.
        artifact_type: Option<String>,
    },
}

/// An artifact that could not be read (absent tags are not problems).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What was being read.
    pub what: String,
    /// What was wrong.
    pub message: String,
}

/// The sum of an image's findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "summary", rename_all = "kebab-case")]
pub enum Summary {
    /// At least one signature verified under the policy.
    Verified {
        /// Who signed, each verified signer once.
        signers: Vec<String>,
        /// What the verification rests on.
        rests_on: String,
    },
    /// Signatures verified, but the policy names no key or identity.
    Unpinned {
        /// Who the certificates say signed.
        signers: Vec<String>,
    },
    /// There are signatures, but none verified under the policy.
    NoMatch {
        /// Each signature's first failed check, as one line.
        failures: Vec<String>,
    },
    /// Keyed signatures, and no key to check them with.
    NeedsKey,
    /// Nothing is signed.
    Unsigned,
}

/// The referrers step: see the module doc.
#[derive(Debug)]
pub struct Discovery {
    subject: Digest,
    policy: Option<Policy>,
    root: TrustedRoot,
    predicate_type: Option<String>,
    queue: VecDeque<Need>,
    artifacts: usize,
    seen: Vec<Digest>,
    layers_seen: Vec<(Descriptor, Digest)>,
    bytes_queued: u64,
    findings: Vec<Finding>,
    problems: Vec<Problem>,
}

impl Discovery {
    /// Discovery for `subject` (the digest the user named: an index or a
    /// manifest), checked against `policy` and `root`.
    pub fn new(subject: Digest, policy: Option<Policy>, root: TrustedRoot) -> Discovery {
        let mut queue = VecDeque::from([Need::Referrers]);
        for source in [
            Source::SignatureTag,
            Source::AttestationTag,
            Source::SbomTag,
        ] {
            if let Some(tag) = legacy_tag(&subject, source) {
                queue.push_back(Need::Tag { source, tag });
            }
        }
        Discovery {
            subject,
            policy,
            root,
            predicate_type: None,
            queue,
            artifacts: 0,
            seen: Vec::new(),
            layers_seen: Vec::new(),
            bytes_queued: 0,
            findings: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Only attestations of this type verify (cosign's `--type` names, or a URI).
    pub fn with_predicate_type(mut self, name: Option<String>) -> Discovery {
        self.predicate_type = name;
        self
    }

    /// Also reads the BuildKit attestation manifests among an index's
    /// `entries` (each checked against the platform manifest it names).
    pub fn with_index_attestations<'a>(
        mut self,
        entries: impl IntoIterator<Item = &'a Descriptor>,
    ) -> Discovery {
        for entry in entries.into_iter().filter(|d| d.is_attestation()) {
            let about = entry
                .annotations
                .get("vnd.docker.reference.digest")
                .and_then(|d| d.parse().ok())
                .unwrap_or_else(|| self.subject.clone());
            self.queue_artifact(Source::IndexAttestation, entry.clone(), about);
        }
        self
    }

    /// The image checked.
    pub fn subject(&self) -> &Digest {
        &self.subject
    }

    /// What to fetch next; `None` when done.
    pub fn next_need(&mut self) -> Option<Need> {
        self.queue.pop_front()
    }

    /// The referrers list, or `None` when the registry lists none.
    pub fn referrers(&mut self, index: Option<&ImageIndex>) {
        let Some(index) = index else { return };
        for descriptor in &index.manifests {
            self.queue_artifact(Source::Referrers, descriptor.clone(), self.subject.clone());
        }
    }

    fn queue_artifact(&mut self, source: Source, descriptor: Descriptor, subject: Digest) {
        if self.artifacts >= MAX_ARTIFACTS || self.seen.contains(&descriptor.digest) {
            return;
        }
        self.artifacts += 1;
        self.seen.push(descriptor.digest.clone());
        self.queue.push_back(Need::Artifact {
            source,
            descriptor,
            subject,
        });
    }

    /// A tag or artifact that does not exist (a `404`).
    pub fn absent(&mut self, _need: &Need) {}

    /// A fetch that failed for another reason.
    pub fn failed(&mut self, need: &Need, message: impl Into<String>) {
        self.problems.push(Problem {
            what: describe(need),
            message: message.into(),
        });
    }

    /// The manifest fetched for a [`Need::Tag`] or [`Need::Artifact`]:
    /// its bytes, and its digest as the registry named it (by tag: the
    /// `Docker-Content-Digest`; by digest: `None`, the descriptor's is used).
    pub fn artifact(&mut self, need: &Need, bytes: &[u8]) {
        let (source, subject, expected) = match need {
            Need::Tag { source, .. } => (*source, self.subject.clone(), None),
            Need::Artifact {
                source,
                descriptor,
                subject,
            } => (*source, subject.clone(), Some(&descriptor.digest)),
            _ => return,
        };
        let digest = Digest::sha256_of(bytes);
        if bytes.len() as u64 > crate::walk::MAX_MANIFEST {
            return self.failed(
                need,
                "the artifact manifest is larger than a manifest may be",
            );
        }
        if let Some(expected) = expected
            && expected != &digest
        {
            return self.failed(
                need,
                format!("its bytes hash to {digest}, not the {expected} listed"),
            );
        }
        let manifest: ImageManifest = match Manifest::from_slice(bytes, None) {
            Ok(Manifest::Image(m)) => *m,
            Ok(Manifest::Index(_)) => {
                return self.failed(need, "an index where an artifact manifest was expected");
            }
            Err(e) => return self.failed(need, e.to_string()),
        };
        if matches!(need, Need::Tag { .. }) {
            if self.seen.contains(&digest) {
                return;
            }
            self.seen.push(digest.clone());
        }
        let artifact_type = manifest
            .artifact_type
            .as_ref()
            .unwrap_or(&manifest.config.media_type)
            .as_str()
            .to_owned();
        for layer in manifest.layers.iter().take(MAX_LAYERS) {
            let role = role(source, &manifest, layer);
            // An index's attestation entries are BuildKit's unsigned
            // statements: a signature there would be about whatever digest
            // the entry's annotation names, so it is listed, never checked.
            let readable =
                source != Source::IndexAttestation || matches!(role, Role::Statement | Role::Sbom);
            let limit = limit(role).filter(|_| readable);
            let Some(limit) = limit else {
                // Listed, as every referrer is, but not read.
                let mut finding = Finding::unread(source, &subject, &digest, role, layer);
                finding.artifact_type = Some(artifact_type.clone());
                self.findings.push(finding);
                continue;
            };
            // The same layer (digest and annotations: cosign's keyed and
            // keyless signatures share a payload) about the same image is
            // read once.
            let key = (layer.clone(), subject.clone());
            if self.layers_seen.contains(&key) {
                continue;
            }
            if self.bytes_queued.saturating_add(layer.size) > MAX_TOTAL_BYTES {
                self.problems.push(Problem {
                    what: format!("the layer {}", layer.digest),
                    message: format!(
                        "not read: this image's artifacts declare more than {} MiB of layers in all",
                        MAX_TOTAL_BYTES >> 20
                    ),
                });
                continue;
            }
            self.bytes_queued += layer.size.min(limit);
            self.layers_seen.push(key);
            self.queue.push_back(Need::Layer {
                source,
                artifact: digest.clone(),
                descriptor: layer.clone(),
                role,
                limit,
                subject: subject.clone(),
                artifact_type: Some(artifact_type.clone()),
            });
        }
    }

    /// The bytes of a [`Need::Layer`] (at most its limit).
    pub fn layer(&mut self, need: &Need, bytes: &[u8]) {
        let Need::Layer {
            source,
            artifact,
            descriptor,
            role,
            subject,
            artifact_type,
            ..
        } = need
        else {
            return;
        };
        let ctx = Context {
            subject,
            policy: self.policy.as_ref(),
            root: &self.root,
            predicate_type: self.predicate_type.as_deref(),
        };
        let mut finding = verify_layer(&ctx, *source, artifact, *role, descriptor, bytes);
        finding.artifact_type = artifact_type.clone();
        self.findings.push(finding);
    }

    /// What was found so far.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// What could not be read.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The sum of the findings: see [`summarize`].
    pub fn summary(&self) -> Summary {
        summarize(&self.findings, &self.subject, self.predicate_type.is_some())
    }
}

/// The sum of the `findings` about `subject`: verified if any signature
/// (or, when `attestations`, any attestation) of it verified. Findings
/// about other digests (a platform of an index) never count.
pub fn summarize(findings: &[Finding], subject: &Digest, attestations: bool) -> Summary {
    let wanted: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.subject == *subject)
        .filter(|f| f.is_signed())
        .filter(|f| {
            let is_attestation = matches!(f.kind, super::finding::Kind::Attestation { .. });
            is_attestation == attestations
        })
        .collect();
    let mut signers = Vec::new();
    let mut rests_on = String::new();
    for f in &wanted {
        if let Verdict::Verified {
            signer,
            rests_on: r,
        } = &f.verdict
        {
            if !signers.contains(signer) {
                signers.push(signer.clone());
            }
            if rests_on.is_empty() {
                rests_on = r.clone();
            }
        }
    }
    if !signers.is_empty() {
        return Summary::Verified { signers, rests_on };
    }
    let unpinned: Vec<String> = wanted
        .iter()
        .filter_map(|f| match &f.verdict {
            Verdict::Unpinned { signer, .. } => Some(signer.clone()),
            _ => None,
        })
        .collect();
    // Failures of signatures made the way the policy asks first: that a
    // keyless signature is not by the policy's key says little.
    let mut failed: Vec<&&Finding> = wanted
        .iter()
        .filter(|f| matches!(f.verdict, Verdict::Failed { .. }))
        .collect();
    failed.sort_by_key(|f| f.other_kind);
    let failures: Vec<String> = failed
        .iter()
        .filter_map(|f| match &f.verdict {
            Verdict::Failed { check } => Some(check.line()),
            _ => None,
        })
        .collect();
    if !failures.is_empty() {
        return Summary::NoMatch { failures };
    }
    if !unpinned.is_empty() {
        return Summary::Unpinned { signers: unpinned };
    }
    if wanted
        .iter()
        .any(|f| matches!(f.verdict, Verdict::NotChecked { .. }))
    {
        return Summary::NeedsKey;
    }
    Summary::Unsigned
}

fn describe(need: &Need) -> String {
    match need {
        Need::Referrers => "the referrers list".into(),
        Need::Tag { tag, .. } => format!("the tag {}", tag.as_str()),
        Need::Artifact { descriptor, .. } => format!("the artifact {}", descriptor.digest),
        Need::Layer { descriptor, .. } => format!("the layer {}", descriptor.digest),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::manifest::no_referrers;
    use crate::media_type::MediaType;
    use crate::signature::Kind;

    fn artifact(artifact_type: &str, layer_type: &str, layer: &[u8]) -> Vec<u8> {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"{artifact_type}","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"{layer_type}","digest":"{}","size":{}}}]}}"#,
            Digest::sha256_of(b"{}"),
            Digest::sha256_of(layer),
            layer.len()
        )
        .into_bytes()
    }

    fn descriptor(bytes: &[u8]) -> Descriptor {
        Descriptor::new(
            MediaType::OciManifest,
            Digest::sha256_of(bytes),
            bytes.len() as u64,
        )
    }

    #[test]
    fn every_referrer_is_listed_and_only_known_kinds_are_read() {
        let subject = Digest::sha256_of(b"image");
        let mut d = Discovery::new(subject.clone(), None, TrustedRoot::public_good());
        assert_eq!(d.next_need(), Some(Need::Referrers));
        let sbom = br#"{"spdxVersion":"SPDX-2.3","packages":[]}"#;
        let spdx = artifact("application/spdx+json", "application/spdx+json", sbom);
        let odd = artifact("application/x-unknown", "application/x-unknown", b"??");
        let mut index = no_referrers();
        index.manifests = vec![descriptor(&spdx), descriptor(&odd), descriptor(&spdx)];
        d.referrers(Some(&index));
        // The three legacy tags, then the two distinct artifacts.
        let mut layers = Vec::new();
        while let Some(need) = d.next_need() {
            match &need {
                Need::Tag { .. } => d.absent(&need),
                Need::Artifact { descriptor: a, .. } if a.digest == Digest::sha256_of(&spdx) => {
                    d.artifact(&need, &spdx)
                }
                Need::Artifact { .. } => d.artifact(&need, &odd),
                Need::Layer { role, limit, .. } => {
                    assert_eq!(*role, Role::Sbom);
                    assert_eq!(*limit, crate::signature::MAX_DOCUMENT);
                    layers.push(need.clone());
                    d.layer(&need, sbom);
                }
                Need::Referrers => panic!("asked twice"),
            }
        }
        assert_eq!(layers.len(), 1, "the repeated referrer is read once");
        let kinds: Vec<(&Kind, Option<&str>)> = d
            .findings()
            .iter()
            .map(|f| (&f.kind, f.artifact_type.as_deref()))
            .collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(kinds.contains(&(
            &Kind::Other {
                media_type: "application/x-unknown".into()
            },
            Some("application/x-unknown")
        )));
        assert!(kinds.contains(&(&Kind::Sbom, Some("application/spdx+json"))));
        assert_eq!(d.summary(), Summary::Unsigned);
        assert!(d.problems().is_empty());
    }

    #[test]
    fn a_lying_registry_and_a_flood_of_referrers_are_bounded() {
        let subject = Digest::sha256_of(b"image");
        let mut d = Discovery::new(subject, None, TrustedRoot::public_good());
        let mut index = no_referrers();
        index.manifests = (0..1000u32).map(|i| descriptor(&i.to_be_bytes())).collect();
        d.referrers(Some(&index));
        let mut artifacts = 0;
        while let Some(need) = d.next_need() {
            if let Need::Artifact { .. } = need {
                artifacts += 1;
                // Bytes that are not the listed digest.
                d.artifact(&need, b"{}");
            }
        }
        assert_eq!(artifacts, MAX_ARTIFACTS);
        assert_eq!(d.problems().len(), MAX_ARTIFACTS);
        assert!(
            d.problems()[0].message.contains("not the"),
            "{:?}",
            d.problems()[0]
        );
    }
}
