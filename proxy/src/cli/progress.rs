//! Printing pull progress the way `docker pull` does.
//!
//! On a terminal every layer keeps one line that is rewritten in place
//! (`Downloading  [=====>      ]  12.3MB/45.6MB`). Elsewhere each status is
//! printed once, as its own line, and download progress is left out.

use std::collections::HashMap;
use std::io::Write;

use shared::api::{LayerStatus, PullEvent};
use shared::display::human_size;

/// Docker's progress bar: 50 cells, `=` for done, `>` at the head, then the
/// byte counts (`%8v/%v` of the human sizes).
pub fn progress_bar(current: u64, total: u64) -> String {
    const WIDTH: u64 = 50;
    let filled = (current.min(total) * 100)
        .checked_div(total)
        .map_or(0, |percent| percent / 2);
    let bar = format!(
        "[{}>{}]",
        "=".repeat(filled as usize),
        " ".repeat(WIDTH.saturating_sub(filled) as usize)
    );
    format!("{bar} {:>8}/{}", human_size(current), human_size(total))
}

/// Writes pull events to a terminal or a plain stream.
#[derive(Debug)]
pub struct ProgressPrinter<W: Write> {
    out: W,
    terminal: bool,
    quiet: bool,
    /// Line index of each layer in the live block (terminal mode).
    lines: HashMap<String, usize>,
    count: usize,
}

impl<W: Write> ProgressPrinter<W> {
    /// A printer to `out`; `terminal` turns on live lines, `quiet` prints only the final reference.
    pub fn new(out: W, terminal: bool, quiet: bool) -> Self {
        Self {
            out,
            terminal,
            quiet,
            lines: HashMap::new(),
            count: 0,
        }
    }

    /// Prints one event. Errors writing to the output are ignored, as `docker pull` does with a closed pipe.
    pub fn event(&mut self, event: &PullEvent) {
        if self.quiet {
            if let PullEvent::Done { reference } = event {
                let _ = writeln!(self.out, "{reference}");
            }
            return;
        }
        match (self.terminal, event) {
            (true, PullEvent::Layer { id, status }) => self.live(id, status),
            (_, PullEvent::PullingFrom { .. }) => {
                // A new image starts a new block of layer lines.
                self.lines.clear();
                self.count = 0;
                self.plain(event);
            }
            _ => self.plain(event),
        }
        let _ = self.out.flush();
    }

    fn plain(&mut self, event: &PullEvent) {
        if let Some(line) = event.plain_line() {
            let _ = writeln!(self.out, "{line}");
        }
    }

    fn live(&mut self, id: &str, status: &LayerStatus) {
        let text = match status {
            LayerStatus::Downloading { current, total } => {
                format!("{id}: Downloading  {}", progress_bar(*current, *total))
            }
            other => format!("{id}: {}", other.label()),
        };
        match self.lines.get(id) {
            Some(&index) => {
                let up = self.count - index;
                // Up to the layer's line, clear it, write, and come back down.
                let _ = write!(self.out, "\x1b[{up}A\r\x1b[2K{text}\r\x1b[{up}B");
            }
            None => {
                self.lines.insert(id.to_owned(), self.count);
                self.count += 1;
                let _ = writeln!(self.out, "{text}");
            }
        }
    }

    /// The output, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_match_docker() {
        let cases = [
            (0, 100, format!("[>{}]       0B/100B", " ".repeat(50))),
            (
                50,
                100,
                format!("[{}>{}]      50B/100B", "=".repeat(25), " ".repeat(25)),
            ),
            (
                12_300_000,
                45_600_000,
                format!("[{}>{}]   12.3MB/45.6MB", "=".repeat(13), " ".repeat(37)),
            ),
            (100, 100, format!("[{}>]     100B/100B", "=".repeat(50))),
        ];
        for (current, total, want) in cases {
            assert_eq!(progress_bar(current, total), want, "{current}/{total}");
        }
    }

    fn events() -> Vec<PullEvent> {
        let layer = |status| PullEvent::Layer {
            id: "8a29a15cefae".into(),
            status,
        };
        vec![
            PullEvent::PullingFrom {
                tag_or_digest: "v1".into(),
                repository: "lovelearnlinux/webserver".into(),
            },
            layer(LayerStatus::PullingFsLayer),
            layer(LayerStatus::Downloading {
                current: 5,
                total: 10,
            }),
            layer(LayerStatus::VerifyingChecksum),
            layer(LayerStatus::DownloadComplete),
            layer(LayerStatus::PullComplete),
            PullEvent::Status {
                up_to_date: false,
                name: "lovelearnlinux/webserver:v1".into(),
            },
            PullEvent::Done {
                reference: "docker.io/lovelearnlinux/webserver:v1".into(),
            },
        ]
    }

    #[test]
    fn plain_output_is_one_line_per_status() {
        let mut printer = ProgressPrinter::new(Vec::new(), false, false);
        for e in events() {
            printer.event(&e);
        }
        let out = String::from_utf8(printer.into_inner()).expect("utf8");
        assert_eq!(
            out,
            "v1: Pulling from lovelearnlinux/webserver\n\
             8a29a15cefae: Pulling fs layer\n\
             8a29a15cefae: Verifying Checksum\n\
             8a29a15cefae: Download complete\n\
             8a29a15cefae: Pull complete\n\
             Status: Downloaded newer image for lovelearnlinux/webserver:v1\n\
             docker.io/lovelearnlinux/webserver:v1\n"
        );
    }

    #[test]
    fn quiet_prints_only_the_reference() {
        let mut printer = ProgressPrinter::new(Vec::new(), false, true);
        for e in events() {
            printer.event(&e);
        }
        assert_eq!(
            printer.into_inner(),
            b"docker.io/lovelearnlinux/webserver:v1\n"
        );
    }

    #[test]
    fn terminal_rewrites_the_layer_line() {
        let mut printer = ProgressPrinter::new(Vec::new(), true, false);
        for e in events() {
            printer.event(&e);
        }
        let out = String::from_utf8(printer.into_inner()).expect("utf8");
        assert_eq!(out.matches("8a29a15cefae: Pulling fs layer\n").count(), 1);
        assert!(
            out.contains("\x1b[1A\r\x1b[2K8a29a15cefae: Pull complete\r\x1b[1B"),
            "{out:?}"
        );
    }
}
