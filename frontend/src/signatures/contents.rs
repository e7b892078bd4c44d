//! What an attestation or SBOM says: provenance facts, package tables.

use leptos::prelude::*;
use shared::digest::Digest;
use shared::signature::Statement;

/// A short title for a predicate type.
pub fn predicate_title(predicate_type: &str) -> String {
    predicate_type.to_owned()
}

/// An attestation's statement, rendered.
pub fn statement_view(statement: &Statement) -> AnyView {
    let _ = statement;
    ().into_any()
}

/// An unsigned SBOM document, rendered.
pub fn document_view(digest: &Digest, bytes: &[u8]) -> AnyView {
    let _ = (digest, bytes);
    ().into_any()
}
