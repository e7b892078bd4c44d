//! Choosing an index entry for a wanted platform.
//!
//! Both sides are normalised first, so `arm64` with no variant is `arm64/v8`
//! and `aarch64` is `arm64`. Among entries with the wanted OS and
//! architecture, the best is:
//!
//! 1. the exact variant (and, for Windows, the exact `os.version` if one was
//!    asked for);
//! 2. otherwise the highest older variant the wanted CPU still runs, as
//!    containerd's `platforms.Only` allows: `arm/v7` runs `arm/v6` and
//!    `arm/v5`, `arm64/v9` runs `arm64/v8`, `amd64/v3` runs `amd64/v2` and
//!    plain `amd64`.
//!
//! Ties go to the entry listed first. Attestation entries (`unknown/unknown`,
//! or annotated `vnd.docker.reference.type: attestation-manifest`) and
//! entries without a platform are never chosen.

use std::fmt;

use super::Platform;
use crate::manifest::Descriptor;

/// No index entry runs on the wanted platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoMatchingPlatform {
    /// The platform asked for (normalised; boxed to keep `Result`s small).
    pub wanted: Box<Platform>,
    /// The image platforms the index does offer, in index order.
    pub available: Vec<Platform>,
}

impl fmt::Display for NoMatchingPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no manifest for platform {} in the index", self.wanted)?;
        if self.available.is_empty() {
            return f.write_str(" (it lists no image platforms)");
        }
        f.write_str("; available platforms: ")?;
        for (i, platform) in self.available.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{platform}")?;
        }
        f.write_str(" (choose one with --platform)")
    }
}

impl std::error::Error for NoMatchingPlatform {}

/// The entry of `manifests` (an index's list) that best runs on `wanted`.
pub fn select<'a>(
    wanted: &Platform,
    manifests: &'a [Descriptor],
) -> Result<&'a Descriptor, NoMatchingPlatform> {
    let wanted = wanted.normalized();
    let mut best: Option<(Rank, &Descriptor)> = None;
    for descriptor in manifests.iter().filter(|d| is_image_entry(d)) {
        let Some(platform) = &descriptor.platform else {
            continue;
        };
        let Some(rank) = rank(&wanted, &platform.normalized()) else {
            continue;
        };
        if best.as_ref().is_none_or(|(r, _)| rank > *r) {
            best = Some((rank, descriptor));
        }
    }
    best.map(|(_, d)| d).ok_or_else(|| NoMatchingPlatform {
        available: manifests
            .iter()
            .filter(|d| is_image_entry(d))
            .filter_map(|d| d.platform.clone())
            .collect(),
        wanted: Box::new(wanted),
    })
}

/// Whether an image of platform `image` runs on `wanted` (the same rules as
/// [`select`]: normalised, older variants of the wanted CPU count).
pub fn runs_on(wanted: &Platform, image: &Platform) -> bool {
    rank(&wanted.normalized(), &image.normalized()).is_some()
}

fn is_image_entry(descriptor: &Descriptor) -> bool {
    descriptor.platform.is_some() && !descriptor.is_attestation()
}

/// Higher is better. `exact` beats any fallback; among fallbacks the newer
/// variant wins; `os_version` breaks ties.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    exact: bool,
    variant: (u32, u32),
    os_version: bool,
}

fn rank(wanted: &Platform, candidate: &Platform) -> Option<Rank> {
    if wanted.os != candidate.os || wanted.architecture != candidate.architecture {
        return None;
    }
    let os_version = wanted.os_version.is_some() && wanted.os_version == candidate.os_version;
    if wanted.variant == candidate.variant {
        return Some(Rank {
            exact: true,
            variant: (0, 0),
            os_version,
        });
    }
    if !matches!(wanted.architecture.as_str(), "arm" | "arm64" | "amd64") {
        return None;
    }
    // Normalised amd64 has no variant for the v1 baseline.
    let level = |v: &Option<String>| match v.as_deref() {
        None => Some((1, 0)),
        Some(v) => variant_level(v),
    };
    let (w, c) = (level(&wanted.variant)?, level(&candidate.variant)?);
    (c < w).then_some(Rank {
        exact: false,
        variant: c,
        os_version,
    })
}

/// `v8` → (8, 0), `v8.2` → (8, 2); anything else is not comparable.
fn variant_level(variant: &str) -> Option<(u32, u32)> {
    let rest = variant.strip_prefix('v')?;
    let (major, minor) = rest.split_once('.').unwrap_or((rest, "0"));
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::collections::BTreeMap;

    use super::*;
    use crate::digest::Digest;
    use crate::media_type::MediaType;

    fn entry(spec: &str, os_version: Option<&str>, attestation: bool) -> Descriptor {
        let (os, rest) = spec.split_once('/').unwrap();
        let mut parts = rest.split('/');
        let mut platform = Platform::new(os, parts.next().unwrap());
        platform.variant = parts.next().map(str::to_owned);
        platform.os_version = os_version.map(str::to_owned);
        let mut annotations = BTreeMap::new();
        if attestation {
            annotations.insert(
                "vnd.docker.reference.type".to_owned(),
                "attestation-manifest".to_owned(),
            );
        }
        Descriptor {
            media_type: MediaType::OciManifest,
            digest: Digest::sha256_of(format!("{spec} {os_version:?} {attestation}").as_bytes()),
            size: 1,
            urls: Vec::new(),
            annotations,
            platform: Some(platform),
            artifact_type: None,
            extra: BTreeMap::new(),
        }
    }

    #[test]
    fn chooses_the_best_entry() {
        let index = vec![
            entry("linux/amd64", None, false),
            entry("unknown/unknown", None, false),
            entry("linux/arm/v6", None, false),
            entry("linux/arm/v7", None, false),
            entry("linux/arm64", None, false),
            entry("linux/amd64/v3", None, false),
            entry("linux/arm64/v8", None, true),
            entry("linux/386", None, false),
            entry("windows/amd64", Some("10.0.17763.1"), false),
            entry("windows/amd64", Some("10.0.20348.1"), false),
        ];
        let cases: &[(&str, Option<&str>, Option<usize>)] = &[
            ("linux/amd64", None, Some(0)),
            ("linux/x86_64", None, Some(0)),
            ("linux/amd64/v3", None, Some(5)),
            ("linux/amd64/v4", None, Some(5)),
            ("linux/amd64/v2", None, Some(0)),
            ("linux/arm64", None, Some(4)),
            ("linux/arm64/v8", None, Some(4)),
            ("linux/aarch64", None, Some(4)),
            ("linux/arm64/v9", None, Some(4)),
            ("linux/arm/v7", None, Some(3)),
            ("linux/arm/v6", None, Some(2)),
            ("linux/armhf", None, Some(3)),
            ("linux/arm/v8", None, Some(3)),
            ("linux/arm/v5", None, None),
            ("linux/i386", None, Some(7)),
            ("windows/amd64", None, Some(8)),
            ("windows/amd64", Some("10.0.20348.1"), Some(9)),
            ("windows/amd64", Some("10.0.99999.1"), Some(8)),
            ("linux/s390x", None, None),
            ("unknown/unknown", None, None),
            ("darwin/arm64", None, None),
        ];
        for (spec, os_version, expected) in cases {
            let mut wanted: Platform = spec.parse().unwrap();
            wanted.os_version = os_version.map(str::to_owned);
            let got = select(&wanted, &index).ok().map(|d| &d.digest);
            assert_eq!(
                got,
                expected.map(|i| &index[i].digest),
                "{spec} {os_version:?}"
            );
        }
    }

    #[test]
    fn error_lists_what_is_available() {
        let index = vec![
            entry("linux/amd64", None, false),
            entry("unknown/unknown", None, false),
            entry("linux/arm64/v8", None, false),
            entry("linux/arm64/v8", None, true),
        ];
        let wanted: Platform = "linux/s390x".parse().unwrap();
        let err = select(&wanted, &index).err().unwrap();
        assert_eq!(err.available.len(), 2);
        assert_eq!(
            err.to_string(),
            "no manifest for platform linux/s390x in the index; available platforms: \
             linux/amd64, linux/arm64/v8 (choose one with --platform)"
        );
        let err = select(&wanted, &[]).err().unwrap();
        assert_eq!(
            err.to_string(),
            "no manifest for platform linux/s390x in the index (it lists no image platforms)"
        );
    }

    #[test]
    fn variant_levels() {
        let cases = [
            ("v8", Some((8, 0))),
            ("v8.2", Some((8, 2))),
            ("v10", Some((10, 0))),
            ("8", None),
            ("vx", None),
            ("", None),
        ];
        for (input, expected) in cases {
            assert_eq!(variant_level(input), expected, "{input}");
        }
    }

    #[test]
    fn runs_on_follows_the_selection_rules() {
        let p = |s: &str| s.parse::<Platform>().expect("platform");
        assert!(runs_on(&p("linux/arm64"), &p("linux/arm64/v8")));
        assert!(runs_on(&p("linux/arm/v7"), &p("linux/arm/v6")));
        assert!(runs_on(&p("linux/amd64"), &p("linux/amd64")));
        assert!(!runs_on(&p("linux/arm64/v8"), &p("linux/amd64")));
        assert!(!runs_on(&p("linux/arm/v6"), &p("linux/arm/v7")));
        assert!(!runs_on(&p("windows/amd64"), &p("linux/amd64")));
    }
}
