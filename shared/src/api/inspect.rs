//! `inspect`: one image in Docker's `docker image inspect` JSON shape.

use serde::{Deserialize, Serialize};

use crate::config::{ImageConfig, RuntimeConfig};
use crate::digest::Digest;
use crate::reference::Reference;

/// One element of `inspect`'s JSON array, with Docker's field names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    /// The image ID (config digest).
    pub id: Digest,
    /// Familiar `name:tag` of every tag naming the image.
    pub repo_tags: Vec<String>,
    /// Familiar `name@digest` of every manifest digest naming it.
    pub repo_digests: Vec<String>,
    /// Always empty: pulled images have no parent.
    pub parent: String,
    /// The last history entry's comment.
    pub comment: String,
    /// When the image was created (RFC 3339).
    pub created: String,
    /// The image author.
    pub author: String,
    /// How a container of this image runs. Docker's keys are always there,
    /// unset ones as `""` or `null`, so `--format '{{.Config.User}}'`
    /// prints an empty line, not `<no value>`.
    #[serde(with = "docker_config")]
    pub config: RuntimeConfig,
    /// CPU architecture.
    pub architecture: String,
    /// CPU variant, when there is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub variant: Option<String>,
    /// Operating system.
    pub os: String,
    /// The layers' unpacked size in bytes, as Docker's; `null` until every
    /// layer's is known.
    pub size: Option<u64>,
    /// The layers' uncompressed digests.
    #[serde(rename = "RootFS")]
    pub root_fs: InspectRootFs,
}

/// `RootFS` of [`ImageInspect`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectRootFs {
    /// Always `layers`.
    #[serde(rename = "Type")]
    pub fs_type: String,
    /// The config's `rootfs.diff_ids`.
    pub layers: Vec<Digest>,
}

impl ImageInspect {
    /// The inspect record of the image `id` with config `config`, named by
    /// `repo_tags` and `repo_digests`, of `size` bytes unpacked (if known).
    pub fn new(
        id: &Digest,
        config: &ImageConfig,
        repo_tags: &[Reference],
        repo_digests: &[Reference],
        size: Option<u64>,
    ) -> ImageInspect {
        ImageInspect {
            id: id.clone(),
            repo_tags: repo_tags.iter().map(Reference::familiar).collect(),
            repo_digests: repo_digests.iter().map(Reference::familiar).collect(),
            parent: String::new(),
            comment: config
                .history
                .last()
                .and_then(|h| h.comment.clone())
                .unwrap_or_default(),
            created: config
                .created
                .map(crate::display::rfc3339)
                .unwrap_or_default(),
            author: config.author.clone().unwrap_or_default(),
            config: config.config.clone().unwrap_or_default(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
            os: config.os.clone(),
            size,
            root_fs: InspectRootFs {
                fs_type: "layers".to_owned(),
                layers: config.rootfs.diff_ids.clone(),
            },
        }
    }
}

/// `Config` in Docker's shape: [`RuntimeConfig`] leaves unset fields out;
/// Docker's inspect always has these keys.
mod docker_config {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    use crate::config::RuntimeConfig;

    /// The keys Docker always prints, and how it prints them unset.
    fn unset() -> [(&'static str, Value); 8] {
        [
            ("User", Value::from("")),
            ("Env", Value::Null),
            ("Cmd", Value::Null),
            ("Volumes", Value::Null),
            ("WorkingDir", Value::from("")),
            ("Entrypoint", Value::Null),
            ("OnBuild", Value::Null),
            ("Labels", Value::Null),
        ]
    }

    pub fn serialize<S: Serializer>(config: &RuntimeConfig, s: S) -> Result<S::Ok, S::Error> {
        let mut value = serde_json::to_value(config).map_err(S::Error::custom)?;
        if let Value::Object(map) = &mut value {
            for (key, empty) in unset() {
                map.entry(key).or_insert(empty);
            }
        }
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RuntimeConfig, D::Error> {
        let mut value = Value::deserialize(d)?;
        if let Value::Object(map) = &mut value {
            for (key, empty) in unset() {
                if map.get(key) == Some(&empty) {
                    map.remove(key);
                }
            }
        }
        RuntimeConfig::deserialize(value).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn inspect_has_dockers_shape() {
        let diff = format!("sha256:{}", "a".repeat(64));
        let config: ImageConfig = serde_json::from_value(serde_json::json!({
            "created": "2024-01-10T08:00:00Z", "architecture": "amd64", "os": "linux", "author": "me",
            "config": {"Env": ["A=1"], "Cmd": ["redis-server"], "Entrypoint": ["docker-entrypoint.sh"],
                       "WorkingDir": "/data", "Labels": {"k": "v"}, "ExposedPorts": {"6379/tcp": {}},
                       "User": "redis", "Volumes": {"/data": {}}},
            "rootfs": {"type": "layers", "diff_ids": [diff]},
            "history": [{"created_by": "x", "comment": "buildkit"}],
        }))
        .expect("config");
        let id: Digest = format!("sha256:{}", "c".repeat(64))
            .parse()
            .expect("digest");
        let tag: Reference = "redis:latest".parse().expect("ref");
        let by_digest: Reference = format!("redis@sha256:{}", "d".repeat(64))
            .parse()
            .expect("ref");
        let value = serde_json::to_value(ImageInspect::new(
            &id,
            &config,
            &[tag],
            &[by_digest],
            Some(42),
        ))
        .expect("json");
        assert_eq!(value["Id"], id.to_string());
        assert_eq!(value["RepoTags"], serde_json::json!(["redis:latest"]));
        assert_eq!(
            value["RepoDigests"],
            serde_json::json!([format!("redis@sha256:{}", "d".repeat(64))])
        );
        assert_eq!(value["Created"], "2024-01-10T08:00:00Z");
        assert_eq!(value["Architecture"], "amd64");
        assert_eq!(value["Os"], "linux");
        assert_eq!(value["Author"], "me");
        assert_eq!(value["Comment"], "buildkit");
        assert_eq!(value["Size"], 42);
        assert!(value.get("Variant").is_none());
        assert_eq!(
            value["RootFS"],
            serde_json::json!({"Type": "layers", "Layers": [diff]})
        );
        let c = &value["Config"];
        assert_eq!(c["Env"], serde_json::json!(["A=1"]));
        assert_eq!(c["Cmd"], serde_json::json!(["redis-server"]));
        assert_eq!(c["Entrypoint"], serde_json::json!(["docker-entrypoint.sh"]));
        assert_eq!(c["WorkingDir"], "/data");
        assert_eq!(c["Labels"], serde_json::json!({"k": "v"}));
        assert_eq!(c["ExposedPorts"], serde_json::json!({"6379/tcp": {}}));
        assert_eq!(c["User"], "redis");
        assert_eq!(c["Volumes"], serde_json::json!({"/data": {}}));
        let back: ImageInspect = serde_json::from_value(value).expect("read back");
        assert_eq!(back.config, config.config.clone().expect("config"));
    }

    #[test]
    fn unset_config_fields_are_there_as_docker_prints_them() {
        let config: ImageConfig = serde_json::from_value(serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "config": {"Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": []},
        }))
        .expect("config");
        let id: Digest = format!("sha256:{}", "c".repeat(64))
            .parse()
            .expect("digest");
        let inspect = ImageInspect::new(&id, &config, &[], &[], Some(1));
        let value = serde_json::to_value(&inspect).expect("json");
        assert_eq!(
            value["Config"],
            serde_json::json!({
                "User": "", "Env": ["PATH=/bin"], "Cmd": null, "Volumes": null,
                "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": null,
            })
        );
        let back: ImageInspect = serde_json::from_value(value).expect("read back");
        assert_eq!(back, inspect);
    }
}
