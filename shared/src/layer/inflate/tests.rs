use std::io::Write as _;

use super::{Checkpoint, Inflater};
use crate::layer::DecodeError;

/// Text-like bytes (long matches) mixed with noise (literals), so every
/// block type and code length shows up.
fn sample(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if state.is_multiple_of(3) {
            out.extend(format!("file {} of the layer, mode 0644\n", state % 5000).bytes());
        } else {
            out.extend(state.to_le_bytes());
        }
    }
    out.truncate(len);
    out
}

fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

fn inflate(
    input: &[u8],
    split: usize,
    span: Option<u64>,
) -> Result<(Vec<u8>, Vec<Checkpoint>), DecodeError> {
    let mut inflater = Inflater::new(Vec::new(), span);
    for part in input.chunks(split.max(1)) {
        inflater.update(part)?;
    }
    inflater.finish()
}

#[test]
fn decodes_what_flate2_encodes_at_every_level_and_chunking() {
    let data = sample(700_000, 7);
    for level in [0, 1, 6, 9] {
        let input = gzip(&data, level);
        for split in [1, 3, 4096, 65_537, 1 << 22] {
            if split == 1 && level != 6 {
                continue;
            }
            let (out, _) = inflate(&input, split, None).expect("inflate");
            assert!(out == data, "level {level} split {split}");
        }
    }
}

#[test]
fn every_member_is_decoded_and_empty_input_is_refused() {
    let data = sample(300_000, 3);
    let mut input = gzip(&data[..1000], 6);
    input.extend(gzip(&[], 6));
    input.extend(gzip(&data[1000..], 1));
    let (out, _) = inflate(&input, 4096, None).expect("inflate");
    assert!(out == data);
    assert!(inflate(&[], 1, None).is_err());
}

#[test]
fn a_resumed_decoder_reproduces_the_stream_from_every_checkpoint() {
    let data = sample(3_000_000, 11);
    let mut input = gzip(&data[..1_200_000], 6);
    input.extend(gzip(&data[1_200_000..], 9));
    let (_, checkpoints) = inflate(&input, 100_000, Some(256 << 10)).expect("inflate");
    assert!(checkpoints.len() >= 8, "{} checkpoints", checkpoints.len());
    assert_eq!(checkpoints[0], Checkpoint::start());
    for pair in checkpoints.windows(2) {
        assert!(pair[1].out >= pair[0].out + (256 << 10));
        assert!(pair[1].in_bits > pair[0].in_bits);
    }
    for checkpoint in &checkpoints {
        assert!(checkpoint.window.len() <= super::WINDOW);
        let expected_window =
            &data[(checkpoint.out as usize - checkpoint.window.len())..checkpoint.out as usize];
        assert!(
            checkpoint.window == expected_window,
            "window at {}",
            checkpoint.out
        );
        let mut resumed = Inflater::resume(checkpoint, Vec::new());
        for part in input[checkpoint.in_byte() as usize..].chunks(77_777) {
            resumed.update(part).expect("resume");
        }
        let out = resumed.into_sink().expect("resume");
        assert!(
            out == data[checkpoint.out as usize..],
            "from {}",
            checkpoint.out
        );
    }
}

#[test]
fn corrupt_truncated_and_trailing_bytes_fail() {
    let data = sample(200_000, 5);
    let good = gzip(&data, 6);
    let mut crc = good.clone();
    let at = crc.len() - 6;
    crc[at] ^= 1;
    let mut size = good.clone();
    let at = size.len() - 2;
    size[at] ^= 1;
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let mut trailing = good.clone();
    trailing.extend(b"garbage");
    let cases: [(&str, &[u8]); 5] = [
        ("crc", &crc),
        ("size", &size),
        ("flipped", &flipped),
        ("cut", &good[..good.len() - 3]),
        ("trailing", &trailing),
    ];
    for (name, input) in cases {
        match inflate(input, 4096, None) {
            Err(DecodeError::Gzip(_)) => {}
            other => panic!("{name}: {:?}", other.map(|(out, _)| out.len())),
        }
    }
}

#[test]
fn a_refusing_sink_is_told_apart() {
    struct Refuse;
    impl std::io::Write for Refuse {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other(crate::layer::SINK_ERROR))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let input = gzip(&sample(600_000, 9), 6);
    let mut inflater = Inflater::new(Refuse, None);
    let fed = input
        .chunks(4096)
        .try_for_each(|part| inflater.update(part))
        .and_then(|()| inflater.finish().map(|_| ()));
    assert_eq!(fed, Err(DecodeError::Sink));
}
