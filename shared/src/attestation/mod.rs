//! What an attestation says: SLSA provenance and SBOMs read from in-toto
//! predicates (or raw SBOM documents), and the package table the dashboard
//! shows an SBOM in.
//!
//! Nothing here verifies: [`crate::signature`] checks who signed a
//! statement; this module reads the [`Statement`](crate::signature::Statement)
//! it carries. Every reader is lenient about missing fields (a fact not
//! given is shown as absent) and strict about size: hostile documents end in
//! an [`AttestationError`], never a panic.
//!
//! | file | concept |
//! | --- | --- |
//! | `predicate.rs` | [`Predicate`]: a statement classified; [`title`] of a predicate type |
//! | `slsa.rs` | [`Provenance`]: builder, build type, source, materials, times (SLSA v0.2, v1, BuildKit) |
//! | `source.rs` | [`Source`]: repository, ref, commit; the GitHub/GitLab commit link |
//! | `sbom.rs` | [`Sbom`]: packages from SPDX 2.x and CycloneDX 1.4–1.6 JSON |
//! | `package_table.rs` | [`rows`]: filtering and sorting 10k+ packages as row indices |
//! | `error.rs` | [`AttestationError`]: why a document could not be read |
//! | `json.rs` | lenient lookups in untyped JSON |

mod error;
mod json;
mod package_table;
mod predicate;
mod sbom;
mod slsa;
mod source;

pub use error::AttestationError;
pub use package_table::{Column, Direction, Sort, natural_cmp, rows};
pub use predicate::{Predicate, title};
pub use sbom::{
    CYCLONEDX_MEDIA_TYPE, MAX_PACKAGES, MAX_SBOM_BYTES, Package, SPDX_MEDIA_TYPE, Sbom, SbomFormat,
};
pub use slsa::{Material, Provenance, SlsaVersion};
pub use source::Source;
