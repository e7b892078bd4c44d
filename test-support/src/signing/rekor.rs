//! A Rekor-like transparency log of the test's own: `hashedrekord` and
//! `dsse` 0.0.1 entry bodies canonicalized as Rekor writes them, an RFC 6962
//! Merkle tree with filler leaves, inclusion proofs, signed checkpoints and
//! signed entry timestamps (SETs).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::keys::EcKey;

/// The checkpoint origin's name (a signed note's key name has no spaces).
pub const LOG_NAME: &str = "rekor.strata.test";

/// The `hashedrekord` 0.0.1 body for `signature` over data whose SHA-256
/// is `digest`, verified by `verifier_pem` (a certificate or public key).
pub fn hashedrekord_body(digest: &[u8], signature: &[u8], verifier_pem: &str) -> Vec<u8> {
    canonical(&json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex(digest)}},
            "signature": {
                "content": STANDARD.encode(signature),
                "publicKey": {"content": STANDARD.encode(verifier_pem)},
            },
        },
    }))
}

/// The `dsse` 0.0.1 body for `envelope_json` (whose payload is `payload`
/// and whose one signature is `signature`), verified by `verifier_pem`.
pub fn dsse_body(
    envelope_json: &[u8],
    payload: &[u8],
    signature: &[u8],
    verifier_pem: &str,
) -> Vec<u8> {
    canonical(&json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(envelope_json))},
            "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(payload))},
            "signatures": [{
                "signature": STANDARD.encode(signature),
                "verifier": STANDARD.encode(verifier_pem),
            }],
        },
    }))
}

/// Compact JSON with sorted keys (serde_json's map is ordered), which for
/// the strings and integers used here is RFC 8785 canonical JSON.
pub fn canonical(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("JSON values always serialize")
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(leaf);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The largest power of two smaller than `n` (`n > 1`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 MTH over leaf hashes.
fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// RFC 6962 PATH(m, D[n]), bottom first.
fn path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(root(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(root(&leaves[..k]));
        p
    }
}

/// One entry as a log hands it back, with everything a bundle needs.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The canonicalized body.
    pub body: Vec<u8>,
    /// `hashedrekord` or `dsse`.
    pub kind: String,
    /// The entry's index in the log.
    pub log_index: u64,
    /// Seconds since the epoch when the log integrated it.
    pub integrated_time: u64,
    /// SHA-256 of the log's public key (DER SPKI).
    pub log_id: [u8; 32],
    /// The signed entry timestamp (DER ECDSA over the canonical JSON of
    /// body, integratedTime, logID, logIndex).
    pub set: Vec<u8>,
    /// The tree size the proof and checkpoint are for.
    pub tree_size: u64,
    /// The root hash at `tree_size`.
    pub root_hash: [u8; 32],
    /// The inclusion proof, bottom first.
    pub hashes: Vec<[u8; 32]>,
    /// The signed checkpoint (a signed note).
    pub checkpoint: String,
}

impl LogEntry {
    /// The `tlogEntries[]` element of a Sigstore bundle.
    pub fn bundle_json(&self) -> Value {
        json!({
            "logIndex": self.log_index.to_string(),
            "logId": {"keyId": STANDARD.encode(self.log_id)},
            "kindVersion": {"kind": self.kind, "version": "0.0.1"},
            "integratedTime": self.integrated_time.to_string(),
            "inclusionPromise": {"signedEntryTimestamp": STANDARD.encode(&self.set)},
            "inclusionProof": {
                "logIndex": self.log_index.to_string(),
                "rootHash": STANDARD.encode(self.root_hash),
                "treeSize": self.tree_size.to_string(),
                "hashes": self.hashes.iter().map(|h| STANDARD.encode(h)).collect::<Vec<_>>(),
                "checkpoint": {"envelope": self.checkpoint},
            },
            "canonicalizedBody": STANDARD.encode(&self.body),
        })
    }

    /// cosign's `dev.sigstore.cosign/bundle` annotation (the SET and its payload).
    pub fn cosign_bundle_json(&self) -> Value {
        json!({
            "SignedEntryTimestamp": STANDARD.encode(&self.set),
            "Payload": {
                "body": STANDARD.encode(&self.body),
                "integratedTime": self.integrated_time,
                "logIndex": self.log_index,
                "logID": hex(&self.log_id),
            },
        })
    }
}

/// An append-only log signed by its key.
#[derive(Debug)]
pub struct TestLog {
    key: EcKey,
    leaves: Vec<[u8; 32]>,
}

impl TestLog {
    /// An empty log signed by `key`.
    pub fn new(key: EcKey) -> Self {
        Self {
            key,
            leaves: Vec::new(),
        }
    }

    /// The log's key.
    pub fn key(&self) -> &EcKey {
        &self.key
    }

    /// The origin line of checkpoints: `<name> - <tree id>`.
    pub fn origin(&self) -> String {
        let id = u64::from_be_bytes(self.key.key_id()[..8].try_into().expect("8 bytes")) >> 1;
        format!("{LOG_NAME} - {id}")
    }

    fn push(&mut self, leaf: &[u8]) {
        self.leaves.push(leaf_hash(leaf));
    }

    /// Appends `body` of `kind` (between filler leaves other clients
    /// "wrote") at `integrated_time`; returns the entry with its proof
    /// against the tree right after.
    pub fn append(&mut self, kind: &str, body: Vec<u8>, integrated_time: u64) -> LogEntry {
        for _ in 0..2 {
            let filler = format!("filler {}", self.leaves.len());
            self.push(filler.as_bytes());
        }
        let index = self.leaves.len();
        self.push(&body);
        let filler = format!("filler {}", self.leaves.len());
        self.push(filler.as_bytes());
        let root_hash = root(&self.leaves);
        let hashes = path(index, &self.leaves);
        let tree_size = self.leaves.len() as u64;
        let log_index = index as u64;
        let log_id = self.key.key_id();
        let set_payload = canonical(&json!({
            "body": STANDARD.encode(&body),
            "integratedTime": integrated_time,
            "logID": hex(&log_id),
            "logIndex": log_index,
        }));
        let set = self.key.sign(&set_payload);
        let checkpoint = self.checkpoint(tree_size, &root_hash);
        LogEntry {
            body,
            kind: kind.to_owned(),
            log_index,
            integrated_time,
            log_id,
            set,
            tree_size,
            root_hash,
            hashes,
            checkpoint,
        }
    }

    /// The signed note for a tree of `size` with `root_hash`.
    fn checkpoint(&self, size: u64, root_hash: &[u8; 32]) -> String {
        let note = format!(
            "{}\n{size}\n{}\n",
            self.origin(),
            STANDARD.encode(root_hash)
        );
        let mut signature = self.key.key_id()[..4].to_vec();
        signature.extend_from_slice(&self.key.sign(note.as_bytes()));
        format!(
            "{note}\n\u{2014} {LOG_NAME} {}\n",
            STANDARD.encode(signature)
        )
    }
}
