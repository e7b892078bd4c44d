//! What the `save`/`load` tests share: the fixtures they push, how they
//! read an archive, and the image list they compare.

use std::io::Read;
use std::path::Path;

use test_support::Registry;
use test_support::cli::Cli;

pub const V1: &str = "lovelearnlinux/webserver:v1";
pub const V2: &str = "lovelearnlinux/webserver:v2";

/// `images` lines the tests compare: ID and name.
pub const FORMAT: &str = "{{.ID}} {{.Repository}}:{{.Tag}}";

pub fn sorted(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

pub fn strata_images(cli: &Cli, registry: &Registry) -> Vec<String> {
    sorted(&cli.ok(registry, &["images", "--format", FORMAT]))
}

/// Every member path of the tar at `path`, in order.
pub fn members(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("open");
    let mut archive = tar::Archive::new(file);
    archive
        .entries()
        .expect("entries")
        .map(|e| {
            e.expect("entry")
                .path()
                .expect("path")
                .display()
                .to_string()
        })
        .collect()
}

/// The bytes of one member of the tar at `path`.
pub fn member(path: &Path, name: &str) -> Vec<u8> {
    let file = std::fs::File::open(path).expect("open");
    let mut archive = tar::Archive::new(file);
    for entry in archive.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        if entry.path().expect("path").to_str() == Some(name) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read");
            return bytes;
        }
    }
    panic!("no member {name}");
}

pub fn push_and_pull(registry: &Registry, cli: &Cli, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|name| {
            let pushed = registry.push_fixture(name).expect("push");
            cli.ok(registry, &["pull", "-q", &pushed.reference]);
            pushed.reference
        })
        .collect()
}

/// Loads `input` into a fresh store; checks it printed `Loaded image:` for
/// each of `refs` and now lists what `cli` lists.
pub fn loads_back_the_same(cli: &Cli, registry: &Registry, input: &str, refs: &[String]) {
    let fresh = Cli::new(env!("CARGO_BIN_EXE_strata"), &[registry]);
    let out = fresh.ok(registry, &["load", "-i", input]);
    let expected: String = refs
        .iter()
        .map(|r| format!("Loaded image: {r}\n"))
        .collect();
    assert_eq!(sorted(&out), sorted(&expected));
    assert_eq!(
        strata_images(&fresh, registry),
        strata_images(cli, registry)
    );
}
