//! Merkle paths, checkpoints and entry bodies, on hostile input too.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

/// A tree of `n` leaves `[i]`, its levels computed the plain way.
fn tree_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        1 => leaves[0],
        n => {
            let k = n.next_power_of_two() / 2;
            let k = if k == n { n / 2 } else { k };
            node_hash(&tree_root(&leaves[..k]), &tree_root(&leaves[k..]))
        }
    }
}

fn path(leaves: &[[u8; 32]], index: usize) -> Vec<Vec<u8>> {
    if leaves.len() == 1 {
        return Vec::new();
    }
    let n = leaves.len();
    let k = n.next_power_of_two() / 2;
    let k = if k == n { n / 2 } else { k };
    if index < k {
        let mut p = path(&leaves[..k], index);
        p.push(tree_root(&leaves[k..]).to_vec());
        p
    } else {
        let mut p = path(&leaves[k..], index - k);
        p.push(tree_root(&leaves[..k]).to_vec());
        p
    }
}

#[test]
fn audit_paths_lead_to_the_root_for_every_leaf_of_small_trees() {
    for size in 1..=9usize {
        let leaves: Vec<[u8; 32]> = (0..size).map(|i| leaf_hash(&[i as u8])).collect();
        let root = tree_root(&leaves);
        for index in 0..size {
            let p = path(&leaves, index);
            let got = merkle_root(&leaves[index], index as i64, size as i64, &p);
            assert_eq!(got, Ok(root), "size {size} index {index}");
            if !p.is_empty() {
                let mut bad = p.clone();
                bad[0][0] ^= 1;
                let got = merkle_root(&leaves[index], index as i64, size as i64, &bad);
                assert_ne!(got, Ok(root));
                assert!(merkle_root(&leaves[index], index as i64, size as i64, &p[1..]).is_err());
            }
        }
    }
}

#[test]
fn hostile_proofs_are_refused() {
    let leaf = leaf_hash(b"x");
    assert!(merkle_root(&leaf, 5, 5, &[]).is_err());
    assert!(merkle_root(&leaf, -1, 5, &[]).is_err());
    assert!(merkle_root(&leaf, 0, i64::MIN, &[]).is_err());
    assert!(merkle_root(&leaf, 0, i64::MAX, &[]).is_err());
    assert!(merkle_root(&leaf, i64::MAX - 1, i64::MAX, &[vec![0; 31]]).is_err());
    assert!(merkle_root(&leaf, 0, 2, &[vec![0; 3]]).is_err());
}

const NOTE: &str = "rekor.sigstore.dev - 2605736670972794746\n21428036\nrxnoKyFZlJ7/R6bMh/d3lcqwKqAy5CL1LcNBJP17kgQ=\nTimestamp: 1688058656037355364\n\n\u{2014} rekor.sigstore.dev wNI9ajBFAiEAuDk7uu5Ae8Own/MjhSZNuVzbLaX5bQBCOtDFS1s2xO8CIHNcPYe3T5KIlrGMn3mqpXlzvkPljYFMD9LkEzz8KVoz\n";

#[test]
fn a_checkpoint_parses() {
    let note = SignedNote::parse(NOTE).expect("note");
    assert_eq!(note.origin, "rekor.sigstore.dev - 2605736670972794746");
    assert_eq!(note.size, 21428036);
    assert_eq!(note.root.len(), 32);
    assert!(note.text.ends_with("Timestamp: 1688058656037355364\n"));
    assert_eq!(note.signatures.len(), 1);
    assert_eq!(note.signatures[0].name, "rekor.sigstore.dev");
    assert_eq!(note.signatures[0].key_hint.len(), 4);
}

#[test]
fn hostile_checkpoints_are_refused() {
    let cases = [
        "",
        "\n\n",
        "origin\n\n\u{2014} a AAAAAAA=\n",
        "origin\n12\n\n\u{2014} a AAAAAAA=\n",
        "origin\nbig\nAAAA\n\n\u{2014} a AAAAAAA=\n",
        "origin\n99999999999999999999999\nAAAA\n\n\u{2014} a AAAAAAA=\n",
        "origin\n12\n!!notbase64\n\n\u{2014} a AAAAAAA=\n",
        "origin\n12\nAAAA\n\n\u{2014} a !!!\n",
        "origin\n12\nAAAA\n\n\u{2014} a AAAA\n",
        "origin\n12\nAAAA\n\n- a AAAAAAA=\n",
        "origin\n12\nAAAA\n\n\u{2014} a AAAAAAA=",
        "origin\n12\nAAAA\n\n\u{2014} a AAAAAAA=\n\n\n",
        "\n12\nAAAA\n\n\u{2014} a AAAAAAA=\n",
    ];
    for case in cases {
        assert!(SignedNote::parse(case).is_err(), "{case:?}");
    }
    let huge = format!(
        "o\n1\nAAAA\n{}\n\n\u{2014} a AAAAAAA=\n",
        "x".repeat(MAX_NOTE)
    );
    assert!(SignedNote::parse(&huge).is_err());
    assert!(SignedNote::parse("origin\n12\nAAAA\n\n\u{2014} a AAAAAAA=\n").is_ok());
}
