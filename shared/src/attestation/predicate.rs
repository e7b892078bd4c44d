//! An in-toto statement classified by its predicate type: provenance, an
//! SBOM, or something shown by its type alone; and a short human title for
//! any predicate type.

use serde_json::Value;

use super::error::AttestationError;
use super::sbom::{Sbom, SbomFormat};
use super::slsa::{Provenance, SlsaVersion};
use crate::signature::Statement;

/// What a statement's predicate is, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// SLSA provenance.
    Provenance(Provenance),
    /// An SBOM.
    Sbom(Sbom),
    /// A predicate strata shows by its type only (see [`title`]).
    Other {
        /// The predicate type.
        predicate_type: String,
    },
}

impl Predicate {
    /// Reads a statement's predicate.
    pub fn of(statement: &Statement) -> Result<Predicate, AttestationError> {
        Predicate::read(&statement.predicate_type, &statement.predicate)
    }

    /// Reads `predicate`, of `predicate_type`.
    pub fn read(predicate_type: &str, predicate: &Value) -> Result<Predicate, AttestationError> {
        if let Some(version) = SlsaVersion::of(predicate_type) {
            return Provenance::from_predicate(version, predicate).map(Predicate::Provenance);
        }
        if let Some(format) = SbomFormat::of_predicate_type(predicate_type) {
            return Sbom::from_predicate(format, predicate).map(Predicate::Sbom);
        }
        Ok(Predicate::Other {
            predicate_type: predicate_type.to_owned(),
        })
    }

    /// The predicate's short title ("SPDX SBOM").
    pub fn title(&self) -> String {
        match self {
            Predicate::Provenance(p) => match p.version {
                SlsaVersion::V0_2 => "SLSA provenance v0.2".to_owned(),
                SlsaVersion::V1 => "SLSA provenance v1".to_owned(),
            },
            Predicate::Sbom(s) => format!("{} SBOM", s.format.name()),
            Predicate::Other { predicate_type } => title(predicate_type),
        }
    }
}

/// Known predicate types and their titles; a type ending in `/` matches
/// any version under it.
const TITLES: &[(&str, &str)] = &[
    ("https://slsa.dev/provenance/v0.1", "SLSA provenance v0.1"),
    ("https://slsa.dev/provenance/v0.2", "SLSA provenance v0.2"),
    ("https://slsa.dev/provenance/v1", "SLSA provenance v1"),
    (
        "https://slsa.dev/verification_summary/v1",
        "SLSA verification summary",
    ),
    ("https://spdx.dev/Document", "SPDX SBOM"),
    ("https://spdx.dev/Document/", "SPDX SBOM"),
    ("https://cyclonedx.org/bom", "CycloneDX SBOM"),
    ("https://cyclonedx.org/bom/", "CycloneDX SBOM"),
    ("https://sigstore.dev/cosign/sign/v1", "cosign signature"),
    (
        "https://cosign.sigstore.dev/attestation/vuln/v1",
        "vulnerability scan",
    ),
    (
        "https://in-toto.io/attestation/vulns/",
        "vulnerability scan",
    ),
    (
        "https://cosign.sigstore.dev/attestation/v1",
        "cosign custom predicate",
    ),
    ("https://in-toto.io/attestation/link/", "in-toto link"),
    ("https://in-toto.io/attestation/test-result/", "test result"),
    ("https://in-toto.io/attestation/release/", "release"),
    (
        "https://in-toto.io/attestation/runtime-trace/",
        "runtime trace",
    ),
    (
        "https://in-toto.io/attestation/scai/",
        "SCAI attribute report",
    ),
    ("https://openvex.dev/ns", "OpenVEX statement"),
    ("https://openvex.dev/ns/", "OpenVEX statement"),
    (
        "https://github.com/npm/attestation/tree/main/specs/publish/",
        "npm publish attestation",
    ),
];

/// A short human title for a predicate type ("SLSA provenance v1",
/// "SPDX SBOM", "cosign signature"); an unknown type is its own title.
pub fn title(predicate_type: &str) -> String {
    let t = predicate_type.trim();
    TITLES
        .iter()
        .find(|(known, _)| {
            if known.ends_with('/') {
                t.starts_with(known)
            } else {
                t.trim_end_matches('/') == *known
            }
        })
        .map_or_else(|| t.to_owned(), |(_, title)| (*title).to_owned())
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn titles() {
        #[rustfmt::skip]
        let cases = [
            ("https://slsa.dev/provenance/v1", "SLSA provenance v1"),
            ("https://slsa.dev/provenance/v0.2", "SLSA provenance v0.2"),
            ("https://spdx.dev/Document", "SPDX SBOM"),
            ("https://spdx.dev/Document/v2.3", "SPDX SBOM"),
            ("https://cyclonedx.org/bom", "CycloneDX SBOM"),
            ("https://cyclonedx.org/bom/v1.5", "CycloneDX SBOM"),
            ("https://sigstore.dev/cosign/sign/v1", "cosign signature"),
            ("https://cosign.sigstore.dev/attestation/vuln/v1", "vulnerability scan"),
            ("https://in-toto.io/attestation/vulns/v0.1", "vulnerability scan"),
            ("https://openvex.dev/ns/v0.2.0", "OpenVEX statement"),
            ("https://example.com/mine/v1", "https://example.com/mine/v1"),
        ];
        for (predicate_type, want) in cases {
            assert_eq!(title(predicate_type), want, "{predicate_type}");
        }
    }

    #[test]
    fn statements_classified() {
        let statement = |predicate_type: &str, predicate: Value| Statement {
            statement_type: "https://in-toto.io/Statement/v0.1".into(),
            subject: Vec::new(),
            predicate_type: predicate_type.into(),
            predicate,
        };
        let provenance = statement(
            "https://slsa.dev/provenance/v0.2",
            serde_json::json!({"buildType": "https://mobyproject.org/buildkit@v1"}),
        );
        let p = Predicate::of(&provenance).expect("reads");
        assert!(matches!(&p, Predicate::Provenance(p) if p.buildkit));
        assert_eq!(p.title(), "SLSA provenance v0.2");

        let sbom = statement(
            "https://spdx.dev/Document",
            serde_json::json!({"spdxVersion": "SPDX-2.3", "packages": [{"name": "a"}]}),
        );
        let s = Predicate::of(&sbom).expect("reads");
        assert!(matches!(&s, Predicate::Sbom(s) if s.packages.len() == 1));
        assert_eq!(s.title(), "SPDX SBOM");

        let vuln = statement(
            "https://cosign.sigstore.dev/attestation/vuln/v1",
            serde_json::json!({}),
        );
        let v = Predicate::of(&vuln).expect("reads");
        assert_eq!(
            v,
            Predicate::Other {
                predicate_type: "https://cosign.sigstore.dev/attestation/vuln/v1".into()
            }
        );
        assert_eq!(v.title(), "vulnerability scan");

        let broken = statement("https://cyclonedx.org/bom", Value::Null);
        assert_eq!(
            Predicate::of(&broken),
            Err(AttestationError::NotAnObject { what: "SBOM" })
        );
    }
}
