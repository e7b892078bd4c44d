//! The signed fixtures are real: independent implementations accept every
//! good one and reject every tamper variant. sigstore-python 4.5.1
//! verifies the Sigstore bundles offline against the test trusted root
//! (`scripts/peers/verify_sigstore.py`); Python's `cryptography` checks
//! the keyed signatures, cosign's simple-signing payloads and DSSE
//! envelopes (`scripts/peers/verify_keyed.py`). Then `push_signed` puts it
//! all into the real distribution registry, where the `.sig`, `.att` and
//! referrers tags are found.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;
use test_support::signing::{SignedSet, push_signed};
use test_support::{Auth, Registry, workspace_root};

/// Runs a peer script on `cases`; each case's verdict (and error).
fn run_peer(script: &str, cases: &std::path::Path) -> BTreeMap<String, (bool, String)> {
    let output = Command::new("python3")
        .arg(workspace_root().join("scripts/peers").join(script))
        .arg(cases)
        .output()
        .expect("run python3; run scripts/setup.sh");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            (
                v["name"].as_str().expect("name").to_owned(),
                (
                    v["ok"].as_bool().expect("ok"),
                    v["error"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect()
}

#[test]
fn peers_accept_good_fixtures_and_reject_tampered_ones() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let set = SignedSet::build("127.0.0.1:5000/strata/signed", scratch.path()).expect("build");
    let files = scratch.path().join("peers");
    set.write_peer_files(&files).expect("write");
    let cases = files.join("cases.json");
    let mut verdicts = run_peer("verify_sigstore.py", &cases);
    verdicts.extend(run_peer("verify_keyed.py", &cases));
    for (name, (ok, error)) in &verdicts {
        eprintln!("{name}: {ok} {error}");
    }
    let mut wrong = Vec::new();
    for case in &set.cases {
        let name = case["name"].as_str().expect("name");
        let expect = case["expect"].as_bool().expect("expect");
        match verdicts.get(name) {
            Some((ok, error)) if *ok != expect => {
                wrong.push(format!("{name}: expected {expect}, got {ok} ({error})"))
            }
            Some((false, error))
                if !error.contains(case["reason"].as_str().unwrap_or_default()) =>
            {
                wrong.push(format!(
                    "{name}: rejected, but not for {}: {error}",
                    case["reason"]
                ))
            }
            Some(_) => {}
            None => wrong.push(format!("{name}: no verdict")),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}\nall verdicts: {verdicts:#?}");
    // Every tamper variant is in the cases, and is rejected by a peer.
    for variant in [
        "payload-changed",
        "other-key",
        "other-identity",
        "bad-inclusion-proof",
        "replay",
    ] {
        for name in [variant.to_owned(), format!("{variant}-sig")] {
            assert_eq!(verdicts.get(&name).map(|v| v.0), Some(false), "{name}");
        }
    }
}

#[test]
fn fixtures_are_deterministic() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let one = SignedSet::build("127.0.0.1:5000/strata/signed", a.path()).expect("build");
    eprintln!("built in {:?}", started.elapsed());
    let two = SignedSet::build("127.0.0.1:5000/strata/signed", b.path()).expect("build");
    assert_eq!(one.digest, two.digest);
    assert_eq!(one.sig_digest, two.sig_digest);
    assert_eq!(one.referrers_index_digest, two.referrers_index_digest);
    assert_eq!(one.files, two.files);
    let large = one
        .referrers
        .iter()
        .find(|r| r.name == "sbom-spdx-large")
        .expect("the large SBOM");
    let sbom: Value = serde_json::from_slice(&large.content).expect("json");
    assert_eq!(
        sbom["packages"].as_array().map(Vec::len),
        Some(test_support::signing::build::LARGE_SBOM_PACKAGES)
    );
    eprintln!("large SBOM: {} bytes", large.content.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_signed_puts_sig_att_and_referrers_in_the_registry() {
    let registry = Registry::start(Auth::Open).expect("registry");
    let fixture = push_signed(&registry, "strata/signed").await.expect("push");
    let manifest = registry
        .raw_manifest(&fixture.repo, &fixture.tag)
        .expect("image");
    assert_eq!(manifest, fixture.manifest);
    for (tag, digest) in [
        (&fixture.sig_tag, &fixture.sig_digest),
        (&fixture.att_tag, &fixture.att_digest),
        (&fixture.referrers_tag, &fixture.referrers_index_digest),
        (&fixture.multi.tag, &fixture.multi.digest),
    ] {
        let raw = registry.raw_manifest(&fixture.repo, tag).expect(tag);
        assert_eq!(
            &test_support::fixtures::layer::sha256(&raw),
            digest,
            "{tag}"
        );
    }
    let index: Value = serde_json::from_slice(
        &registry
            .raw_manifest(&fixture.repo, &fixture.referrers_tag)
            .expect("index"),
    )
    .expect("json");
    let listed: Vec<&str> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|d| d["digest"].as_str().expect("digest"))
        .collect();
    let expected: Vec<&str> = fixture
        .referrers
        .iter()
        .map(|r| r.digest.as_str())
        .collect();
    assert_eq!(listed, expected);
    for referrer in &fixture.referrers {
        let raw = registry
            .raw_manifest(&fixture.repo, &referrer.digest)
            .expect("referrer");
        let doc: Value = serde_json::from_slice(&raw).expect("json");
        assert_eq!(doc["subject"]["digest"], fixture.digest.as_str());
        assert_eq!(doc["artifactType"], referrer.artifact_type.as_str());
    }
    for variant in &fixture.variants {
        let raw = registry
            .raw_manifest(&variant.repo, "latest")
            .expect("variant image");
        assert_eq!(raw, fixture.manifest, "{}", variant.name);
        registry
            .raw_manifest(&variant.repo, &fixture.sig_tag)
            .expect("variant .sig");
        registry
            .raw_manifest(&variant.repo, &fixture.referrers_tag)
            .expect("variant referrers");
    }
    assert!(fixture.files.join("trusted_root.json").is_file());
}
