//! Attestation content, all deterministic: in-toto statements v1, SLSA
//! provenance v1, SPDX 2.3 and CycloneDX 1.5 JSON SBOMs.

use serde_json::{Value, json};

/// The in-toto statement v1 type.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// The SLSA provenance v1 predicate type.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The SPDX predicate type.
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";
/// The CycloneDX predicate type.
pub const CYCLONEDX_PREDICATE: &str = "https://cyclonedx.org/bom";
/// The builder ID in the provenance.
pub const BUILDER_ID: &str =
    "https://github.com/strata-test/builder/.github/workflows/build.yml@refs/heads/main";
/// The source repository in the provenance.
pub const SOURCE_REPO: &str = "git+https://github.com/strata-test/app";
/// The source commit in the provenance.
pub const SOURCE_COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// An in-toto statement v1 about `name` with `digest` (`sha256:<hex>`).
pub fn statement(name: &str, digest: &str, predicate_type: &str, predicate: Value) -> Value {
    let hex = digest.trim_start_matches("sha256:");
    json!({
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {"sha256": hex}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    })
}

/// A SLSA provenance v1 predicate: builder, source repo and commit.
pub fn slsa_provenance() -> Value {
    json!({
        "buildDefinition": {
            "buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
            "externalParameters": {
                "workflow": {"ref": "refs/heads/main", "repository": "https://github.com/strata-test/app", "path": ".github/workflows/build.yml"},
            },
            "internalParameters": {"github": {"event_name": "push"}},
            "resolvedDependencies": [{
                "uri": format!("{SOURCE_REPO}@refs/heads/main"),
                "digest": {"gitCommit": SOURCE_COMMIT},
            }],
        },
        "runDetails": {
            "builder": {"id": BUILDER_ID},
            "metadata": {
                "invocationId": "https://github.com/strata-test/app/actions/runs/1/attempts/1",
                "startedOn": "2023-11-14T22:00:00Z",
                "finishedOn": "2023-11-14T22:10:00Z",
            },
        },
    })
}

/// The licenses packages cycle through.
const LICENSES: [&str; 4] = ["MIT", "Apache-2.0", "BSD-3-Clause", "GPL-2.0-only"];

/// Package `i`: name, version, license.
fn package(i: usize) -> (String, String, &'static str) {
    (
        format!("pkg-{i:05}"),
        format!("{}.{}.{}", 1 + i % 7, i % 13, i % 5),
        LICENSES[i % LICENSES.len()],
    )
}

/// An SPDX 2.3 JSON document for `name` with `packages` packages (each
/// with name, versionInfo, licenseConcluded and a purl external ref).
/// 10,000 packages make about 4 MB in a few milliseconds.
pub fn spdx(name: &str, packages: usize) -> Value {
    let packages: Vec<Value> = (0..packages)
        .map(|i| {
            let (pkg, version, license) = package(i);
            json!({
                "SPDXID": format!("SPDXRef-Package-{i}"),
                "name": pkg,
                "versionInfo": version,
                "licenseConcluded": license,
                "licenseDeclared": license,
                "downloadLocation": "NOASSERTION",
                "externalRefs": [{
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": format!("pkg:deb/debian/{pkg}@{version}?arch=amd64"),
                }],
            })
        })
        .collect();
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://strata.test/spdx/{name}"),
        "creationInfo": {"created": "2023-11-14T22:13:20Z", "creators": ["Tool: strata-test-support"]},
        "packages": packages,
    })
}

/// A CycloneDX 1.5 JSON BOM for `name` with `packages` components.
pub fn cyclonedx(name: &str, packages: usize) -> Value {
    let components: Vec<Value> = (0..packages)
        .map(|i| {
            let (pkg, version, license) = package(i);
            json!({
                "type": "library",
                "bom-ref": format!("pkg:deb/debian/{pkg}@{version}"),
                "name": pkg,
                "version": version,
                "licenses": [{"license": {"id": license}}],
                "purl": format!("pkg:deb/debian/{pkg}@{version}?arch=amd64"),
            })
        })
        .collect();
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"timestamp": "2023-11-14T22:13:20Z", "component": {"type": "container", "name": name}},
        "components": components,
    })
}
