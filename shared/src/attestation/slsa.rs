//! A SLSA provenance predicate, summarised: who built the image, how, from
//! which source commit and materials, and when.
//!
//! Read from `https://slsa.dev/provenance/v0.2` and `/v1` predicates.
//! Where the source comes from, first match wins:
//! - v1: `buildDefinition.externalParameters.workflow` (GitHub Actions),
//!   `…externalParameters.configSource` (BuildKit), then the first
//!   `resolvedDependencies` entry with a `gitCommit` or `sha1` digest;
//! - v0.2: `invocation.configSource` {uri, digest, entryPoint};
//! - both: BuildKit's `https://mobyproject.org/buildkit@v1#metadata`
//!   `vcs` {source, revision} (a build from a local checkout).
//!
//! Repository URIs are cleaned as [`Source`] says.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::AttestationError;
use super::json::{at, digests, items, owned, text, text_or_empty};
use super::source::{Source, same_repository, split_ref};

/// BuildKit's metadata key inside a provenance's metadata.
const BUILDKIT_METADATA: &str = "https://mobyproject.org/buildkit@v1#metadata";

/// Which SLSA provenance schema a predicate follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlsaVersion {
    /// `https://slsa.dev/provenance/v0.2` (BuildKit's default).
    V0_2,
    /// `https://slsa.dev/provenance/v1`.
    V1,
}

impl SlsaVersion {
    /// The version a predicate type names, if it is SLSA provenance strata reads.
    pub fn of(predicate_type: &str) -> Option<SlsaVersion> {
        match predicate_type.trim_end_matches('/') {
            "https://slsa.dev/provenance/v0.2" => Some(SlsaVersion::V0_2),
            "https://slsa.dev/provenance/v1" => Some(SlsaVersion::V1),
            _ => None,
        }
    }
}

/// One input of the build, with its digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Material {
    /// What it is (`pkg:docker/alpine@3.20`, a git URL).
    pub uri: String,
    /// Algorithm → hex digest.
    pub digest: BTreeMap<String, String>,
}

/// A provenance predicate's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The schema read.
    pub version: SlsaVersion,
    /// `builder.id` (empty when the builder gave none, as BuildKit may).
    pub builder_id: String,
    /// The build type URI.
    pub build_type: String,
    /// The source, if the predicate names one.
    pub source: Option<Source>,
    /// The build's inputs.
    pub materials: Vec<Material>,
    /// The build's own ID, if given.
    pub invocation_id: Option<String>,
    /// When the build started, if given and a valid RFC 3339 time.
    pub started: Option<OffsetDateTime>,
    /// When the build finished, if given and a valid RFC 3339 time.
    pub finished: Option<OffsetDateTime>,
    /// Whether BuildKit wrote it (its build type or metadata).
    pub buildkit: bool,
}

impl Provenance {
    /// Reads the predicate of a statement of type `version`.
    pub fn from_predicate(
        version: SlsaVersion,
        predicate: &Value,
    ) -> Result<Provenance, AttestationError> {
        if !predicate.is_object() {
            return Err(AttestationError::NotAnObject {
                what: "SLSA provenance predicate",
            });
        }
        Ok(match version {
            SlsaVersion::V0_2 => v0_2(predicate),
            SlsaVersion::V1 => v1(predicate),
        })
    }
}

fn v0_2(p: &Value) -> Provenance {
    let metadata = at(p, &["metadata"]);
    let source = at(p, &["invocation", "configSource"])
        .and_then(|c| {
            source_from(
                text(c, &["uri"])?,
                at(c, &["digest"]),
                text(c, &["entryPoint"]),
            )
        })
        .or_else(|| buildkit_vcs(metadata));
    let build_type = text_or_empty(p, &["buildType"]);
    Provenance {
        version: SlsaVersion::V0_2,
        builder_id: text_or_empty(p, &["builder", "id"]),
        buildkit: build_type.starts_with("https://mobyproject.org/buildkit")
            || metadata.and_then(|m| m.get(BUILDKIT_METADATA)).is_some(),
        build_type,
        source,
        materials: materials(items(p, &["materials"])),
        invocation_id: metadata.and_then(|m| owned(text(m, &["buildInvocationID"]))),
        started: metadata.and_then(|m| time(m, "buildStartedOn")),
        finished: metadata.and_then(|m| time(m, "buildFinishedOn")),
    }
}

fn v1(p: &Value) -> Provenance {
    let definition = at(p, &["buildDefinition"]).unwrap_or(&Value::Null);
    let external = at(definition, &["externalParameters"]).unwrap_or(&Value::Null);
    let dependencies = items(definition, &["resolvedDependencies"]);
    let metadata = at(p, &["runDetails", "metadata"]);
    let commit_of = |repository: &str| {
        dependencies.iter().find_map(|d| {
            let uri = text(d, &["uri"])?;
            let (repo, _) = split_ref(uri);
            (same_repository(&repo, repository))
                .then(|| git_commit(at(d, &["digest"])))
                .flatten()
        })
    };
    let workflow = text(external, &["workflow", "repository"]).map(|repository| {
        let (repository, _) = split_ref(repository);
        Source {
            commit: commit_of(&repository),
            git_ref: owned(text(external, &["workflow", "ref"])),
            entry_point: owned(text(external, &["workflow", "path"])),
            repository,
        }
    });
    let config = || {
        let c = at(external, &["configSource"])?;
        source_from(
            text(c, &["uri"])?,
            at(c, &["digest"]),
            text(c, &["path"]).or_else(|| text(c, &["entryPoint"])),
        )
    };
    let dependency = || {
        dependencies.iter().find_map(|d| {
            let commit = git_commit(at(d, &["digest"]))?;
            let (repository, git_ref) = split_ref(text(d, &["uri"])?);
            Some(Source {
                repository,
                git_ref,
                commit: Some(commit),
                entry_point: None,
            })
        })
    };
    let build_type = text_or_empty(definition, &["buildType"]);
    Provenance {
        version: SlsaVersion::V1,
        builder_id: text_or_empty(p, &["runDetails", "builder", "id"]),
        buildkit: build_type.contains("moby/buildkit")
            || build_type.starts_with("https://mobyproject.org/buildkit")
            || metadata.and_then(|m| m.get(BUILDKIT_METADATA)).is_some(),
        build_type,
        source: workflow
            .or_else(config)
            .or_else(dependency)
            .or_else(|| buildkit_vcs(metadata)),
        materials: materials(dependencies),
        invocation_id: metadata.and_then(|m| owned(text(m, &["invocationId"]))),
        started: metadata.and_then(|m| time(m, "startedOn")),
        finished: metadata.and_then(|m| time(m, "finishedOn")),
    }
}

/// A source from a URI (`https://github.com/o/r.git#refs/heads/main`) and digests.
fn source_from(uri: &str, digest: Option<&Value>, entry_point: Option<&str>) -> Option<Source> {
    let (repository, git_ref) = split_ref(uri);
    Some(Source {
        repository,
        git_ref,
        commit: git_commit(digest),
        entry_point: owned(entry_point),
    })
}

/// BuildKit's `vcs` metadata: where a local checkout came from.
fn buildkit_vcs(metadata: Option<&Value>) -> Option<Source> {
    let vcs = at(metadata?, &[BUILDKIT_METADATA, "vcs"])?;
    let (repository, git_ref) = split_ref(text(vcs, &["source"])?);
    Some(Source {
        repository,
        git_ref,
        commit: owned(text(vcs, &["revision"])),
        entry_point: None,
    })
}

/// The commit in a digest set: `gitCommit`, else `sha1`.
fn git_commit(digest: Option<&Value>) -> Option<String> {
    let d = digests(digest);
    d.get("gitCommit")
        .or_else(|| d.get("sha1"))
        .filter(|c| !c.is_empty())
        .cloned()
}

fn materials(list: &[Value]) -> Vec<Material> {
    list.iter()
        .filter_map(|m| {
            let uri = text(m, &["uri"]).or_else(|| text(m, &["name"]))?;
            Some(Material {
                uri: uri.to_owned(),
                digest: digests(at(m, &["digest"])),
            })
        })
        .collect()
}

fn time(metadata: &Value, key: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text(metadata, &[key])?, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const COMMIT: &str = "8e0ac6a9dd3ae2a1b2c6b36b6e0a1c8f1d8a5f3e";

    /// BuildKit's v0.2 provenance for a build from a Git URL (mode=max).
    fn buildkit_v02() -> Value {
        serde_json::json!({
            "builder": {"id": "https://github.com/org/app/actions/runs/1"},
            "buildType": "https://mobyproject.org/buildkit@v1",
            "materials": [
                {"uri": "pkg:docker/docker/dockerfile@1", "digest": {"sha256": "aa"}},
                {"uri": "pkg:docker/alpine@3.20?platform=linux%2Famd64", "digest": {"sha256": "bb"}},
                {"uri": "https://github.com/org/app.git#refs/heads/main", "digest": {"sha1": COMMIT}}
            ],
            "invocation": {
                "configSource": {
                    "uri": "https://github.com/org/app.git#refs/heads/main",
                    "digest": {"sha1": COMMIT},
                    "entryPoint": "Dockerfile"
                },
                "parameters": {"frontend": "dockerfile.v0", "locals": [{"name": "context"}]},
                "environment": {"platform": "linux/amd64"}
            },
            "metadata": {
                "buildInvocationID": "k7r5",
                "buildStartedOn": "2024-05-01T10:00:00.123Z",
                "buildFinishedOn": "2024-05-01T10:02:30Z",
                "completeness": {"parameters": true, "environment": true, "materials": false},
                "reproducible": false,
                BUILDKIT_METADATA: {"vcs": {"source": "https://github.com/other/x", "revision": "ff"}}
            }
        })
    }

    #[test]
    fn buildkit_v0_2_from_a_git_url() {
        let p = Provenance::from_predicate(SlsaVersion::V0_2, &buildkit_v02()).expect("reads");
        assert!(p.buildkit);
        assert_eq!(p.builder_id, "https://github.com/org/app/actions/runs/1");
        assert_eq!(p.build_type, "https://mobyproject.org/buildkit@v1");
        let source = p.source.expect("source");
        assert_eq!(source.repository, "https://github.com/org/app.git");
        assert_eq!(source.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(source.commit.as_deref(), Some(COMMIT));
        assert_eq!(source.entry_point.as_deref(), Some("Dockerfile"));
        assert_eq!(
            source.commit_link().as_deref(),
            Some(format!("https://github.com/org/app/commit/{COMMIT}").as_str())
        );
        assert_eq!(p.materials.len(), 3);
        assert_eq!(
            p.materials[1].digest.get("sha256").map(String::as_str),
            Some("bb")
        );
        assert_eq!(p.invocation_id.as_deref(), Some("k7r5"));
        assert_eq!(p.started.map(|t| t.unix_timestamp()), Some(1_714_557_600));
        assert_eq!(p.finished.map(|t| t.unix_timestamp()), Some(1_714_557_750));
    }

    #[test]
    fn buildkit_v0_2_from_a_local_checkout_uses_vcs_metadata() {
        let mut doc = buildkit_v02();
        doc["invocation"]
            .as_object_mut()
            .expect("object")
            .remove("configSource");
        doc["builder"] = serde_json::json!({"id": ""});
        let p = Provenance::from_predicate(SlsaVersion::V0_2, &doc).expect("reads");
        assert_eq!(p.builder_id, "");
        let source = p.source.expect("source");
        assert_eq!(source.repository, "https://github.com/other/x");
        assert_eq!(source.commit.as_deref(), Some("ff"));
        assert_eq!(source.commit_link(), None, "ff is too short to be a commit");
    }

    #[test]
    fn github_actions_v1() {
        let doc = serde_json::json!({
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {"workflow": {
                    "ref": "refs/tags/v1.2.0",
                    "repository": "https://github.com/org/app",
                    "path": ".github/workflows/release.yml"
                }},
                "resolvedDependencies": [
                    {"uri": "git+https://github.com/org/app@refs/tags/v1.2.0", "digest": {"gitCommit": COMMIT}}
                ]
            },
            "runDetails": {
                "builder": {"id": "https://github.com/actions/runner/github-hosted"},
                "metadata": {"invocationId": "https://github.com/org/app/actions/runs/9/attempts/1"}
            }
        });
        let p = Provenance::from_predicate(SlsaVersion::V1, &doc).expect("reads");
        assert!(!p.buildkit);
        assert_eq!(
            p.builder_id,
            "https://github.com/actions/runner/github-hosted"
        );
        assert_eq!(
            p.build_type,
            "https://actions.github.io/buildtypes/workflow/v1"
        );
        assert_eq!(
            p.source,
            Some(Source {
                repository: "https://github.com/org/app".into(),
                git_ref: Some("refs/tags/v1.2.0".into()),
                commit: Some(COMMIT.into()),
                entry_point: Some(".github/workflows/release.yml".into()),
            })
        );
        assert_eq!(
            p.materials[0].uri,
            "git+https://github.com/org/app@refs/tags/v1.2.0"
        );
        assert_eq!(p.started, None);
    }

    #[test]
    fn buildkit_v1_and_bare_dependencies() {
        let buildkit = serde_json::json!({
            "buildDefinition": {
                "buildType": "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
                "externalParameters": {"configSource": {
                    "uri": "https://gitlab.com/g/app.git#main", "digest": {"sha1": COMMIT}, "path": "Dockerfile"
                }},
                "resolvedDependencies": [{"uri": "pkg:docker/alpine@3.20", "digest": {"sha256": "bb"}}]
            },
            "runDetails": {"builder": {"id": ""}, "metadata": {
                "startedOn": "2024-05-01T10:00:00Z", "finishedOn": "not a time"
            }}
        });
        let p = Provenance::from_predicate(SlsaVersion::V1, &buildkit).expect("reads");
        assert!(p.buildkit);
        let source = p.source.expect("source");
        assert_eq!(source.git_ref.as_deref(), Some("main"));
        assert_eq!(
            source.commit_link().as_deref(),
            Some(format!("https://gitlab.com/g/app/-/commit/{COMMIT}").as_str())
        );
        assert!(p.started.is_some());
        assert_eq!(p.finished, None);

        let bare = serde_json::json!({"buildDefinition": {"resolvedDependencies": [
            {"uri": "pkg:docker/alpine@3.20", "digest": {"sha256": "bb"}},
            {"uri": "git+https://example.org/r.git@refs/heads/dev", "digest": {"sha1": COMMIT}}
        ]}});
        let p = Provenance::from_predicate(SlsaVersion::V1, &bare).expect("reads");
        let source = p.source.expect("source");
        assert_eq!(source.repository, "https://example.org/r.git");
        assert_eq!(source.git_ref.as_deref(), Some("refs/heads/dev"));
        assert_eq!(source.commit_link(), None, "not GitHub or GitLab");
        assert_eq!(
            source.repository_link().as_deref(),
            Some("https://example.org/r")
        );
    }

    #[test]
    fn hostile_and_empty_predicates() {
        for (version, doc) in [
            (SlsaVersion::V0_2, serde_json::json!({})),
            (SlsaVersion::V1, serde_json::json!({})),
            (
                SlsaVersion::V0_2,
                serde_json::json!({"builder": 5, "materials": {"a": 1}, "invocation": []}),
            ),
            (
                SlsaVersion::V1,
                serde_json::json!({"buildDefinition": "x", "runDetails": [1]}),
            ),
        ] {
            let p = Provenance::from_predicate(version, &doc).expect("lenient");
            assert_eq!(
                (p.builder_id.as_str(), p.source, p.materials.len()),
                ("", None, 0)
            );
        }
        assert_eq!(
            Provenance::from_predicate(SlsaVersion::V1, &serde_json::json!("text")),
            Err(AttestationError::NotAnObject {
                what: "SLSA provenance predicate"
            })
        );
    }
}
