//! SBOMs: the packages an image holds, from SPDX 2.x JSON or CycloneDX
//! 1.4–1.6 JSON, whether carried as an in-toto predicate or as a raw
//! document (`application/spdx+json`, `application/vnd.cyclonedx+json`).
//!
//! - SPDX: `packages[]` → `name`, `versionInfo`, `licenseConcluded` (else
//!   `licenseDeclared`; `NOASSERTION` is shown as nothing), and the first
//!   `externalRefs[]` with `referenceType: purl` → `referenceLocator`.
//! - CycloneDX: `components[]` and their nested `components`, in document
//!   order → `name`, `version`, `licenses[]` (`license.id`, `license.name`
//!   or `expression`, joined with `, `), `purl`.
//!
//! The format is read from the document (`spdxVersion`, `bomFormat`), else
//! from the predicate or media type. Documents over [`MAX_SBOM_BYTES`] or
//! with more than [`MAX_PACKAGES`] packages are refused.

use serde_json::Value;

use super::error::AttestationError;
use super::json::{items, text, text_or_empty};

/// The media type of a raw SPDX JSON document.
pub const SPDX_MEDIA_TYPE: &str = "application/spdx+json";
/// The media type of a raw CycloneDX JSON document.
pub const CYCLONEDX_MEDIA_TYPE: &str = "application/vnd.cyclonedx+json";
/// The largest SBOM read: 64 MiB.
pub const MAX_SBOM_BYTES: u64 = 64 << 20;
/// The most packages read from one SBOM.
pub const MAX_PACKAGES: usize = 1_000_000;

/// Which SBOM standard a document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    /// SPDX 2.x JSON.
    Spdx,
    /// CycloneDX JSON.
    CycloneDx,
}

impl SbomFormat {
    /// The format an in-toto predicate type names (`https://spdx.dev/Document`,
    /// `https://cyclonedx.org/bom/v1.5`, …).
    pub fn of_predicate_type(predicate_type: &str) -> Option<SbomFormat> {
        let t = predicate_type.trim_end_matches('/');
        if t == "https://spdx.dev/Document" || t.starts_with("https://spdx.dev/Document/") {
            Some(SbomFormat::Spdx)
        } else if t == "https://cyclonedx.org/bom" || t.starts_with("https://cyclonedx.org/bom/") {
            Some(SbomFormat::CycloneDx)
        } else {
            None
        }
    }

    /// The format a raw document's media type names (parameters ignored).
    pub fn of_media_type(media_type: &str) -> Option<SbomFormat> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case(SPDX_MEDIA_TYPE)
            || essence.eq_ignore_ascii_case("text/spdx+json")
        {
            Some(SbomFormat::Spdx)
        } else if essence.eq_ignore_ascii_case(CYCLONEDX_MEDIA_TYPE) {
            Some(SbomFormat::CycloneDx)
        } else {
            None
        }
    }

    /// The standard's name: `SPDX`, `CycloneDX`.
    pub fn name(self) -> &'static str {
        match self {
            SbomFormat::Spdx => "SPDX",
            SbomFormat::CycloneDx => "CycloneDX",
        }
    }
}

/// One package of an SBOM; a field the SBOM does not give is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// The package's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its license (an SPDX expression or a name).
    pub license: String,
    /// Its package URL (`pkg:apk/alpine/musl@1.2.5-r0`).
    pub purl: String,
}

/// An SBOM's packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// The standard it follows.
    pub format: SbomFormat,
    /// The standard's version (`SPDX-2.3`, `1.5`), if given.
    pub spec_version: String,
    /// The document's name (SPDX `name`, CycloneDX `metadata.component.name`).
    pub name: String,
    /// The packages, in document order.
    pub packages: Vec<Package>,
}

impl Sbom {
    /// Reads a raw SBOM document of `media_type`.
    pub fn from_slice(bytes: &[u8], media_type: &str) -> Result<Sbom, AttestationError> {
        let Some(format) = SbomFormat::of_media_type(media_type) else {
            return Err(AttestationError::UnsupportedMediaType {
                media_type: media_type.to_owned(),
            });
        };
        Sbom::parse(bytes, Some(format), MAX_SBOM_BYTES, MAX_PACKAGES)
    }

    /// Reads an in-toto predicate (the SBOM itself, or cosign's
    /// `{"Data": …}` wrapping, or a JSON string holding it) expected to be
    /// `format`.
    pub fn from_predicate(format: SbomFormat, predicate: &Value) -> Result<Sbom, AttestationError> {
        match predicate {
            Value::String(text) => {
                Sbom::parse(text.as_bytes(), Some(format), MAX_SBOM_BYTES, MAX_PACKAGES)
            }
            Value::Object(o) if !is_sbom(predicate) && o.contains_key("Data") => {
                Sbom::from_predicate(format, &o["Data"])
            }
            _ => read(predicate, Some(format), MAX_PACKAGES),
        }
    }

    fn parse(
        bytes: &[u8],
        hint: Option<SbomFormat>,
        max_bytes: u64,
        max_packages: usize,
    ) -> Result<Sbom, AttestationError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > max_bytes {
            return Err(AttestationError::TooLarge {
                size,
                limit: max_bytes,
            });
        }
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            Some(b'<') => {
                return Err(AttestationError::UnknownSbomFormat {
                    hint: "it looks like XML; strata reads JSON SBOMs only",
                });
            }
            Some(b'{') | Some(b'[') | None => {}
            Some(_) if bytes.starts_with(b"SPDXVersion") || first == Some(&b'#') => {
                return Err(AttestationError::UnknownSbomFormat {
                    hint: "it looks like SPDX tag-value text; strata reads SPDX JSON only",
                });
            }
            Some(_) => {}
        }
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| AttestationError::InvalidJson {
                what: hint.map_or("SBOM", SbomFormat::name),
                reason: e.to_string(),
            })?;
        read(&doc, hint, max_packages)
    }
}

/// Whether a document says which standard it follows.
fn is_sbom(doc: &Value) -> bool {
    doc.get("spdxVersion").is_some() || doc.get("bomFormat").is_some()
}

fn read(
    doc: &Value,
    hint: Option<SbomFormat>,
    max_packages: usize,
) -> Result<Sbom, AttestationError> {
    if !doc.is_object() {
        return Err(AttestationError::NotAnObject { what: "SBOM" });
    }
    let format = if doc.get("spdxVersion").is_some() {
        SbomFormat::Spdx
    } else if text(doc, &["bomFormat"]).is_some_and(|f| f.eq_ignore_ascii_case("CycloneDX")) {
        SbomFormat::CycloneDx
    } else if let Some(hint) = hint {
        hint
    } else {
        return Err(AttestationError::UnknownSbomFormat {
            hint: "it cannot be shown as a package list",
        });
    };
    match format {
        SbomFormat::Spdx => spdx(doc, max_packages),
        SbomFormat::CycloneDx => cyclonedx(doc, max_packages),
    }
}

fn spdx(doc: &Value, max_packages: usize) -> Result<Sbom, AttestationError> {
    let list = items(doc, &["packages"]);
    if list.len() > max_packages {
        return Err(AttestationError::TooManyPackages {
            limit: max_packages,
        });
    }
    let packages = list
        .iter()
        .filter(|p| p.is_object())
        .map(|p| {
            let license = [&["licenseConcluded"][..], &["licenseDeclared"]]
                .iter()
                .filter_map(|path| text(p, path))
                .find(|l| !l.eq_ignore_ascii_case("NOASSERTION"))
                .unwrap_or_default()
                .to_owned();
            let purl = items(p, &["externalRefs"])
                .iter()
                .find(|r| {
                    text(r, &["referenceType"]).is_some_and(|t| t.eq_ignore_ascii_case("purl"))
                })
                .map(|r| text_or_empty(r, &["referenceLocator"]))
                .unwrap_or_default();
            Package {
                name: text_or_empty(p, &["name"]),
                version: text_or_empty(p, &["versionInfo"]),
                license,
                purl,
            }
        })
        .collect();
    Ok(Sbom {
        format: SbomFormat::Spdx,
        spec_version: text_or_empty(doc, &["spdxVersion"]),
        name: text_or_empty(doc, &["name"]),
        packages,
    })
}

fn cyclonedx(doc: &Value, max_packages: usize) -> Result<Sbom, AttestationError> {
    let mut packages = Vec::new();
    // Depth-first in document order, without recursion: a stack of the
    // component lists still being walked.
    let mut stack = vec![items(doc, &["components"]).iter()];
    while let Some(top) = stack.last_mut() {
        let Some(c) = top.next() else {
            stack.pop();
            continue;
        };
        if !c.is_object() {
            continue;
        }
        if packages.len() == max_packages {
            return Err(AttestationError::TooManyPackages {
                limit: max_packages,
            });
        }
        packages.push(Package {
            name: text_or_empty(c, &["name"]),
            version: text_or_empty(c, &["version"]),
            license: cyclonedx_license(c),
            purl: text_or_empty(c, &["purl"]),
        });
        let nested = items(c, &["components"]);
        if !nested.is_empty() {
            stack.push(nested.iter());
        }
    }
    Ok(Sbom {
        format: SbomFormat::CycloneDx,
        spec_version: text_or_empty(doc, &["specVersion"]),
        name: text_or_empty(doc, &["metadata", "component", "name"]),
        packages,
    })
}

fn cyclonedx_license(component: &Value) -> String {
    let names: Vec<&str> = items(component, &["licenses"])
        .iter()
        .filter_map(|l| {
            text(l, &["expression"])
                .or_else(|| text(l, &["license", "id"]))
                .or_else(|| text(l, &["license", "name"]))
        })
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// The shape of BuildKit's SBOM scanner output (Syft, SPDX 2.3).
    fn buildkit_spdx() -> Value {
        serde_json::json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "sbom",
            "documentNamespace": "https://anchore.com/syft/dir/sbom-1",
            "creationInfo": {"creators": ["Tool: buildkit-v0.14.1", "Tool: syft-v1.4.1"], "created": "2024-05-01T10:00:00Z"},
            "packages": [
                {
                    "name": "musl", "SPDXID": "SPDXRef-Package-apk-musl", "versionInfo": "1.2.5-r0",
                    "supplier": "NOASSERTION", "downloadLocation": "https://musl.libc.org/",
                    "filesAnalyzed": false, "licenseConcluded": "NOASSERTION", "licenseDeclared": "MIT",
                    "copyrightText": "NOASSERTION",
                    "externalRefs": [
                        {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:musl:musl:1.2.5-r0:*:*:*:*:*:*:*"},
                        {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.0"}
                    ]
                },
                {"name": "busybox", "versionInfo": "1.36.1-r28", "licenseConcluded": "GPL-2.0-only", "licenseDeclared": "GPL-2.0-only"},
                {"name": "mystery", "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION"},
                "not a package"
            ],
            "files": [{"fileName": "/lib/ld-musl-x86_64.so.1"}],
            "relationships": []
        })
    }

    fn cyclonedx_doc() -> Value {
        serde_json::json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "metadata": {"component": {"type": "container", "name": "ghcr.io/org/app"}},
            "components": [
                {"type": "library", "name": "openssl", "version": "3.3.0",
                 "licenses": [{"license": {"id": "Apache-2.0"}}], "purl": "pkg:apk/alpine/openssl@3.3.0",
                 "components": [
                    {"name": "libcrypto3", "version": "3.3.0", "licenses": [{"expression": "Apache-2.0 OR MIT"}]},
                    {"name": "libssl3", "licenses": [{"license": {"name": "OpenSSL license"}}, {"license": {"id": "MIT"}}]}
                 ]},
                {"type": "library", "name": "zlib", "version": "1.3.1"}
            ]
        })
    }

    #[test]
    fn buildkit_spdx_packages() {
        let sbom = Sbom::from_predicate(SbomFormat::Spdx, &buildkit_spdx()).expect("reads");
        assert_eq!(
            (sbom.format, sbom.spec_version.as_str(), sbom.name.as_str()),
            (SbomFormat::Spdx, "SPDX-2.3", "sbom")
        );
        assert_eq!(
            sbom.packages,
            [
                Package {
                    name: "musl".into(),
                    version: "1.2.5-r0".into(),
                    license: "MIT".into(),
                    purl: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.0".into(),
                },
                Package {
                    name: "busybox".into(),
                    version: "1.36.1-r28".into(),
                    license: "GPL-2.0-only".into(),
                    purl: String::new(),
                },
                Package {
                    name: "mystery".into(),
                    ..Package::default()
                },
            ]
        );
    }

    #[test]
    fn cyclonedx_nested_components_in_document_order() {
        let sbom = Sbom::from_predicate(SbomFormat::CycloneDx, &cyclonedx_doc()).expect("reads");
        assert_eq!(
            (sbom.format, sbom.spec_version.as_str(), sbom.name.as_str()),
            (SbomFormat::CycloneDx, "1.5", "ghcr.io/org/app")
        );
        let rows: Vec<(&str, &str, &str)> = sbom
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.license.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("openssl", "3.3.0", "Apache-2.0"),
                ("libcrypto3", "3.3.0", "Apache-2.0 OR MIT"),
                ("libssl3", "", "OpenSSL license, MIT"),
                ("zlib", "1.3.1", ""),
            ]
        );
        assert_eq!(sbom.packages[0].purl, "pkg:apk/alpine/openssl@3.3.0");
    }

    #[test]
    fn raw_documents_by_media_type() {
        let spdx = serde_json::to_vec(&buildkit_spdx()).expect("json");
        let cdx = serde_json::to_vec(&cyclonedx_doc()).expect("json");
        /// Bytes, media type, and the format and package count or part of the error.
        type Case<'a> = (&'a [u8], &'a str, Result<(SbomFormat, usize), &'a str>);
        #[rustfmt::skip]
        let cases: [Case; 7] = [
            (&spdx, "application/spdx+json", Ok((SbomFormat::Spdx, 3))),
            (&cdx, "application/vnd.cyclonedx+json; version=1.5", Ok((SbomFormat::CycloneDx, 4))),
            // The document says what it is, whatever the media type.
            (&cdx, "application/spdx+json", Ok((SbomFormat::CycloneDx, 4))),
            (b"<bom/>", "application/vnd.cyclonedx+json", Err("XML")),
            (b"SPDXVersion: SPDX-2.3\n", "application/spdx+json", Err("tag-value")),
            (b"{\"packages\": [", "application/spdx+json", Err("not valid JSON")),
            (&spdx, "application/vnd.cyclonedx+xml", Err("not an SBOM type")),
        ];
        for (bytes, media_type, want) in cases {
            let got = Sbom::from_slice(bytes, media_type);
            match want {
                Ok(expected) => {
                    let sbom = got.expect(media_type);
                    assert_eq!((sbom.format, sbom.packages.len()), expected, "{media_type}");
                }
                Err(part) => {
                    let message = got.expect_err(media_type).to_string();
                    assert!(message.contains(part), "{media_type}: {message}");
                }
            }
        }
    }

    #[test]
    fn wrapped_predicates() {
        let text = Value::String(buildkit_spdx().to_string());
        let wrapped = serde_json::json!({"Data": buildkit_spdx(), "Timestamp": "2024"});
        for predicate in [text, wrapped] {
            let sbom = Sbom::from_predicate(SbomFormat::Spdx, &predicate).expect("reads");
            assert_eq!(sbom.packages.len(), 3);
        }
        // Without a marker the predicate type decides.
        let bare = serde_json::json!({"components": [{"name": "a"}]});
        let sbom = Sbom::from_predicate(SbomFormat::CycloneDx, &bare).expect("reads");
        assert_eq!(sbom.packages.len(), 1);
    }

    #[test]
    fn limits_and_hostile_input() {
        assert_eq!(
            Sbom::parse(b"{}", None, 1, 10),
            Err(AttestationError::TooLarge { size: 2, limit: 1 })
        );
        let many = serde_json::json!({"spdxVersion": "SPDX-2.3", "packages": [{}, {}, {}]});
        assert_eq!(
            read(&many, None, 2),
            Err(AttestationError::TooManyPackages { limit: 2 })
        );
        assert!(read(&many, None, 3).is_ok());
        let nested = serde_json::json!({"bomFormat": "CycloneDX",
            "components": [{"name": "a", "components": [{"name": "b"}, {"name": "c"}]}]});
        assert_eq!(
            read(&nested, None, 2),
            Err(AttestationError::TooManyPackages { limit: 2 })
        );
        // Deep nesting is refused by the parser's depth limit, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            Sbom::from_slice(deep.as_bytes(), SPDX_MEDIA_TYPE),
            Err(AttestationError::InvalidJson { .. })
        ));
        for (doc, hint) in [
            (serde_json::json!([1, 2]), Some(SbomFormat::Spdx)),
            (serde_json::json!({"packages": []}), None),
        ] {
            assert!(read(&doc, hint, 10).is_err(), "{doc}");
        }
        let odd = serde_json::json!({"spdxVersion": 2, "packages": [{"name": 5, "versionInfo": [], "externalRefs": "x"}]});
        let sbom = read(&odd, None, 10).expect("lenient");
        assert_eq!(sbom.packages, [Package::default()]);
    }
}
