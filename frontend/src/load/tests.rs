//! The three readers of an image (the image page, Verify, the explorer)
//! over one page's documents: the same platform by the same rule, each
//! document fetched once, and a failure shown as the same node's failure.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures::FutureExt;
use serde_json::{Value, json};
use shared::digest::Digest;
use shared::reference::{Reference, TagOrDigest};
use shared::verify::{Chain, NodeKey, NodeState, Origin};
use shared::walk::{Fetched, PlatformChoice};
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::documents::Request;
use super::{Documents, drive};
use crate::api::ApiError;
use crate::explorer::session::Opened;
use crate::pages::image::remote::RemoteImage;
use crate::verify::record;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const REPO: &str = "localhost:5000/team/app";

fn doc(value: &Value) -> (Vec<u8>, Digest) {
    let bytes = serde_json::to_vec(value).expect("json");
    let digest = Digest::sha256_of(&bytes);
    (bytes, digest)
}

fn descriptor(media_type: &str, bytes: &[u8], digest: &Digest) -> Value {
    json!({"mediaType": media_type, "digest": digest.to_string(), "size": bytes.len()})
}

/// A registry of one repository: an index (tag `v1`) whose first runnable
/// entry is linux/arm64, then linux/amd64, each a manifest with a config.
struct Registry {
    docs: RefCell<HashMap<String, Vec<u8>>>,
    index: Digest,
    arm64: Digest,
    amd64: Digest,
    arm64_config: Digest,
}

impl Registry {
    fn new() -> Rc<Registry> {
        let mut docs = HashMap::new();
        let mut image = |arch: &str| {
            let (config, config_digest) = doc(&json!({
                "architecture": arch, "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [Digest::sha256_of(arch.as_bytes()).to_string()]},
                "history": [{"created_by": format!("ADD {arch}.tar /")}],
            }));
            let layer = Digest::sha256_of(format!("layer {arch}").as_bytes());
            let (manifest, manifest_digest) = doc(&json!({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": descriptor(OCI_CONFIG, &config, &config_digest),
                "layers": [{"mediaType": GZIP_LAYER, "digest": layer.to_string(), "size": 100}],
            }));
            let entry = descriptor(OCI_MANIFEST, &manifest, &manifest_digest);
            docs.insert(format!("blob {config_digest}"), config);
            docs.insert(format!("manifest {manifest_digest}"), manifest);
            (entry, manifest_digest, config_digest)
        };
        let (mut arm_entry, arm64, arm64_config) = image("arm64");
        let (mut amd_entry, amd64, _) = image("amd64");
        arm_entry["platform"] = json!({"os": "linux", "architecture": "arm64"});
        amd_entry["platform"] = json!({"os": "linux", "architecture": "amd64"});
        let attestation = json!({
            "mediaType": OCI_MANIFEST, "digest": Digest::sha256_of(b"att").to_string(), "size": 10,
            "platform": {"os": "unknown", "architecture": "unknown"},
            "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": amd64.to_string()},
        });
        let (index, index_digest) = doc(&json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": [attestation, arm_entry, amd_entry],
        }));
        docs.insert("manifest v1".to_owned(), index.clone());
        docs.insert(format!("manifest {index_digest}"), index);
        Rc::new(Registry {
            docs: RefCell::new(docs),
            index: index_digest,
            arm64,
            amd64,
            arm64_config,
        })
    }

    /// Documents fetched from this registry; each fetch is logged.
    fn documents(self: &Rc<Self>, log: Rc<RefCell<Vec<String>>>) -> Documents {
        let registry = Rc::clone(self);
        Documents::new(Rc::new(move |reference: Reference, request: Request| {
            assert_eq!(reference.name_only().to_string(), REPO);
            let key = match request {
                Request::Manifest(TagOrDigest::Tag(tag)) => format!("manifest {tag}"),
                Request::Manifest(TagOrDigest::Digest(d)) => format!("manifest {d}"),
                Request::Blob { digest, .. } => format!("blob {digest}"),
            };
            log.borrow_mut().push(key.clone());
            let answer = registry.docs.borrow().get(&key).cloned();
            async move {
                answer
                    .map(|bytes| Rc::new(Fetched::new(bytes)))
                    .ok_or(ApiError::Status {
                        status: 404,
                        message: format!("no {key}"),
                    })
            }
            .boxed_local()
        }))
    }

    fn corrupt(&self, key: &str) {
        if let Some(bytes) = self.docs.borrow_mut().get_mut(key) {
            bytes[0] ^= 1;
        }
    }
}

fn reference(at: &str) -> Reference {
    format!("{REPO}{at}").parse().expect("reference")
}

fn chain_of(reference: &Reference) -> Chain {
    Chain::new(match reference.manifest_reference() {
        TagOrDigest::Digest(d) => Origin::Digest(d),
        TagOrDigest::Tag(t) => Origin::Tag(t),
    })
}

fn state(chain: &Chain, key: NodeKey) -> NodeState {
    chain.get(key).map(|n| n.state.clone()).expect("node")
}

/// Opened without `?platform=`, an index whose first runnable entry is not
/// linux/amd64 shows, verifies and explores that entry in all three; and
/// the index, the manifest and the config are each fetched once for the
/// three (and for the explorer opened from the page, on the manifest's
/// own digest).
#[test]
async fn three_readers_one_platform_one_fetch_each() {
    let registry = Registry::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let documents = registry.documents(Rc::clone(&log));
    let by_index = reference(&format!("@{}", registry.index));
    let choice = PlatformChoice::page(None);

    let page = RemoteImage::of(&drive(&documents, &by_index, choice.clone()).await).expect("page");
    assert_eq!(page.manifest_digest(), Some(&registry.arm64));
    assert_eq!(
        page.platform().map(|p| p.to_string()).as_deref(),
        Some("linux/arm64")
    );
    assert!(page.shown.as_ref().is_ok_and(|s| s.detail.is_ok()));

    let loaded = drive(&documents, &by_index, choice.clone()).await;
    let mut chain = chain_of(&by_index);
    let manifest = record(&loaded, &mut chain).expect("a verified manifest");
    assert_eq!(
        state(&chain, NodeKey::Index),
        NodeState::Verified {
            digest: registry.index.clone()
        }
    );
    assert_eq!(
        state(&chain, NodeKey::Manifest),
        NodeState::Verified {
            digest: registry.arm64.clone()
        }
    );
    assert_eq!(
        state(&chain, NodeKey::Config),
        NodeState::Verified {
            digest: registry.arm64_config.clone()
        }
    );
    assert_eq!(manifest.layers.len(), 1);

    let opened = Opened::of(&drive(&documents, &by_index, choice).await).expect("explorer");
    assert_eq!(opened.manifest_digest, registry.arm64);
    assert_eq!(opened.history, [Some("ADD arm64.tar /".to_owned())]);

    // The page's explorer link pins the manifest it shows.
    let pinned = reference(&format!("@{}", registry.arm64));
    let opened = Opened::of(&drive(&documents, &pinned, PlatformChoice::page(None)).await)
        .expect("explorer");
    assert_eq!(opened.manifest_digest, registry.arm64);

    assert_eq!(
        *log.borrow(),
        [
            format!("manifest {}", registry.index),
            format!("manifest {}", registry.arm64),
            format!("blob {}", registry.arm64_config),
        ],
        "each document once"
    );
    assert_eq!(documents.fetches(), 3);
}

/// `?platform=` and the stored image's manifest win over the first entry,
/// for every reader alike.
#[test]
async fn the_url_then_the_preferred_entry_then_the_first_runnable() {
    let registry = Registry::new();
    let documents = registry.documents(Rc::default());
    let by_tag = reference(":v1");
    #[rustfmt::skip]
    let cases = [
        (PlatformChoice::page(None), &registry.arm64),
        (PlatformChoice::page(Some("linux/amd64".parse().expect("platform"))), &registry.amd64),
        (PlatformChoice::Page { wanted: None, preferred: Some(registry.amd64.clone()) }, &registry.amd64),
        (PlatformChoice::Page { wanted: Some("linux/arm64".parse().expect("platform")), preferred: Some(registry.amd64.clone()) }, &registry.arm64),
    ];
    for (choice, want) in cases {
        let loaded = drive(&documents, &by_tag, choice.clone()).await;
        let page = RemoteImage::of(&loaded).expect("page");
        let mut chain = chain_of(&by_tag);
        record(&loaded, &mut chain);
        let explored = Opened::of(&loaded).expect("explorer");
        assert_eq!(page.manifest_digest(), Some(want), "{choice:?}");
        assert_eq!(
            chain
                .get(NodeKey::Manifest)
                .and_then(|n| n.expected.as_ref()),
            Some(want),
            "{choice:?}"
        );
        assert_eq!(&explored.manifest_digest, want, "{choice:?}");
        // One sentence for where trust starts, in Verify and the explorer.
        assert_eq!(explored.trust_note, chain.trust_note(), "{choice:?}");
        assert!(
            explored
                .trust_note
                .is_some_and(|n| n.contains(&registry.index.to_string()))
        );
    }
}

/// A config whose bytes changed: Verify shows the config as a mismatch and
/// the diffs unchecked; the page shows no facts from it; the explorer still
/// lists the (verified) manifest's layers.
#[test]
async fn a_changed_config_is_the_config_nodes_failure_everywhere() {
    let registry = Registry::new();
    registry.corrupt(&format!("blob {}", registry.arm64_config));
    let documents = registry.documents(Rc::default());
    let by_index = reference(&format!("@{}", registry.index));
    let loaded = drive(&documents, &by_index, PlatformChoice::page(None)).await;

    let mut chain = chain_of(&by_index);
    assert!(
        record(&loaded, &mut chain).is_some(),
        "the manifest verified"
    );
    assert!(matches!(
        state(&chain, NodeKey::Config),
        NodeState::Mismatch { .. }
    ));
    assert!(matches!(
        state(&chain, NodeKey::Diff(0)),
        NodeState::NotChecked { .. }
    ));
    assert_eq!(state(&chain, NodeKey::Layer(0)), NodeState::Pending);

    let page = RemoteImage::of(&loaded).expect("page");
    let shown = page.shown.expect("the manifest is shown");
    assert!(shown.config_doc.is_err() && shown.detail.is_err());

    let opened = Opened::of(&loaded).expect("explorer");
    assert_eq!(opened.layers.len(), 1);
    assert!(opened.history.is_empty());
}

/// A manifest whose bytes changed: the top node is the mismatch, nothing
/// below it is added, and neither the page nor the explorer shows it.
#[test]
async fn a_changed_manifest_is_the_top_nodes_failure() {
    let registry = Registry::new();
    registry.corrupt(&format!("manifest {}", registry.arm64));
    let documents = registry.documents(Rc::default());
    let pinned = reference(&format!("@{}", registry.arm64));
    let loaded = drive(&documents, &pinned, PlatformChoice::page(None)).await;
    let mut chain = chain_of(&pinned);
    assert!(record(&loaded, &mut chain).is_none());
    assert_eq!(chain.nodes().len(), 1);
    assert!(matches!(
        state(&chain, NodeKey::Manifest),
        NodeState::Mismatch { .. }
    ));
    assert!(RemoteImage::of(&loaded).is_err());
    assert!(Opened::of(&loaded).is_err());
}

/// A failed fetch is not kept: the next reader asks again.
#[test]
async fn failed_fetches_are_retried() {
    let registry = Registry::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let documents = registry.documents(Rc::clone(&log));
    let missing = reference(":v2");
    for _ in 0..2 {
        let loaded = drive(&documents, &missing, PlatformChoice::page(None)).await;
        assert!(RemoteImage::of(&loaded).is_err_and(|e| e.contains("404")));
    }
    assert_eq!(log.borrow().len(), 2);
}
