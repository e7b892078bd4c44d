//! Platforms: `os/arch[/variant]`.
//!
//! Grammar of a platform specifier (as `--platform` takes it):
//!
//! ```text
//! platform  := os "/" arch [ "/" variant ]
//! component := [A-Za-z0-9_.-]+
//! ```
//!
//! Parsing lower-cases and normalises like containerd's `platforms`
//! package ([`Platform::normalized`]):
//!
//! | given | becomes |
//! | --- | --- |
//! | `macos` (os) | `darwin` |
//! | `x86_64`, `x86-64` | `amd64` (variant `v1` dropped: it is the baseline) |
//! | `i386` | `386` |
//! | `aarch64`, `arm64`, `arm64/8`, `arm64/v8.0` | `arm64/v8` (the default variant) |
//! | `arm64/9`, `arm64/9.0` | `arm64/v9` |
//! | `armhf` | `arm/v7` |
//! | `armel` | `arm/v6` |
//! | `arm`, `arm/7` | `arm/v7` (the default variant) |
//! | `arm/5`, `arm/6`, `arm/8` | `arm/v5`, `arm/v6`, `arm/v8` |
//!
//! containerd spells arm64 v8 as an empty variant; strata spells it `v8`,
//! and both compare equal when matching. Platforms read from JSON (index
//! entries, configs) are kept exactly as written; matching normalises both
//! sides. [`select`] chooses an index entry for a wanted platform.

mod normalize;
mod select;

use std::fmt;
use std::str::FromStr;

use crate::digest::cut;
use serde::{Deserialize, Serialize};

pub use select::{NoMatchingPlatform, runs_on, select};

/// An OS, architecture and optional variant, as in an index entry's
/// `platform` object (same JSON field names).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Platform {
    /// CPU architecture, Go's `GOARCH` spelling: `amd64`, `arm64`, `arm`, `386`, …
    pub architecture: String,
    /// Operating system, Go's `GOOS` spelling: `linux`, `windows`, …
    pub os: String,
    /// Operating system version, used by Windows images (`10.0.17763.5576`).
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    /// Required OS features (`win32k`).
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant: `v7` for arm, `v8` for arm64, `v2`/`v3` for amd64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// Why a platform specifier was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// Not two or three `/`-separated components.
    #[error(
        "invalid platform {input:?}: expected os/arch[/variant], such as linux/amd64 or linux/arm/v7"
    )]
    WrongShape {
        /// The rejected input (cut to 80 characters).
        input: String,
    },
    /// A component is empty or holds characters outside `[A-Za-z0-9_.-]`.
    #[error(
        "invalid platform {input:?}: the {part} {value:?} must be letters, digits, '_', '.' or '-'"
    )]
    InvalidComponent {
        /// The rejected input (cut to 80 characters).
        input: String,
        /// Which component: `os`, `architecture` or `variant`.
        part: &'static str,
        /// The offending component.
        value: String,
    },
}

impl Platform {
    /// A platform with no variant or OS details.
    pub fn new(os: &str, architecture: &str) -> Platform {
        Platform {
            architecture: architecture.to_owned(),
            os: os.to_owned(),
            os_version: None,
            os_features: Vec::new(),
            variant: None,
        }
    }

    /// The same platform with `variant` set.
    pub fn with_variant(mut self, variant: &str) -> Platform {
        self.variant = Some(variant.to_owned());
        self
    }

    /// The platform of a Rust target, given `std::env::consts::{OS, ARCH}`
    /// (the proxy's default for `--platform`). Rust names become Go names
    /// (`macos` → `darwin`, `x86_64` → `amd64`, `aarch64` → `arm64`,
    /// `x86` → `386`, `powerpc64` → `ppc64le`, `loongarch64` → `loong64`),
    /// then the result is [normalised](Platform::normalized).
    ///
    /// Meant for the native proxy: on `wasm32-unknown-unknown` the OS
    /// string is empty, so the dashboard should ask the user or default to
    /// the proxy's platform instead.
    pub fn from_target(os: &str, arch: &str) -> Platform {
        let arch = match arch {
            "x86" => "386",
            // Rust's ARCH does not say the byte order; images are published
            // for the little-endian flavour.
            "powerpc64" => "ppc64le",
            "powerpc" => "ppc",
            "loongarch64" => "loong64",
            "wasm32" => "wasm",
            other => other,
        };
        Platform::new(os, arch).normalized()
    }

    /// The platform normalised as the module doc describes: lower case,
    /// Go architecture names, default variants filled in.
    pub fn normalized(&self) -> Platform {
        normalize::normalize(self)
    }

    /// `unknown/unknown`: the platform BuildKit gives attestation manifests
    /// in an index. Never an image to run.
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" && self.architecture == "unknown"
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = self.variant.as_deref().filter(|v| !v.is_empty()) {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = PlatformError;

    /// Parses `os/arch[/variant]` and normalises it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let (os, arch, variant) = match parts.as_slice() {
            [os, arch] => (*os, *arch, None),
            [os, arch, variant] => (*os, *arch, Some(*variant)),
            _ => return Err(PlatformError::WrongShape { input: cut(s) }),
        };
        for (part, value) in [
            ("os", Some(os)),
            ("architecture", Some(arch)),
            ("variant", variant),
        ] {
            if let Some(value) = value
                && !is_component(value)
            {
                return Err(PlatformError::InvalidComponent {
                    input: cut(s),
                    part,
                    value: cut(value),
                });
            }
        }
        let mut platform = Platform::new(os, arch);
        platform.variant = variant.map(str::to_owned);
        Ok(platform.normalized())
    }
}

fn is_component(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn parses_and_normalises() {
        let cases = [
            ("linux/amd64", "linux/amd64"),
            ("linux/x86_64", "linux/amd64"),
            ("linux/x86-64", "linux/amd64"),
            ("linux/amd64/v1", "linux/amd64"),
            ("linux/amd64/v3", "linux/amd64/v3"),
            ("Linux/AMD64", "linux/amd64"),
            ("linux/i386", "linux/386"),
            ("linux/arm64", "linux/arm64/v8"),
            ("linux/aarch64", "linux/arm64/v8"),
            ("linux/arm64/8", "linux/arm64/v8"),
            ("linux/arm64/v8.0", "linux/arm64/v8"),
            ("linux/arm64/9.0", "linux/arm64/v9"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/armel", "linux/arm/v6"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/7", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("linux/arm/v5", "linux/arm/v5"),
            ("macos/arm64", "darwin/arm64/v8"),
            ("windows/amd64", "windows/amd64"),
            ("linux/s390x", "linux/s390x"),
            ("linux/riscv64", "linux/riscv64"),
            ("linux/ppc64le", "linux/ppc64le"),
        ];
        for (input, expected) in cases {
            let p: Platform = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.to_string(), expected, "{input}");
            assert_eq!(
                p.to_string().parse::<Platform>().unwrap(),
                p,
                "{input} is stable"
            );
        }
    }

    #[test]
    fn rejects_bad_specifiers() {
        let cases = [
            ("", "expected os/arch[/variant]"),
            ("linux", "expected os/arch[/variant]"),
            ("amd64", "expected os/arch[/variant]"),
            ("linux/arm/v7/extra", "expected os/arch[/variant]"),
            ("/amd64", "the os \"\""),
            ("linux/", "the architecture \"\""),
            ("linux/arm/", "the variant \"\""),
            ("linux/am d64", "the architecture \"am d64\""),
            ("linux:amd64/x", "the os \"linux:amd64\""),
        ];
        for (input, message) in cases {
            let err = input
                .parse::<Platform>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(message), "{input:?}: {err}");
        }
    }

    #[test]
    fn from_rust_target() {
        let cases = [
            ("linux", "x86_64", "linux/amd64"),
            ("linux", "aarch64", "linux/arm64/v8"),
            ("linux", "arm", "linux/arm/v7"),
            ("linux", "x86", "linux/386"),
            ("linux", "powerpc64", "linux/ppc64le"),
            ("linux", "s390x", "linux/s390x"),
            ("linux", "riscv64", "linux/riscv64"),
            ("linux", "loongarch64", "linux/loong64"),
            ("macos", "aarch64", "darwin/arm64/v8"),
            ("windows", "x86_64", "windows/amd64"),
        ];
        for (os, arch, expected) in cases {
            assert_eq!(
                Platform::from_target(os, arch).to_string(),
                expected,
                "{os} {arch}"
            );
        }
        // The host this test runs on maps to something well-formed. (Not in
        // the browser: wasm32-unknown-unknown has an empty OS.)
        if cfg!(not(target_arch = "wasm32")) {
            let host = Platform::from_target(std::env::consts::OS, std::env::consts::ARCH);
            assert!(
                !host.os.is_empty() && !host.architecture.is_empty(),
                "{host}"
            );
        }
    }

    #[test]
    fn json_uses_oci_field_names() {
        let json = r#"{"architecture":"amd64","os":"windows","os.version":"10.0.17763.5576","os.features":["win32k"]}"#;
        let p: Platform = serde_json::from_str(json).unwrap();
        assert_eq!(p.os_version.as_deref(), Some("10.0.17763.5576"));
        assert_eq!(p.os_features, ["win32k"]);
        assert_eq!(serde_json::to_string(&p).unwrap(), json);
        let arm: Platform =
            serde_json::from_str(r#"{"architecture":"arm","os":"linux","variant":"v6"}"#).unwrap();
        assert_eq!(arm.to_string(), "linux/arm/v6");
        assert!(Platform::new("unknown", "unknown").is_unknown());
        assert!(!arm.is_unknown());
    }
}
