//! Every real fixture image, read back from the registry, parses with the
//! `shared` types, and the facts they give agree with what the fixtures hold.

use shared::config::ImageConfig;
use shared::digest::Digest;
use shared::manifest::Manifest;
use shared::media_type::MediaType;
use shared::platform::Platform;
use test_support::{Auth, Registry, fixtures};

fn blob(registry: &Registry, repo: &str, digest: &Digest) -> Vec<u8> {
    let url = format!("{}/v2/{repo}/blobs/{digest}", registry.url());
    let output = std::process::Command::new("curl")
        .args(["-sfL", &url])
        .output()
        .expect("curl");
    assert!(output.status.success(), "GET {url}");
    assert_eq!(
        &Digest::sha256_of(&output.stdout),
        digest,
        "blob bytes match their digest"
    );
    output.stdout
}

#[test]
fn every_fixture_parses_with_shared_types() {
    let registry = Registry::start(Auth::Open).expect("registry");
    for fixture in fixtures::all().expect("fixtures") {
        let pushed = registry.push(fixture).expect("push");
        let raw = registry
            .raw_manifest(fixture.repo, fixture.tag)
            .expect("manifest");
        assert_eq!(Digest::sha256_of(&raw).to_string(), pushed.digest);
        let manifest = Manifest::from_slice(&raw, None).expect("manifest parses");
        let image = match manifest {
            Manifest::Index(index) => {
                assert!(fixture.is_index, "{}", fixture.name());
                let chosen = index
                    .manifest_for(&"linux/arm64".parse::<Platform>().expect("platform"))
                    .expect("arm64");
                let child = registry
                    .raw_manifest(fixture.repo, &chosen.digest.to_string())
                    .expect("child");
                match Manifest::from_slice(&child, None).expect("child parses") {
                    Manifest::Image(m) => m,
                    Manifest::Index(_) => panic!("nested index in {}", fixture.name()),
                }
            }
            Manifest::Image(m) => m,
        };
        let config_bytes = blob(&registry, fixture.repo, &image.config.digest);
        let config = ImageConfig::from_slice(&config_bytes).expect("config parses");
        shared::image::check_layers(&image, &config).expect("one diff_id per layer");
        for layer in &image.layers {
            assert!(
                layer.media_type.is_layer(),
                "{}: {:?}",
                fixture.name(),
                layer.media_type
            );
        }
        match fixture.name().as_str() {
            "test/docker-v2:latest" => {
                assert_eq!(
                    image.media_type,
                    Some(MediaType::parse(
                        "application/vnd.docker.distribution.manifest.v2+json"
                    ))
                );
            }
            "test/zstd:latest" => {
                assert!(
                    image.layers.iter().all(
                        |l| l.media_type.compression() == shared::media_type::Compression::Zstd
                    ),
                    "{:?}",
                    image
                        .layers
                        .iter()
                        .map(|l| &l.media_type)
                        .collect::<Vec<_>>()
                );
            }
            "library/redis:latest" => {
                let runtime = config.config.as_ref().expect("runtime config");
                assert_eq!(
                    runtime.cmd.as_deref(),
                    Some(&["redis-server".to_owned()][..])
                );
                assert_eq!(config.history.iter().filter(|h| h.empty_layer).count(), 6);
                assert_eq!(image.layers.len(), 6);
            }
            "library/multi:latest" => assert_eq!(config.architecture, "arm64"),
            _ => {}
        }
    }
}
