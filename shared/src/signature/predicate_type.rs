//! cosign's `--type` names for predicate types, compared as cosign does.

/// Whether `actual` is the predicate type cosign's `--type` value `wanted`
/// names (exactly, as cosign compares).
pub fn predicate_matches(wanted: &str, actual: &str) -> bool {
    predicate_type_for(wanted) == Some(actual)
}

/// The predicate type of cosign's `--type` names: `slsaprovenance` and
/// `slsaprovenance02` (SLSA v0.2), `slsaprovenance1` (v1), `spdx` and
/// `spdxjson`, `cyclonedx`, `link`, `vuln`, `openvex`, `custom`, or a URI
/// given as is.
pub fn predicate_type_for(name: &str) -> Option<&str> {
    Some(match name {
        "slsaprovenance" | "slsaprovenance02" => "https://slsa.dev/provenance/v0.2",
        "slsaprovenance1" => "https://slsa.dev/provenance/v1",
        "spdx" | "spdxjson" => "https://spdx.dev/Document",
        "cyclonedx" => "https://cyclonedx.org/bom",
        "link" => "https://in-toto.io/Link/v1",
        "vuln" => "https://cosign.sigstore.dev/attestation/vuln/v1",
        "openvex" => "https://openvex.dev/ns",
        "custom" => "https://cosign.sigstore.dev/attestation/v1",
        uri if uri.contains("://") => uri,
        _ => return None,
    })
}
