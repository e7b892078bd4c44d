//! Pull progress: one event type, printed by the CLI in Docker's shape and
//! streamed to the dashboard as Server-Sent Events.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// What happened to one layer during a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LayerStatus {
    /// The store already holds the layer.
    AlreadyExists,
    /// The layer will be downloaded.
    PullingFsLayer,
    /// Waiting for a download slot (three layers download at a time).
    Waiting,
    /// Bytes are arriving.
    Downloading {
        /// Bytes received so far.
        current: u64,
        /// The layer's size from the manifest.
        total: u64,
    },
    /// All bytes arrived; the digest is being checked.
    VerifyingChecksum,
    /// The digest matched and the layer is in the store.
    DownloadComplete,
    /// The layer is part of the image.
    PullComplete,
}

/// One step of a pull, in the order Docker prints them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PullEvent {
    /// `v1: Pulling from lovelearnlinux/webserver`.
    PullingFrom {
        /// The tag, or the digest when pulling by digest.
        tag_or_digest: String,
        /// The familiar repository path (`library/redis` on Docker Hub, else `host/path`).
        repository: String,
    },
    /// `8a29a15cefae: Pull complete`.
    Layer {
        /// The first 12 hex characters of the layer digest.
        id: String,
        /// What happened.
        status: LayerStatus,
    },
    /// `Digest: sha256:…`: the manifest (or index) digest the reference resolved to.
    Digest {
        /// The digest.
        digest: Digest,
    },
    /// `Status: Downloaded newer image for redis:latest` or `Status: Image is up to date for …`.
    Status {
        /// Whether anything new was stored.
        up_to_date: bool,
        /// The familiar name the status names.
        name: String,
    },
    /// The last line: the canonical reference, e.g. `docker.io/library/redis:latest`.
    Done {
        /// The canonical reference.
        reference: String,
    },
    /// Something the user should know, the pull going on: `WARNING: …`.
    Warning {
        /// What, in words a user can act on.
        message: String,
    },
    /// The pull failed; the message says why and what to do.
    Failed {
        /// A message a user can act on.
        message: String,
    },
}

/// `POST /api/v1/pulls`: start a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullStart {
    /// The image reference.
    pub reference: String,
    /// `os/arch[/variant]` to choose from an index (default: the server's platform).
    #[serde(default)]
    pub platform: Option<String>,
    /// Pull every tag of the repository.
    #[serde(default)]
    pub all_tags: bool,
}

/// A pull the server runs or ran: what `POST /api/v1/pulls` answers and
/// `GET /api/v1/pulls` lists. Its events stream from
/// `GET /api/v1/pulls/{id}/events` (Server-Sent Events, replayed from the
/// start for every new watcher).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullInfo {
    /// The pull's id.
    pub id: u64,
    /// The reference as given.
    pub reference: String,
    /// Whether it has ended.
    pub done: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl LayerStatus {
    /// Docker's words for the status, without the progress bar.
    pub fn label(&self) -> &'static str {
        match self {
            Self::AlreadyExists => "Already exists",
            Self::PullingFsLayer => "Pulling fs layer",
            Self::Waiting => "Waiting",
            Self::Downloading { .. } => "Downloading",
            Self::VerifyingChecksum => "Verifying Checksum",
            Self::DownloadComplete => "Download complete",
            Self::PullComplete => "Pull complete",
        }
    }
}

impl PullEvent {
    /// The line Docker prints for this event on a terminal-less output, or
    /// `None` for events that only drive a live progress bar.
    pub fn plain_line(&self) -> Option<String> {
        match self {
            Self::PullingFrom {
                tag_or_digest,
                repository,
            } => Some(format!("{tag_or_digest}: Pulling from {repository}")),
            Self::Layer {
                status: LayerStatus::Downloading { .. },
                ..
            } => None,
            Self::Layer { id, status } => Some(format!("{id}: {}", status.label())),
            Self::Digest { digest } => Some(format!("Digest: {digest}")),
            Self::Status {
                up_to_date: true,
                name,
            } => Some(format!("Status: Image is up to date for {name}")),
            Self::Status {
                up_to_date: false,
                name,
            } => Some(format!("Status: Downloaded newer image for {name}")),
            Self::Done { reference } => Some(reference.clone()),
            Self::Warning { message } => Some(format!("WARNING: {message}")),
            Self::Failed { message } => Some(format!("Error: {message}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn digest() -> Digest {
        "sha256:8a29a15cefaeccf6545f7ecf11298f9672d2f0cdaf9e357a95133ac3ad3e1f07"
            .parse()
            .expect("digest")
    }

    #[test]
    fn plain_lines_match_docker() {
        let layer = |status| PullEvent::Layer {
            id: "8a29a15cefae".into(),
            status,
        };
        let cases = [
            (
                PullEvent::PullingFrom {
                    tag_or_digest: "v1".into(),
                    repository: "lovelearnlinux/webserver".into(),
                },
                Some("v1: Pulling from lovelearnlinux/webserver"),
            ),
            (
                layer(LayerStatus::AlreadyExists),
                Some("8a29a15cefae: Already exists"),
            ),
            (
                PullEvent::Warning {
                    message: "wanted linux/arm64".into(),
                },
                Some("WARNING: wanted linux/arm64"),
            ),
            (
                layer(LayerStatus::PullingFsLayer),
                Some("8a29a15cefae: Pulling fs layer"),
            ),
            (layer(LayerStatus::Waiting), Some("8a29a15cefae: Waiting")),
            (
                layer(LayerStatus::Downloading {
                    current: 1,
                    total: 2,
                }),
                None,
            ),
            (
                layer(LayerStatus::VerifyingChecksum),
                Some("8a29a15cefae: Verifying Checksum"),
            ),
            (
                layer(LayerStatus::DownloadComplete),
                Some("8a29a15cefae: Download complete"),
            ),
            (
                layer(LayerStatus::PullComplete),
                Some("8a29a15cefae: Pull complete"),
            ),
            (
                PullEvent::Digest { digest: digest() },
                Some(
                    "Digest: sha256:8a29a15cefaeccf6545f7ecf11298f9672d2f0cdaf9e357a95133ac3ad3e1f07",
                ),
            ),
            (
                PullEvent::Status {
                    up_to_date: false,
                    name: "lovelearnlinux/webserver:v1".into(),
                },
                Some("Status: Downloaded newer image for lovelearnlinux/webserver:v1"),
            ),
            (
                PullEvent::Status {
                    up_to_date: true,
                    name: "redis:latest".into(),
                },
                Some("Status: Image is up to date for redis:latest"),
            ),
            (
                PullEvent::Done {
                    reference: "docker.io/lovelearnlinux/webserver:v1".into(),
                },
                Some("docker.io/lovelearnlinux/webserver:v1"),
            ),
        ];
        for (event, want) in cases {
            assert_eq!(event.plain_line().as_deref(), want, "{event:?}");
        }
    }

    #[test]
    fn events_round_trip_as_json() {
        let events = [
            PullEvent::Layer {
                id: "abc".into(),
                status: LayerStatus::Downloading {
                    current: 5,
                    total: 9,
                },
            },
            PullEvent::Digest { digest: digest() },
            PullEvent::Failed {
                message: "boom".into(),
            },
        ];
        for event in events {
            let json = serde_json::to_string(&event).expect("serialise");
            let back: PullEvent = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, event, "{json}");
        }
        let json = serde_json::to_value(PullEvent::Layer {
            id: "abc".into(),
            status: LayerStatus::Downloading {
                current: 5,
                total: 9,
            },
        })
        .expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"event": "layer", "id": "abc", "status": {"state": "downloading", "current": 5, "total": 9}})
        );
    }
}
