//! Fuzzes strata's own gzip inflater (`shared::layer::inflate`) and the
//! layer index reader, all of which read hostile bytes:
//! - arbitrary bytes as gzip never panic, and when both strata's inflater
//!   and flate2's accept them they give the same output;
//! - the bytes gzipped (at a level the first byte picks) decode back to
//!   themselves, and a decoder resumed at any checkpoint gives the rest of
//!   them;
//! - arbitrary bytes as an encoded `LayerIndex` never panic.

#![no_main]

use std::io::Write as _;

use libfuzzer_sys::fuzz_target;
use shared::layer::index::LayerIndex;
use shared::layer::inflate::Inflater;

fn ours(input: &[u8], split: usize, span: Option<u64>) -> Option<(Vec<u8>, Vec<shared::layer::inflate::Checkpoint>)> {
    let mut inflater = Inflater::new(Vec::new(), span);
    for part in input.chunks(split.max(1)) {
        inflater.update(part).ok()?;
    }
    inflater.finish().ok()
}

fn theirs(input: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = flate2::write::MultiGzDecoder::new(Vec::new());
    decoder.write_all(input).ok()?;
    decoder.finish().ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(selector) * 37 + 1;
    if let (Some((a, _)), Some(b)) = (ours(data, split, None), theirs(data)) {
        assert!(a == b, "strata and flate2 disagree on accepted input");
    }

    let mut encoder =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(u32::from(selector % 10)));
    encoder.write_all(rest).expect("gzip into memory");
    let gz = encoder.finish().expect("gzip into memory");
    let (out, checkpoints) = ours(&gz, split, Some(512)).expect("strata inflates what flate2 wrote");
    assert!(out == rest, "round trip");
    for checkpoint in &checkpoints {
        let mut resumed = Inflater::resume(checkpoint, Vec::new());
        resumed
            .update(&gz[checkpoint.in_byte() as usize..])
            .expect("resume at a checkpoint");
        let suffix = resumed.into_sink().expect("resume at a checkpoint");
        assert!(suffix == rest[checkpoint.out as usize..], "resumed at {}", checkpoint.out);
    }

    let _ = LayerIndex::from_bytes(data);
});
