//! What to upload into one repository: blobs, then manifests in order
//! (children before the indexes and tags naming them).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::fixtures::layer::sha256;

/// A manifest to `PUT`.
#[derive(Debug, Clone)]
pub struct Put {
    /// The tag, or `None` to put it by digest only.
    pub tag: Option<String>,
    /// The `Content-Type`.
    pub media_type: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

impl Put {
    /// `sha256:<hex>` of the bytes.
    pub fn digest(&self) -> String {
        sha256(&self.bytes)
    }
}

/// Blobs and manifests for one repository.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Blobs by digest.
    pub blobs: BTreeMap<String, Vec<u8>>,
    /// Manifests, in push order.
    pub manifests: Vec<Put>,
}

impl Plan {
    /// Adds a blob; its descriptor of `media_type`.
    pub fn blob(&mut self, media_type: &str, bytes: &[u8]) -> Value {
        let digest = sha256(bytes);
        self.blobs.insert(digest.clone(), bytes.to_vec());
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
    }

    /// Adds the manifest `document` of `media_type` (under `tag` if any);
    /// its descriptor.
    pub fn manifest(&mut self, media_type: &str, document: &Value, tag: Option<&str>) -> Value {
        let bytes = serde_json::to_vec(document).expect("JSON values always serialize");
        self.manifest_bytes(media_type, bytes, tag)
    }

    /// Adds manifest `bytes` of `media_type` (under `tag` if any); its descriptor.
    pub fn manifest_bytes(&mut self, media_type: &str, bytes: Vec<u8>, tag: Option<&str>) -> Value {
        let desc = json!({"mediaType": media_type, "digest": sha256(&bytes), "size": bytes.len()});
        self.manifests.push(Put {
            tag: tag.map(str::to_owned),
            media_type: media_type.to_owned(),
            bytes,
        });
        desc
    }

    /// Adds every blob of the OCI layout at `dir` (`blobs/sha256/*`).
    pub fn layout_blobs(&mut self, dir: &std::path::Path) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir.join("blobs/sha256"))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            self.blobs
                .insert(format!("sha256:{name}"), std::fs::read(entry.path())?);
        }
        Ok(())
    }

    /// The manifest put as `digest`, if any.
    pub fn get(&self, digest: &str) -> Option<&Put> {
        self.manifests.iter().find(|p| p.digest() == digest)
    }

    /// Uploads everything into `repo` of `registry` (an open registry).
    pub async fn push(
        &self,
        http: &reqwest::Client,
        registry: &crate::Registry,
        repo: &str,
    ) -> crate::Result<()> {
        for (digest, bytes) in &self.blobs {
            upload_blob(http, registry, repo, digest, bytes).await?;
        }
        for put in &self.manifests {
            let reference = put.tag.clone().unwrap_or_else(|| put.digest());
            let answer = http
                .put(format!(
                    "{}/v2/{repo}/manifests/{reference}",
                    registry.url()
                ))
                .header("content-type", &put.media_type)
                .body(put.bytes.clone())
                .send()
                .await?;
            if answer.status() != reqwest::StatusCode::CREATED {
                return Err(format!(
                    "PUT manifest {repo}:{reference}: {} {}",
                    answer.status(),
                    answer.text().await.unwrap_or_default()
                )
                .into());
            }
        }
        Ok(())
    }
}

/// A monolithic blob upload (`POST` then `PUT ?digest=`) of `bytes`,
/// whose digest is `digest`, into `repo` of `registry`.
pub async fn upload_blob(
    http: &reqwest::Client,
    registry: &crate::Registry,
    repo: &str,
    digest: &str,
    bytes: &[u8],
) -> crate::Result<()> {
    let started = http
        .post(format!("{}/v2/{repo}/blobs/uploads/", registry.url()))
        .send()
        .await?;
    if started.status() != reqwest::StatusCode::ACCEPTED {
        return Err(format!("start upload in {repo}: {}", started.status()).into());
    }
    let location = started
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("an upload without a Location")?
        .to_owned();
    let location = if location.starts_with("http") {
        location
    } else {
        format!("{}{location}", registry.url())
    };
    let separator = if location.contains('?') { '&' } else { '?' };
    let done = http
        .put(format!("{location}{separator}digest={digest}"))
        .body(bytes.to_vec())
        .send()
        .await?;
    if done.status() != reqwest::StatusCode::CREATED {
        return Err(format!("finish upload of {digest} in {repo}: {}", done.status()).into());
    }
    Ok(())
}
