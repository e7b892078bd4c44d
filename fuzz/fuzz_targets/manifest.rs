//! Fuzzes the manifest parser: arbitrary bytes, with the first byte choosing
//! the Content-Type, either fail to parse or give a manifest that
//! serialises to JSON which parses back to the same kind, media type and
//! descriptors. (Whole-value equality is not asserted: serde_json may read
//! a float in an unknown field one ULP differently on the second pass.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::manifest::Manifest;

const CONTENT_TYPES: [Option<&str>; 6] = [
    None,
    Some("application/vnd.oci.image.index.v1+json"),
    Some("application/vnd.oci.image.manifest.v1+json"),
    Some("application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"),
    Some("application/vnd.docker.distribution.manifest.v1+prettyjws"),
    Some("application/json"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(selector) % CONTENT_TYPES.len()];
    let Ok(manifest) = Manifest::from_slice(bytes, content_type) else {
        return;
    };
    let json = serde_json::to_vec(&manifest).expect("a parsed manifest serialises");
    let again = match Manifest::from_slice(&json, content_type) {
        Ok(again) => again,
        Err(e) => panic!(
            "re-serialised manifest did not parse: {e}\n{}",
            String::from_utf8_lossy(&json)
        ),
    };
    assert_eq!(again.media_type(), manifest.media_type());
    assert_eq!(again.as_index().is_some(), manifest.as_index().is_some());
    assert_eq!(again.descriptors(), manifest.descriptors());
});
