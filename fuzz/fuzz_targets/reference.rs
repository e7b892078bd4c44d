//! Fuzzes the image reference parser: any UTF-8 either fails to parse or
//! gives a reference whose canonical form parses back to the same value.

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use shared::reference::Reference;

fuzz_target!(|input: &str| {
    if let Ok(reference) = Reference::from_str(input) {
        let canonical = reference.to_string();
        match Reference::from_str(&canonical) {
            Ok(again) => assert_eq!(again, reference, "{input:?} -> {canonical:?}"),
            Err(e) => panic!("{input:?} parsed, but its canonical form {canonical:?} did not: {e}"),
        }
    }
});
