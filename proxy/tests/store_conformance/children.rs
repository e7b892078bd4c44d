//! The child processes the cross-process checks spawn.

use super::*;

/// Bytes the children write.
pub const CHILD_LEN: usize = 3_000_000;

pub fn say(word: &str) {
    println!("CHILD {word}");
}

pub fn child<S: ContentStore>(store: &S, mode: &str) {
    let bytes = content(42, CHILD_LEN);
    let digest = Digest::sha256_of(&bytes);
    match mode {
        "write-and-wait" => {
            say("asking");
            match store
                .writer(&digest, Some(bytes.len() as u64))
                .expect("writer")
            {
                Ingest::Writer(mut w) => {
                    say("writer");
                    wait_for_parent();
                    write_all(&mut w, &bytes);
                    w.commit().expect("commit");
                    say("committed");
                }
                Ingest::Exists(n) => {
                    assert_eq!(n, bytes.len() as u64);
                    say("exists");
                }
            }
        }
        "crash-mid-write" => {
            let mut w = new_writer(store, &digest, Some(bytes.len() as u64));
            write_all(&mut w, &bytes[..CHILD_LEN / 2]);
            say("half-written");
            // Wait to be killed.
            wait_for_parent();
            panic!("the parent should have killed this process");
        }
        other => panic!("unknown child mode {other}"),
    }
}
