//! strata's vocabulary, written once and used by both the proxy (native) and
//! the dashboard (wasm32).
//!
//! Everything here is pure: no tokio, no filesystem, no network, no clock.
//! Functions that need "now" take it as an argument. The crate builds for
//! `wasm32-unknown-unknown` and native, and its unit tests run on both
//! (natively with `cargo test`, in headless Chromium with
//! `cargo test --target wasm32-unknown-unknown`).
//!
//! | module | what it holds |
//! | --- | --- |
//! | [`reference`](mod@reference) | image references (`redis`, `host:5000/a/b:tag@sha256:…`), normalisation, familiar and path forms, reference patterns |
//! | [`digest`] | typed digests and the streaming [`digest::Verifier`] |
//! | [`media_type`] | OCI and Docker media types |
//! | [`manifest`] | descriptors, manifests and indexes |
//! | [`config`] | the image config (history, rootfs, runtime config) |
//! | [`diff`] | diffs between two images: config, layers, files and directory sizes |
//! | [`platform`] | `os/arch[/variant]` parsing, normalisation and matching |
//! | [`image`] | image facts: ID, chain IDs, size, created |
//! | [`rate_limit`] | Docker Hub's `ratelimit-limit` / `ratelimit-remaining` headers |
//! | [`image_view`] | the image page for any image: index entries, facts read through `/v2`, raw JSON with linked digests |
//! | [`disk_usage`] | `system df` arithmetic: images, shared and unique bytes, what prune and gc would free |
//! | [`image_tree`] | `images --tree`: each image with its index's platforms |
//! | [`display`] | Docker's size, relative time and short-ID formats |
//! | [`filter`] | `images --filter` and `search --filter` languages |
//! | [`format`](mod@format) | Go-template `--format` rendering |
//! | [`merged`] | the merged filesystem view of a stack of layers |
//! | [`explorer`] | the layer explorer's URLs, previews and layer sharing |
//! | [`api`] | the `/api/v1` request and response types |
//! | [`archive`] | `docker save`/`load` archives and OCI layouts: `manifest.json`, `index.json` names, safe member paths |
//! | [`verify`] | the trust chain the dashboard verifies: nodes, states, verdict |
//! | [`retention`] | `--retain` policies and which images they evict |
//! | [`attestation`] | what attestations say: SLSA provenance, SPDX and CycloneDX SBOMs, the package table |
//! | [`signature`] | cosign signatures, Sigstore bundles and in-toto attestations: checks, policies, keys |
//! | [`units`] | byte sizes and durations as typed on a command line |
//! | [`walk`] | the image walk from a reference to a verified image, which pull, `/v2` recording and every dashboard page drive |

pub mod api;
pub mod archive;
pub mod attestation;
pub mod config;
pub mod diff;
pub mod digest;
pub mod disk_usage;
pub mod display;
pub mod explorer;
pub mod filter;
pub mod format;
pub mod image;
pub mod image_tree;
pub mod image_view;
pub mod layer;
pub mod manifest;
pub mod media_type;
pub mod merged;
pub mod platform;
pub mod rate_limit;
pub mod reference;
pub mod retention;
pub mod signature;
pub mod units;
pub mod verify;
pub mod walk;

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
