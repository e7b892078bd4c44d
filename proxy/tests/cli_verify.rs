//! `strata verify` and `strata verify-attestation` against the real
//! distribution registry holding the harness's signed fixtures
//! (`test_support::signing`): keyed and keyless signatures in cosign's
//! legacy `.sig` tag and as Sigstore bundles among the referrers, signed
//! attestations in the `.att` tag and bundles, BuildKit attestation
//! manifests, and one repository per tamper, each of which must turn
//! exactly its own check red. cosign's flag names and exit codes.

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;
use test_support::cli::Cli;
use test_support::signing::{SignedFixture, push_signed};
use test_support::{Auth, Registry, fixtures};

struct World {
    registry: Registry,
    cli: Cli,
    signed: SignedFixture,
    files: tempfile::TempDir,
}

impl World {
    fn file(&self, name: &str, text: &str) -> String {
        let path: PathBuf = self.files.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }

    fn key(&self) -> String {
        self.file("signer.pub", &self.signed.pems.signer)
    }

    fn root(&self) -> String {
        self.file("trusted_root.json", &self.signed.trusted_root_json)
    }

    fn strata(&self, args: &[&str]) -> Output {
        self.cli.run(&self.registry, args)
    }

    fn identity_args(&self) -> Vec<String> {
        vec![
            "--certificate-identity".into(),
            self.signed.identity.clone(),
            "--certificate-oidc-issuer".into(),
            self.signed.issuer.clone(),
            "--trusted-root".into(),
            self.root(),
        ]
    }
}

fn world() -> World {
    let registry = Registry::start(Auth::Open).expect("registry");
    let cli = Cli::new(env!("CARGO_BIN_EXE_strata"), &[&registry]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let signed = runtime
        .block_on(push_signed(&registry, "test/signed"))
        .expect("push the signed fixtures");
    World {
        registry,
        cli,
        signed,
        files: tempfile::tempdir().expect("tmp"),
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit code")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("--output json prints JSON ({e}):\n{}", text(output)))
}

/// Each finding's source and first failed check kind (or "passed").
fn outcomes(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let first_failed = f["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .find(|c| c["outcome"] == "failed")
                .map_or("passed".to_owned(), |c| {
                    c["kind"].as_str().unwrap_or("").to_owned()
                });
            (
                f["source"].as_str().unwrap_or("").to_owned(),
                f["kind"]["kind"].as_str().unwrap_or("").to_owned(),
                first_failed,
            )
        })
        .collect()
}

#[test]
fn keyed_and_keyless_signatures_verify_with_cosigns_flags() {
    let w = world();
    let image = w.signed.reference();

    let by_key = w.strata(&["verify", "--key", &w.key(), &image]);
    assert_eq!(code(&by_key), 0, "{}", text(&by_key));
    let out = text(&by_key);
    assert!(out.contains("✓ signed by ECDSA P-256 key sha256:"), "{out}");
    assert!(out.contains(&w.signed.digest), "{out}");

    let mut args = vec!["verify".to_owned()];
    args.extend(w.identity_args());
    args.push(image.clone());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let keyless = w.strata(&args);
    assert_eq!(code(&keyless), 0, "{}", text(&keyless));
    let out = text(&keyless);
    assert!(
        out.contains(&format!(
            "✓ signed by {} (issuer {})",
            w.signed.identity, w.signed.issuer
        )),
        "{out}"
    );
    assert!(out.contains("rests on: custom trusted root"), "{out}");

    // cosign's regexp flags, anchored: the whole identity must match.
    let domain = w
        .signed
        .identity
        .split('@')
        .nth(1)
        .expect("an email identity");
    let root = w.root();
    let pattern = format!(".*@{}", domain.replace('.', "\\."));
    let by_pattern = w.strata(&[
        "verify",
        "--certificate-identity-regexp",
        &pattern,
        "--certificate-oidc-issuer-regexp",
        "https://.*",
        "--trusted-root",
        &root,
        "--output",
        "json",
        &image,
    ]);
    assert_eq!(code(&by_pattern), 0, "{}", text(&by_pattern));
    let report = json(&by_pattern);
    assert_eq!(report["summary"]["summary"], "verified", "{report:#}");
    let sources: Vec<String> = outcomes(&report)
        .into_iter()
        .filter(|(_, kind, failed)| kind == "signature" && failed == "passed")
        .map(|(source, _, _)| source)
        .collect();
    assert!(
        sources.contains(&"referrers".to_owned()),
        "a bundle among the referrers verified: {sources:?}"
    );
    assert!(
        sources.contains(&"signature-tag".to_owned()),
        "the legacy .sig verified: {sources:?}\n{report:#}"
    );
    let half = w.strata(&[
        "verify",
        "--certificate-identity-regexp",
        "release",
        "--certificate-oidc-issuer-regexp",
        "https://.*",
        "--trusted-root",
        &root,
        &image,
    ]);
    assert_eq!(
        code(&half),
        12,
        "a pattern matching part of the identity is not a match: {}",
        text(&half)
    );
}

#[test]
fn policies_that_do_not_match_exit_12_and_say_which_check_failed() {
    let w = world();
    let image = w.signed.reference();
    let other = w.file("other.pub", &w.signed.pems.other);
    let wrong_key = w.strata(&["verify", "--key", &other, &image]);
    assert_eq!(code(&wrong_key), 12, "{}", text(&wrong_key));
    assert!(
        text(&wrong_key).contains("✗ signature: expected a signature by sha256:"),
        "{}",
        text(&wrong_key)
    );

    let root = w.root();
    let wrong_identity = w.strata(&[
        "verify",
        "--certificate-identity",
        &w.signed.other_identity,
        "--certificate-oidc-issuer",
        &w.signed.issuer,
        "--trusted-root",
        &root,
        &image,
    ]);
    assert_eq!(code(&wrong_identity), 12, "{}", text(&wrong_identity));
    assert!(
        text(&wrong_identity).contains("✗ certificate identity: expected"),
        "{}",
        text(&wrong_identity)
    );

    // Without the test root, the public-good Sigstore root does not vouch for the test CA.
    let public_good = w.strata(&[
        "verify",
        "--certificate-identity",
        &w.signed.identity,
        "--certificate-oidc-issuer",
        &w.signed.issuer,
        &image,
    ]);
    assert_eq!(code(&public_good), 12, "{}", text(&public_good));
    assert!(
        text(&public_good).contains("✗ certificate chain"),
        "{}",
        text(&public_good)
    );

    let no_policy = w.strata(&["verify", &image]);
    assert_eq!(code(&no_policy), 1, "{}", text(&no_policy));
    assert!(
        text(&no_policy).contains("--key FILE, or --certificate-identity"),
        "{}",
        text(&no_policy)
    );
}

#[test]
fn unsigned_and_missing_images_exit_10_and_11() {
    let w = world();
    let unsigned = w
        .registry
        .push(fixtures::get("test/diff:a").expect("fixture"))
        .expect("push")
        .reference;
    let out = w.strata(&["verify", "--key", &w.key(), &unsigned]);
    assert_eq!(code(&out), 10, "{}", text(&out));
    assert!(text(&out).contains("no signatures found"), "{}", text(&out));
    let missing = format!("{}/test/signed:no-such-tag", w.signed.host);
    let out = w.strata(&["verify", "--key", &w.key(), &missing]);
    assert_eq!(code(&out), 11, "{}", text(&out));
    assert!(text(&out).contains("no such image"), "{}", text(&out));
}

#[test]
fn each_tamper_turns_exactly_its_check_red() {
    let w = world();
    let key = w.key();
    let root = w.root();
    let email = vec![
        "--certificate-identity".to_owned(),
        w.signed.identity.clone(),
        "--certificate-oidc-issuer".to_owned(),
        w.signed.issuer.clone(),
        "--trusted-root".to_owned(),
        root.clone(),
    ];
    let workflow = vec![
        "--certificate-identity".to_owned(),
        w.signed.workflow_identity.clone(),
        "--certificate-oidc-issuer".to_owned(),
        w.signed.workflow_issuer.clone(),
        "--trusted-root".to_owned(),
        root.clone(),
    ];
    let by_key = vec!["--key".to_owned(), key.clone()];
    // (variant, policy, where the tampered signature is, the check that must fail first)
    let cases: Vec<(&str, &Vec<String>, &str, &str)> = vec![
        ("payload-changed", &by_key, "signature-tag", "signature"),
        ("payload-changed", &workflow, "referrers", "signature"),
        ("other-key", &by_key, "signature-tag", "signature"),
        ("other-key", &by_key, "referrers", "signature"),
        ("other-identity", &email, "signature-tag", "identity"),
        ("other-identity", &email, "referrers", "identity"),
        (
            "bad-inclusion-proof",
            &email,
            "signature-tag",
            "log-promise",
        ),
        ("bad-inclusion-proof", &email, "referrers", "log-inclusion"),
        ("replay", &by_key, "signature-tag", "subject-digest"),
        ("replay", &email, "referrers", "subject-digest"),
    ];
    for (name, policy, source, check) in cases {
        let variant = w
            .signed
            .variant(name)
            .unwrap_or_else(|| panic!("variant {name}"));
        let image = format!("{}/{}:latest", w.signed.host, variant.repo);
        let mut args = vec!["verify".to_owned()];
        args.extend(policy.iter().cloned());
        args.extend(["--output".to_owned(), "json".to_owned(), image]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = w.strata(&args);
        assert_eq!(code(&out), 12, "{name}: {}", text(&out));
        let report = json(&out);
        let found: Vec<(String, String, String)> = outcomes(&report)
            .into_iter()
            .filter(|(s, _, _)| s == source)
            .collect();
        assert!(
            !found.is_empty(),
            "{name}: nothing found at {source}: {report:#}"
        );
        for (_, _, failed) in &found {
            assert_eq!(
                failed, check,
                "{name} at {source}: the first failed check\n{report:#}"
            );
        }
    }
}

#[test]
fn attestations_verify_by_type_and_buildkit_statements_are_listed_unsigned() {
    let w = world();
    let image = w.signed.reference();
    let root = w.root();
    let provenance = w.strata(&[
        "verify-attestation",
        "--type",
        "slsaprovenance1",
        "--certificate-identity",
        &w.signed.workflow_identity,
        "--certificate-oidc-issuer",
        &w.signed.workflow_issuer,
        "--trusted-root",
        &root,
        &image,
    ]);
    assert_eq!(code(&provenance), 0, "{}", text(&provenance));
    assert!(
        text(&provenance).contains("attestation https://slsa.dev/provenance/"),
        "{}",
        text(&provenance)
    );

    let key = w.key();
    let keyed = w.strata(&[
        "verify-attestation",
        "--type",
        "slsaprovenance1",
        "--key",
        &key,
        &image,
    ]);
    assert_eq!(
        code(&keyed),
        0,
        "the .att provenance is signed by the P-256 key: {}",
        text(&keyed)
    );

    let ed25519 = w.file("ed25519.pub", &w.signed.pems.ed25519);
    let sbom = w.strata(&[
        "verify-attestation",
        "--type",
        "spdxjson",
        "--key",
        &ed25519,
        &image,
    ]);
    assert_eq!(
        code(&sbom),
        0,
        "the .att SPDX SBOM is signed by the Ed25519 key: {}",
        text(&sbom)
    );

    let wrong_type = w.strata(&[
        "verify-attestation",
        "--type",
        "cyclonedx",
        "--key",
        &key,
        &image,
    ]);
    assert_eq!(code(&wrong_type), 12, "{}", text(&wrong_type));
    assert!(
        text(&wrong_type).contains("✗ predicate type: expected cyclonedx"),
        "{}",
        text(&wrong_type)
    );

    let unknown = w.strata(&[
        "verify-attestation",
        "--type",
        "nonsense",
        "--key",
        &key,
        &image,
    ]);
    assert_eq!(code(&unknown), 1, "{}", text(&unknown));
    assert!(
        text(&unknown).contains("unknown --type"),
        "{}",
        text(&unknown)
    );

    // The BuildKit-style index: its attestation manifests are read, each
    // about the platform manifest it names, and are unsigned.
    let multi = format!("{}/{}:{}", w.signed.host, w.signed.repo, w.signed.multi.tag);
    let out = w.strata(&[
        "verify-attestation",
        "--key",
        &key,
        "--output",
        "json",
        &multi,
    ]);
    assert_eq!(
        code(&out),
        10,
        "BuildKit's statements are not signatures: {}",
        text(&out)
    );
    let report = json(&out);
    let statements: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["source"] == "index-attestation")
        .collect();
    assert!(statements.len() >= 2, "{report:#}");
    for s in &statements {
        assert_eq!(s["verdict"]["verdict"], "unsigned", "{s:#}");
        let subject_ok = s["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .any(|c| c["kind"] == "subject-digest" && c["outcome"] == "passed");
        assert!(
            subject_ok,
            "each statement names the platform manifest it describes: {s:#}"
        );
    }
}

#[test]
fn a_signature_copied_into_an_index_attestation_entry_is_not_the_indexs() {
    let w = world();
    // An index listing the signed image (a genuine copy) beside an
    // "attestation" entry that is really the signed image's .sig manifest,
    // annotated as being about the signed image: the .sig verifies for that
    // image, never for this index.
    let sig_size = {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            reqwest::get(format!(
                "{}/v2/{}/manifests/{}",
                w.registry.url(),
                w.signed.repo,
                w.signed.sig_digest
            ))
            .await
            .expect("get .sig")
            .bytes()
            .await
            .expect("body")
            .len()
        })
    };
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": w.signed.digest,
             "size": w.signed.manifest.len(), "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": w.signed.sig_digest,
             "size": sig_size, "platform": {"os": "unknown", "architecture": "unknown"},
             "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                             "vnd.docker.reference.digest": w.signed.digest}},
        ],
    });
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .put(format!(
                "{}/v2/{}/manifests/evil",
                w.registry.url(),
                w.signed.repo
            ))
            .header("Content-Type", "application/vnd.oci.image.index.v1+json")
            .body(serde_json::to_vec(&index).expect("json"))
            .send()
            .await
            .expect("put index")
            .status()
    });
    assert!(status.is_success(), "{status}");
    let evil = format!("{}/{}:evil", w.signed.host, w.signed.repo);
    let out = w.strata(&["verify", "--key", &w.key(), "--output", "json", &evil]);
    assert_eq!(code(&out), 10, "{}", text(&out));
    let report = json(&out);
    let listed: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["source"] == "index-attestation")
        .collect();
    assert!(!listed.is_empty(), "the entry is listed: {report:#}");
    for f in listed {
        assert_eq!(
            f["verdict"]["verdict"], "unsigned",
            "listed, never checked: {f:#}"
        );
    }
}
