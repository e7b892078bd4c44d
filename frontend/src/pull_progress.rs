//! A pull's progress as the dashboard shows it, built by applying the
//! [`PullEvent`]s of its SSE stream one at a time (pure; no browser needed).

use shared::api::{LayerStatus, PullEvent};
use shared::display::human_size;

/// Everything one pull card shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullProgress {
    /// `v1: Pulling from lovelearnlinux/webserver`.
    pub header: Option<String>,
    /// Layers in the order they were first named, with their latest status.
    pub layers: Vec<(String, LayerStatus)>,
    /// `Digest: sha256:…`.
    pub digest: Option<String>,
    /// `Status: Downloaded newer image for …`.
    pub status: Option<String>,
    /// The canonical reference, once done.
    pub done: Option<String>,
    /// Warnings, in order (`WARNING: …`).
    pub warnings: Vec<String>,
    /// Why it failed.
    pub failed: Option<String>,
}

impl PullProgress {
    /// Applies the next event.
    pub fn apply(&mut self, event: PullEvent) {
        match &event {
            PullEvent::PullingFrom { .. } => self.header = event.plain_line(),
            PullEvent::Layer { id, status } => {
                match self.layers.iter_mut().find(|(l, _)| l == id) {
                    Some((_, s)) => *s = status.clone(),
                    None => self.layers.push((id.clone(), status.clone())),
                }
            }
            PullEvent::Digest { digest } => self.digest = Some(digest.to_string()),
            PullEvent::Status { .. } => self.status = event.plain_line(),
            PullEvent::Done { reference } => self.done = Some(reference.clone()),
            PullEvent::Warning { .. } => self.warnings.extend(event.plain_line()),
            PullEvent::Failed { message } => self.failed = Some(message.clone()),
        }
    }

    /// Whether no more events will come.
    pub fn finished(&self) -> bool {
        self.done.is_some() || self.failed.is_some()
    }
}

/// A layer's line, in the tutorial's words: `Downloading 12.3MB/45.6MB`.
pub fn layer_text(status: &LayerStatus) -> String {
    match status {
        LayerStatus::Downloading { current, total } => {
            format!(
                "{} {}/{}",
                status.label(),
                human_size(*current),
                human_size(*total)
            )
        }
        other => other.label().to_owned(),
    }
}

/// How full the layer's bar is, from 0 to 1000 (per mille).
pub fn layer_fill(status: &LayerStatus) -> u64 {
    match status {
        LayerStatus::PullingFsLayer | LayerStatus::Waiting => 0,
        LayerStatus::Downloading { current, total } if *total > 0 => {
            (current.saturating_mul(1000) / total).min(1000)
        }
        LayerStatus::Downloading { .. } => 0,
        LayerStatus::AlreadyExists
        | LayerStatus::VerifyingChecksum
        | LayerStatus::DownloadComplete
        | LayerStatus::PullComplete => 1000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn layer_lines_read_like_docker() {
        let cases = [
            (LayerStatus::AlreadyExists, "Already exists", 1000),
            (LayerStatus::Waiting, "Waiting", 0),
            (
                LayerStatus::Downloading {
                    current: 12_300_000,
                    total: 45_600_000,
                },
                "Downloading 12.3MB/45.6MB",
                269,
            ),
            (
                LayerStatus::Downloading {
                    current: 0,
                    total: 0,
                },
                "Downloading 0B/0B",
                0,
            ),
            (LayerStatus::PullComplete, "Pull complete", 1000),
        ];
        for (status, text, fill) in cases {
            assert_eq!(layer_text(&status), text);
            assert_eq!(layer_fill(&status), fill, "{text}");
        }
    }

    #[test]
    fn events_build_the_card() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let events = [
            PullEvent::PullingFrom {
                tag_or_digest: "v2".into(),
                repository: "lovelearnlinux/webserver".into(),
            },
            PullEvent::Layer {
                id: "aaa".into(),
                status: LayerStatus::AlreadyExists,
            },
            PullEvent::Layer {
                id: "bbb".into(),
                status: LayerStatus::PullingFsLayer,
            },
            PullEvent::Layer {
                id: "bbb".into(),
                status: LayerStatus::Downloading {
                    current: 1,
                    total: 2,
                },
            },
            PullEvent::Layer {
                id: "bbb".into(),
                status: LayerStatus::PullComplete,
            },
            PullEvent::Digest {
                digest: digest.parse().expect("digest"),
            },
            PullEvent::Status {
                up_to_date: false,
                name: "lovelearnlinux/webserver:v2".into(),
            },
            PullEvent::Done {
                reference: "docker.io/lovelearnlinux/webserver:v2".into(),
            },
        ];
        let mut progress = PullProgress::default();
        for event in events {
            assert!(!progress.finished());
            progress.apply(event);
        }
        assert!(progress.finished());
        assert_eq!(
            progress.header.as_deref(),
            Some("v2: Pulling from lovelearnlinux/webserver")
        );
        assert_eq!(
            progress.layers,
            [
                ("aaa".into(), LayerStatus::AlreadyExists),
                ("bbb".into(), LayerStatus::PullComplete)
            ]
        );
        assert_eq!(progress.digest, Some(digest));
        assert_eq!(
            progress.status.as_deref(),
            Some("Status: Downloaded newer image for lovelearnlinux/webserver:v2")
        );
        let mut warned = PullProgress::default();
        warned.apply(PullEvent::Warning {
            message: "wanted linux/arm64, actual: linux/amd64".into(),
        });
        assert_eq!(
            warned.warnings,
            ["WARNING: wanted linux/arm64, actual: linux/amd64"]
        );
        assert!(!warned.finished(), "a warning does not end the pull");
        let mut failed = PullProgress::default();
        failed.apply(PullEvent::Failed {
            message: "manifest unknown".into(),
        });
        assert!(failed.finished());
    }
}
