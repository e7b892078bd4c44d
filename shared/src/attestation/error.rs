//! Why an attestation's predicate or an SBOM could not be read.

/// An attestation document strata cannot read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    /// The document is larger than strata reads.
    #[error(
        "the SBOM is {size} bytes; strata reads SBOMs up to {limit} bytes (download it and use a local tool)"
    )]
    TooLarge {
        /// The document's size.
        size: u64,
        /// The largest size read.
        limit: u64,
    },
    /// The document lists more packages than strata shows.
    #[error(
        "the SBOM lists more than {limit} packages; strata shows up to {limit} (download it and use a local tool)"
    )]
    TooManyPackages {
        /// The most packages read.
        limit: usize,
    },
    /// The bytes are not JSON.
    #[error("the {what} is not valid JSON: {reason}")]
    InvalidJson {
        /// What was being read ("SPDX SBOM").
        what: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// The JSON is not the document its type says.
    #[error("the {what} is not a JSON object as its type requires; it cannot be shown")]
    NotAnObject {
        /// What was expected ("SLSA provenance predicate").
        what: &'static str,
    },
    /// Neither SPDX nor CycloneDX JSON.
    #[error(
        "this SBOM is neither SPDX JSON (no \"spdxVersion\") nor CycloneDX JSON (no \"bomFormat\"); {hint}"
    )]
    UnknownSbomFormat {
        /// What it looks like instead, and what to do.
        hint: &'static str,
    },
    /// A media type this module does not read.
    #[error("{media_type:?} is not an SBOM type strata reads (SPDX JSON or CycloneDX JSON)")]
    UnsupportedMediaType {
        /// The media type given.
        media_type: String,
    },
}
