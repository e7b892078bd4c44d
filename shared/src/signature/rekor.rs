//! Transparency log (Rekor) checks of one [`TlogEntry`]: the signed entry
//! timestamp (inclusion promise), the Merkle inclusion proof and its signed
//! checkpoint, and whether the entry's body describes the signature, the
//! signer and the content at hand.
//!
//! The bytes follow sigstore-python (`models.py` `_encode_canonical`,
//! `_internal/merkle.py`, `_internal/rekor/checkpoint.py`,
//! `verify/verifier.py` `_validate_*_entry_body`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use super::bundle::{TlogEntry, decode_b64};
use super::check::{Check, CheckKind};
use super::dsse::Envelope;
use super::public_key::{hex, pem_blocks};
use super::trusted_root::{TransparencyLog, TrustedRoot};

/// What the log's signed entry timestamp signs: RFC 8785 JSON of the body
/// (base64), integrated time, log ID (hex) and log index.
pub fn set_message(entry: &TlogEntry) -> Vec<u8> {
    format!(
        r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
        STANDARD.encode(&entry.canonicalized_body),
        entry.integrated_time,
        hex(&entry.log_id.key_id),
        entry.log_index
    )
    .into_bytes()
}

/// The log of the root that signed `entry`, valid at its integrated time.
pub fn find_log<'r>(
    entry: &TlogEntry,
    root: &'r TrustedRoot,
) -> Result<&'r TransparencyLog, String> {
    let log = root.log(&entry.log_id.key_id).ok_or_else(|| {
        format!(
            "a log with ID {} that the {} does not hold",
            hex(&entry.log_id.key_id),
            root.name()
        )
    })?;
    if !log.valid_at(entry.integrated_time) {
        return Err(format!(
            "the key of {} not valid at the entry's time {}",
            log.base_url,
            rfc3339(entry.integrated_time)
        ));
    }
    Ok(log)
}

/// Unix seconds as RFC 3339, or the number when out of range.
pub fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{seconds} (Unix seconds)"))
}

/// The `LogPromise` check, if the entry carries a promise.
pub fn check_promise(entry: &TlogEntry, root: &TrustedRoot) -> Option<Check> {
    let promise = entry.inclusion_promise.as_ref()?;
    let expected = "a signed entry timestamp from a log of the trusted root";
    let check = match find_log(entry, root) {
        Err(e) => Check::failed(CheckKind::LogPromise, expected, e),
        Ok(log)
            if log
                .key
                .verify(&set_message(entry), &promise.signed_entry_timestamp) =>
        {
            Check::passed(
                CheckKind::LogPromise,
                format!(
                    "{} promised entry {} at {}",
                    log.base_url,
                    entry.log_index,
                    rfc3339(entry.integrated_time)
                ),
            )
        }
        Ok(log) => Check::failed(
            CheckKind::LogPromise,
            format!("a signed entry timestamp by {}", log.base_url),
            "a signature that does not verify over the entry's body, time and index",
        ),
    };
    Some(check)
}

/// The `LogInclusion` check, if the entry carries an inclusion proof with
/// a checkpoint.
pub fn check_inclusion(entry: &TlogEntry, root: &TrustedRoot) -> Option<Check> {
    let proof = entry.inclusion_proof.as_ref()?;
    // Without a checkpoint nothing signs the root hash, and the proof
    // proves nothing: v0.1 bundles carry such proofs, and sigstore-python
    // ignores them too.
    let checkpoint = proof.checkpoint.as_ref()?;
    let fail = |expected: &str, actual: String| {
        Check::failed(CheckKind::LogInclusion, expected.to_owned(), actual)
    };
    let leaf = leaf_hash(&entry.canonicalized_body);
    let root_hash = match merkle_root(&leaf, proof.log_index, proof.tree_size, &proof.hashes) {
        Ok(h) => h,
        Err(e) => return Some(fail("a well-formed Merkle inclusion proof", e)),
    };
    if root_hash.as_slice() != proof.root_hash.as_slice() {
        return Some(fail(
            &format!(
                "the audit path to end in root hash {}",
                hex(&proof.root_hash)
            ),
            format!("root hash {}", hex(&root_hash)),
        ));
    }
    let log = match find_log(entry, root) {
        Ok(log) => log,
        Err(e) => return Some(fail("a checkpoint signed by a log of the trusted root", e)),
    };
    let note = match SignedNote::parse(&checkpoint.envelope) {
        Ok(n) => n,
        Err(e) => return Some(fail("a well-formed signed checkpoint", e)),
    };
    if note.size != u64::try_from(proof.tree_size).unwrap_or(u64::MAX)
        || note.root != proof.root_hash
    {
        return Some(fail(
            &format!(
                "a checkpoint of tree size {} and root hash {}",
                proof.tree_size,
                hex(&proof.root_hash)
            ),
            format!("size {} and root hash {}", note.size, hex(&note.root)),
        ));
    }
    let hint = entry.log_id.key_id.get(..4);
    let signed = note
        .signatures
        .iter()
        .filter(|s| Some(s.key_hint.as_slice()) == hint)
        .any(|s| log.key.verify(note.text.as_bytes(), &s.signature));
    Some(if signed {
        Check::passed(
            CheckKind::LogInclusion,
            format!(
                "entry {} is in {}'s tree of {} entries (checkpoint {:?})",
                proof.log_index, log.base_url, proof.tree_size, note.origin
            ),
        )
    } else {
        fail(
            &format!("a checkpoint signed by {}", log.base_url),
            "no signature by that key verifies over the checkpoint".into(),
        )
    })
}

/// RFC 6962 leaf hash: SHA-256(0x00 || leaf).
pub fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

/// RFC 6962 node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root hash an RFC 9162 audit path leads to from `leaf` at `index`
/// in a tree of `size` leaves; an error if the path has the wrong shape.
pub fn merkle_root(
    leaf: &[u8; 32],
    index: i64,
    size: i64,
    hashes: &[Vec<u8>],
) -> Result<[u8; 32], String> {
    let (Ok(index), Ok(size)) = (u64::try_from(index), u64::try_from(size)) else {
        return Err(format!("negative index {index} or tree size {size}"));
    };
    if index >= size {
        return Err(format!("index {index} outside a tree of {size} entries"));
    }
    if let Some(bad) = hashes.iter().find(|h| h.len() != 32) {
        return Err(format!("a {}-byte hash in the audit path", bad.len()));
    }
    // Where the paths to `index` and to the last leaf diverge.
    let inner = (u64::BITS - (index ^ (size - 1)).leading_zeros()) as usize;
    let border = index.checked_shr(inner as u32).unwrap_or(0).count_ones() as usize;
    if hashes.len() != inner + border {
        return Err(format!(
            "{} hashes in the audit path, {} expected",
            hashes.len(),
            inner + border
        ));
    }
    let mut node = *leaf;
    for (i, h) in hashes.iter().enumerate() {
        node = if i >= inner || (index >> i) & 1 == 1 {
            node_hash(h, &node)
        } else {
            node_hash(&node, h)
        };
    }
    Ok(node)
}

/// A signed note (a checkpoint): the note's text and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The signed text: the body lines, each ending in a newline.
    pub text: String,
    /// The log's origin line.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Vec<u8>,
    /// The signatures.
    pub signatures: Vec<NoteSignature>,
}

/// One signature line of a signed note: `— <name> <base64(hint || sig)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The signer's name.
    pub name: String,
    /// The first four bytes of the key's ID.
    pub key_hint: Vec<u8>,
    /// The signature.
    pub signature: Vec<u8>,
}

/// The largest checkpoint read.
const MAX_NOTE: usize = 64 << 10;

impl SignedNote {
    /// Parses `<origin>\n<size>\n<base64 root>\n[lines\n]\n— <name> <sig>\n…`.
    pub fn parse(envelope: &str) -> Result<SignedNote, String> {
        if envelope.len() > MAX_NOTE {
            return Err(format!("a checkpoint of {} bytes", envelope.len()));
        }
        if envelope.matches("\n\n").count() != 1 {
            return Err("a checkpoint without exactly one blank line before its signatures".into());
        }
        let (body, sigs) = envelope
            .split_once("\n\n")
            .ok_or("a checkpoint without a blank line")?;
        let text = format!("{body}\n");
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or("").to_owned();
        if origin.is_empty() {
            return Err("a checkpoint with an empty origin line".into());
        }
        let size_line = lines.next().ok_or("a checkpoint without a size line")?;
        let size = size_line
            .parse::<u64>()
            .map_err(|_| format!("a checkpoint size {size_line:?} that is not a number"))?;
        let root_line = lines
            .next()
            .ok_or("a checkpoint without a root hash line")?;
        let root = STANDARD
            .decode(root_line)
            .map_err(|e| format!("a checkpoint root hash that is not base64 ({e})"))?;
        if !sigs.ends_with('\n') {
            return Err("a checkpoint whose signature lines do not end in a newline".into());
        }
        let mut signatures = Vec::new();
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                return Err(format!(
                    "a checkpoint signature line {line:?} without the em dash"
                ));
            };
            let Some((name, sig)) = rest.split_once(' ') else {
                return Err(format!(
                    "a checkpoint signature line {line:?} without a signature"
                ));
            };
            let bytes = STANDARD
                .decode(sig)
                .map_err(|e| format!("a checkpoint signature that is not base64 ({e})"))?;
            if bytes.len() < 5 {
                return Err("a checkpoint signature of fewer than 5 bytes".into());
            }
            let (hint, signature) = bytes.split_at(4);
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_hint: hint.to_vec(),
                signature: signature.to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err("a checkpoint without signatures".into());
        }
        Ok(SignedNote {
            text,
            origin,
            size,
            root,
            signatures,
        })
    }
}

/// What a log entry should describe.
#[derive(Debug, Clone, Copy)]
pub enum EntryContent<'a> {
    /// A signature over content whose SHA-256 is this.
    Digest([u8; 32]),
    /// A DSSE envelope.
    Dsse(&'a Envelope),
}

/// The `LogEntry` check: the entry's body names `signature`, the signer
/// (`signer_der`: the DER of its certificate or public key) and `content`.
pub fn check_entry(
    entry: &TlogEntry,
    signer_der: &[u8],
    signature: &[u8],
    content: EntryContent,
) -> Check {
    match entry_mismatch(entry, signer_der, signature, content) {
        Ok(()) => Check::passed(
            CheckKind::LogEntry,
            format!(
                "{} {} entry {} names this signature, signer and content",
                entry.kind_version.kind, entry.kind_version.version, entry.log_index
            ),
        ),
        Err((expected, actual)) => Check::failed(CheckKind::LogEntry, expected, actual),
    }
}

type Mismatch = (String, String);

fn entry_mismatch(
    entry: &TlogEntry,
    signer_der: &[u8],
    signature: &[u8],
    content: EntryContent,
) -> Result<(), Mismatch> {
    let body: Value = serde_json::from_slice(&entry.canonicalized_body).map_err(|e| {
        (
            "a JSON log entry body".to_owned(),
            format!("unreadable JSON ({e})"),
        )
    })?;
    let kind = body["kind"].as_str().unwrap_or("");
    let version = body["apiVersion"].as_str().unwrap_or("");
    if kind != entry.kind_version.kind || version != entry.kind_version.version {
        return Err((
            format!(
                "a body of kind {} {}",
                entry.kind_version.kind, entry.kind_version.version
            ),
            format!("kind {kind:?} {version:?}"),
        ));
    }
    let spec = &body["spec"];
    let mismatch = |what: &str, expected: String, actual: String| {
        (format!("{what} {expected}"), format!("{what} {actual}"))
    };
    let digest_of = |c: EntryContent| match c {
        EntryContent::Digest(d) => d,
        EntryContent::Dsse(e) => Sha256::digest(&e.payload).into(),
    };
    match (kind, version, content) {
        ("hashedrekord", "0.0.1", EntryContent::Digest(digest)) => {
            let algorithm = spec["data"]["hash"]["algorithm"].as_str().unwrap_or("");
            let value = spec["data"]["hash"]["value"].as_str().unwrap_or("");
            if algorithm != "sha256" || value != hex(&digest) {
                return Err(mismatch(
                    "content digest",
                    format!("sha256:{}", hex(&digest)),
                    format!("{algorithm}:{value}"),
                ));
            }
            same_signature(spec["signature"]["content"].as_str(), signature, 1)?;
            same_signer(spec["signature"]["publicKey"]["content"].as_str(), signer_der)
        }
        ("dsse", "0.0.1", EntryContent::Dsse(envelope)) => {
            let digest = digest_of(content);
            let algorithm = spec["payloadHash"]["algorithm"].as_str().unwrap_or("");
            let value = spec["payloadHash"]["value"].as_str().unwrap_or("");
            if algorithm != "sha256" || value != hex(&digest) {
                return Err(mismatch(
                    "payload digest",
                    format!("sha256:{}", hex(&digest)),
                    format!("{algorithm}:{value}"),
                ));
            }
            let sigs = spec["signatures"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            if sigs.len() != envelope.signatures.len() {
                return Err(mismatch(
                    "signature count",
                    envelope.signatures.len().to_string(),
                    sigs.len().to_string(),
                ));
            }
            let ours = sigs.iter().find(|s| {
                same_signature(s["signature"].as_str(), signature, 1).is_ok()
            });
            let Some(ours) = ours else {
                return Err(mismatch(
                    "a signature",
                    STANDARD.encode(signature),
                    "none equal".into(),
                ));
            };
            same_signer(ours["verifier"].as_str(), signer_der)
        }
        ("intoto", "0.0.2", EntryContent::Dsse(_)) => {
            // intoto 0.0.2 holds the envelope with its payload and
            // signatures base64-encoded once more.
            let digest = digest_of(content);
            let content = &spec["content"];
            let algorithm = content["payloadHash"]["algorithm"].as_str().unwrap_or("");
            let value = content["payloadHash"]["value"].as_str().unwrap_or("");
            if algorithm != "sha256" || value != hex(&digest) {
                return Err(mismatch(
                    "payload digest",
                    format!("sha256:{}", hex(&digest)),
                    format!("{algorithm}:{value}"),
                ));
            }
            let sigs = content["envelope"]["signatures"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let ours = sigs
                .iter()
                .find(|s| same_signature(s["sig"].as_str(), signature, 2).is_ok());
            let Some(ours) = ours else {
                return Err(mismatch(
                    "a signature",
                    STANDARD.encode(signature),
                    "none equal".into(),
                ));
            };
            same_signer(ours["publicKey"].as_str(), signer_der)
        }
        (kind, version, _) => Err((
            "a hashedrekord 0.0.1 entry for a message signature, a dsse 0.0.1 or intoto 0.0.2 entry for a DSSE envelope".into(),
            format!("a {kind} {version} entry"),
        )),
    }
}

/// Whether `field` (base64, `layers` times) is `signature`.
fn same_signature(field: Option<&str>, signature: &[u8], layers: usize) -> Result<(), Mismatch> {
    let mut bytes = field.unwrap_or("").as_bytes().to_vec();
    for _ in 0..layers {
        let text = String::from_utf8(bytes).unwrap_or_default();
        bytes = decode_b64(&text).unwrap_or_default();
    }
    if bytes == signature {
        Ok(())
    } else {
        Err((
            format!("signature {}", STANDARD.encode(signature)),
            format!("signature {}", field.unwrap_or("(none)")),
        ))
    }
}

/// Whether `field` (base64 of a PEM certificate or public key) is the signer.
fn same_signer(field: Option<&str>, signer_der: &[u8]) -> Result<(), Mismatch> {
    let pem = decode_b64(field.unwrap_or(""))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let der = pem_blocks(&pem, "CERTIFICATE")
        .into_iter()
        .next()
        .or_else(|| pem_blocks(&pem, "PUBLIC KEY").into_iter().next());
    match der {
        Some(der) if der == signer_der => Ok(()),
        Some(der) => Err((
            format!("signer sha256:{}", hex(&Sha256::digest(signer_der))),
            format!("signer sha256:{}", hex(&Sha256::digest(&der))),
        )),
        None => Err((
            format!("signer sha256:{}", hex(&Sha256::digest(signer_der))),
            "no PEM certificate or public key".into(),
        )),
    }
}

#[cfg(test)]
#[path = "rekor_tests.rs"]
mod tests;
