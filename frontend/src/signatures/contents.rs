//! What an attestation or SBOM says: provenance facts, package tables
//! ([`shared::attestation`] reads them; the components render them).

use std::sync::Arc;

use leptos::prelude::*;
use shared::attestation::{Predicate, Sbom};
use shared::signature::Statement;

use crate::components::provenance::ProvenanceView;
use crate::components::sbom_table::SbomTable;

/// A short title for a predicate type.
pub fn predicate_title(predicate_type: &str) -> String {
    shared::attestation::title(predicate_type)
}

/// An attestation's statement, rendered: provenance facts or a package
/// table; nothing for other predicates (their JSON is on the artifact's page).
pub fn statement_view(statement: &Statement) -> AnyView {
    match Predicate::of(statement) {
        Ok(Predicate::Provenance(p)) => view! {
            <div class="attestation-contents" data-test="attestation-contents" data-predicate="provenance">
                <ProvenanceView provenance=p />
            </div>
        }
        .into_any(),
        Ok(Predicate::Sbom(sbom)) => sbom_view(Arc::new(sbom)),
        Ok(Predicate::Other { .. }) => ().into_any(),
        Err(e) => view! {
            <p class="error small-text" data-test="attestation-unreadable">"The predicate cannot be read: " {e.to_string()}</p>
        }
        .into_any(),
    }
}

/// An unsigned SBOM document, rendered.
pub fn document_view(sbom: &Result<Arc<Sbom>, String>) -> AnyView {
    match sbom {
        Ok(sbom) => sbom_view(sbom.clone()),
        Err(e) => view! {
            <p class="error small-text" data-test="attestation-unreadable">"The SBOM cannot be read: " {e.clone()}</p>
        }
        .into_any(),
    }
}

fn sbom_view(sbom: Arc<Sbom>) -> AnyView {
    let packages = sbom.packages.len().to_string();
    view! {
        <details class="attestation-contents" data-test="attestation-contents" data-predicate="sbom" data-packages=packages.clone()>
            <summary data-test="sbom-open">{format!("{} packages", packages)}</summary>
            <SbomTable sbom />
        </details>
    }
    .into_any()
}
