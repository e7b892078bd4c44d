//! "Signatures and attestations" on the image page: the image's cosign
//! signatures, Sigstore bundles, in-toto attestations and SBOMs, found
//! through `/v2` and verified in this browser by the shared checks
//! ([`shared::signature`]), against the policy the link carries.
//!
//! | file | concept |
//! | --- | --- |
//! | `probe.rs` | whether the image has anything attached (in the first download) |
//! | `contents.rs` | attestation and SBOM contents: provenance facts, package tables |
//! | `driver.rs` | the referrers step over `/v2`: [`driver::Report`] |
//! | `panel.rs` | the panel (a module of its own, fetched only when the probe finds something) |
//! | `policy_form.rs` | the policy in the link: a key, or an identity and issuer |

pub mod contents;
pub mod driver;
pub mod panel;
pub mod policy_form;
pub mod probe;
