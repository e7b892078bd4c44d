//! The referrers step over `/v2`: drives [`Discovery`] with the browser's
//! `fetch`, in waves (every need known so far fetched at once), and keeps
//! the SBOM documents found, to render them.

use std::sync::Arc;

use shared::attestation::Sbom;
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::reference::{Reference, TagOrDigest};
use shared::signature::{Discovery, Finding, Need, Policy, Problem, Role, Summary, TrustedRoot};

use crate::api;

/// What the step found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The image checked.
    pub subject: Digest,
    /// Every layer found, verified.
    pub findings: Vec<Finding>,
    /// What could not be read.
    pub problems: Vec<Problem>,
    /// The signatures' sum.
    pub signatures: Summary,
    /// The signed attestations' sum.
    pub attestations: Summary,
    /// The trusted root the keyless checks used.
    pub root: String,
    /// Unsigned SBOM documents, by layer digest, read to render.
    pub documents: Vec<(Digest, Result<Arc<Sbom>, String>)>,
    /// How long it took, in milliseconds (for the benchmark).
    pub elapsed_ms: f64,
}

/// The trusted root: the server's (`strata serve --trusted-root`), else
/// the public-good one this app ships.
pub async fn trusted_root() -> Result<TrustedRoot, String> {
    match api::trusted_root().await {
        Ok(Some(json)) => TrustedRoot::from_json(&json)
            .map_err(|e| format!("the server's trusted root is unusable: {e}")),
        Ok(None) => Ok(TrustedRoot::public_good()),
        Err(e) => Err(format!("cannot ask the server for its trusted root: {e}")),
    }
}

/// Finds and verifies everything attached to `subject`.
pub async fn discover(
    reference: &Reference,
    subject: Digest,
    attestations: &[Descriptor],
    policy: Option<Policy>,
) -> Result<Report, String> {
    let started = js_sys::Date::now();
    let root = trusted_root().await?;
    let root_name = root.name().to_owned();
    let mut discovery =
        Discovery::new(subject.clone(), policy, root).with_index_attestations(attestations);
    let mut documents = Vec::new();
    // Each wave fetches every need known so far at once (the referrers and
    // tags, then their artifacts, then their layers), then feeds the
    // answers in order.
    loop {
        let wave: Vec<Need> = std::iter::from_fn(|| discovery.next_need()).collect();
        if wave.is_empty() {
            break;
        }
        let answers =
            futures::future::join_all(wave.iter().map(|need| fetch(reference, &subject, need)))
                .await;
        for (need, answer) in wave.iter().zip(answers) {
            match answer {
                Answer::Referrers(index) => discovery.referrers(index.as_ref()),
                Answer::Manifest(bytes) => discovery.artifact(need, &bytes),
                Answer::Layer(bytes) => {
                    discovery.layer(need, &bytes);
                    if let Need::Layer {
                        descriptor,
                        role: Role::Sbom,
                        ..
                    } = need
                        && Digest::sha256_of(&bytes) == descriptor.digest
                    {
                        let sbom = Sbom::from_slice(&bytes, descriptor.media_type.as_str())
                            .map(Arc::new)
                            .map_err(|e| e.to_string());
                        documents.push((descriptor.digest.clone(), sbom));
                    }
                }
                Answer::Absent => discovery.absent(need),
                Answer::Failed(message) => discovery.failed(need, message),
            }
        }
    }
    let findings = discovery.findings().to_vec();
    let signatures = shared::signature::summarize(&findings, &subject, false);
    let attestations = shared::signature::summarize(&findings, &subject, true);
    Ok(Report {
        subject,
        signatures,
        attestations,
        problems: discovery.problems().to_vec(),
        findings,
        root: root_name,
        documents,
        elapsed_ms: js_sys::Date::now() - started,
    })
}

/// What fetching one need gave.
enum Answer {
    Referrers(Option<shared::manifest::ImageIndex>),
    Manifest(Vec<u8>),
    Layer(Vec<u8>),
    Absent,
    Failed(String),
}

/// Fetches what `need` asks for through `/v2`.
async fn fetch(reference: &Reference, subject: &Digest, need: &Need) -> Answer {
    match need {
        Need::Referrers => match api::v2_referrers(reference, subject).await {
            Ok(index) => Answer::Referrers(index),
            Err(e) => Answer::Failed(e.to_string()),
        },
        Need::Tag { tag, .. } => {
            match api::v2_manifest(reference, &TagOrDigest::Tag(tag.clone())).await {
                Ok(raw) => Answer::Manifest(raw.bytes),
                Err(e) if e.is_not_found() => Answer::Absent,
                Err(e) => Answer::Failed(e.to_string()),
            }
        }
        Need::Artifact { descriptor, .. } => {
            match api::v2_manifest(reference, &TagOrDigest::Digest(descriptor.digest.clone())).await
            {
                Ok(raw) => Answer::Manifest(raw.bytes),
                Err(e) => Answer::Failed(e.to_string()),
            }
        }
        Need::Layer {
            descriptor, limit, ..
        } => {
            if descriptor.size > *limit {
                return Answer::Failed(format!(
                    "{} bytes, more than the {limit} this page reads for this kind of layer",
                    descriptor.size
                ));
            }
            match api::v2_blob_bytes(reference, &descriptor.digest, *limit).await {
                Ok(bytes) => Answer::Layer(bytes),
                Err(e) => Answer::Failed(e.to_string()),
            }
        }
    }
}
