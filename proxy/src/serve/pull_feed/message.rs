//! What one replica tells the others about a pull: a [`FeedMessage`],
//! sent as the JSON payload of one PostgreSQL notification.
//!
//! ```json
//! {"origin":7,"pull":1733500000000001,"reference":"redis","kind":"created"}
//! {"origin":7,"pull":1733500000000001,"reference":"redis","kind":"event","seq":0,
//!  "event":{"event":"pulling_from","tag_or_digest":"latest","repository":"library/redis"}}
//! ```
//!
//! Every message names the pull's reference, so a replica that missed the
//! `created` one still lists the pull. A payload must stay under
//! PostgreSQL's 8000 bytes ([`MAX_PAYLOAD`]): [`FeedMessage::encode`] cuts
//! the longest strings (a long failure message, in practice) at a
//! character boundary, marked with `…`, until it fits; strings shorter
//! than [`KEEP_WHOLE`] (digests, references) are never cut.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::api::PullEvent;

/// The largest payload sent, in bytes: PostgreSQL refuses 8000 or more.
pub const MAX_PAYLOAD: usize = 7900;

/// Strings up to this many bytes are never cut (a digest, a reference).
const KEEP_WHOLE: usize = 512;

/// Which replica sent a message: a random number drawn at start, so a
/// replica skips what it sent itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Origin(u64);

impl Origin {
    /// A new random origin for this process.
    pub fn random() -> Origin {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        std::process::id().hash(&mut hasher);
        std::time::SystemTime::now().hash(&mut hasher);
        Origin(hasher.finish())
    }
}

/// One step of one pull, as replicas share it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedMessage {
    /// The replica that runs the pull.
    pub origin: Origin,
    /// The pull's id, unique across replicas.
    pub pull: u64,
    /// The reference as given when the pull started.
    pub reference: String,
    /// What happened.
    #[serde(flatten)]
    pub update: Update,
}

/// What happened to a pull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Update {
    /// The pull started.
    Created,
    /// The pull's event number `seq` (its SSE id on every replica).
    Event {
        /// The event's number, from 0.
        seq: usize,
        /// The event.
        event: PullEvent,
    },
}

/// Why a message cannot be sent or read.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// Even with its long strings cut, the message is too long.
    #[error("a pull message stays over {MAX_PAYLOAD} bytes with its long strings cut")]
    TooLong,
    /// The payload is not a message this version reads (another version, or
    /// another program on the channel).
    #[error("not a pull message: {0}")]
    Unreadable(#[from] serde_json::Error),
}

impl FeedMessage {
    /// The JSON payload, under NOTIFY's 8000 bytes: long strings cut, marked
    /// with `…`.
    pub fn encode(&self) -> Result<String, MessageError> {
        let mut value = serde_json::to_value(self)?;
        loop {
            let text = value.to_string();
            if text.len() <= MAX_PAYLOAD {
                return Ok(text);
            }
            let longest = longest_string(&value);
            if longest <= KEEP_WHOLE {
                return Err(MessageError::TooLong);
            }
            cut_strings(&mut value, (longest / 2).max(KEEP_WHOLE));
        }
    }

    /// A message from its payload.
    pub fn decode(payload: &str) -> Result<FeedMessage, MessageError> {
        Ok(serde_json::from_str(payload)?)
    }
}

/// The length in bytes of the longest string in `value`.
fn longest_string(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(fields) => fields.values().map(longest_string).max().unwrap_or(0),
        _ => 0,
    }
}

/// Cuts every string in `value` longer than `budget` bytes to at most
/// `budget` bytes, ending with `…`, at a character boundary.
fn cut_strings(value: &mut Value, budget: usize) {
    match value {
        Value::String(s) if s.len() > budget => {
            let mut end = budget.saturating_sub('…'.len_utf8());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s.push('…');
        }
        Value::Array(items) => items.iter_mut().for_each(|v| cut_strings(v, budget)),
        Value::Object(fields) => fields.values_mut().for_each(|v| cut_strings(v, budget)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(update: Update) -> FeedMessage {
        FeedMessage {
            origin: Origin(7),
            pull: 1_733_500_000_000_001,
            reference: "redis".to_owned(),
            update,
        }
    }

    fn failed(text: String) -> FeedMessage {
        message(Update::Event {
            seq: 3,
            event: PullEvent::Failed { message: text },
        })
    }

    #[test]
    fn messages_round_trip() {
        let digest = "sha256:8a29a15cefaeccf6545f7ecf11298f9672d2f0cdaf9e357a95133ac3ad3e1f07";
        let cases = [
            message(Update::Created),
            message(Update::Event {
                seq: 0,
                event: PullEvent::Digest {
                    digest: digest.parse().expect("digest"),
                },
            }),
            failed("manifest unknown".to_owned()),
            failed("é".repeat(3000)),
        ];
        for case in cases {
            let payload = case.encode().expect("encode");
            assert!(payload.len() <= MAX_PAYLOAD, "{}", payload.len());
            let back = FeedMessage::decode(&payload).expect("decode");
            if payload.contains('…') {
                assert_ne!(back, case, "cut");
            } else {
                assert_eq!(back, case);
            }
        }
    }

    #[test]
    fn long_strings_are_cut_at_a_character_boundary() {
        #[rustfmt::skip]
        let cases: [(String, &str); 4] = [
            ("a".repeat(20_000), "a"),
            ("é".repeat(10_000), "é"),
            ("🦀".repeat(5_000), "🦀"),
            ("\"\u{0}".repeat(4_000), "\"\u{0}"),
        ];
        for (text, unit) in cases {
            let payload = failed(text.clone()).encode().expect("encode");
            assert!(payload.len() <= MAX_PAYLOAD, "{unit}: {}", payload.len());
            let back = FeedMessage::decode(&payload).expect("decode");
            let Update::Event {
                event: PullEvent::Failed { message },
                ..
            } = back.update
            else {
                panic!("{unit}: not a failure: {back:?}");
            };
            let kept = message.strip_suffix('…').expect("marked as cut");
            assert!(text.starts_with(kept) && kept.len() >= KEEP_WHOLE, "{unit}");
            assert_eq!(back.reference, "redis", "short strings are kept");
        }
    }

    #[test]
    fn what_is_not_a_message_is_unreadable() {
        for payload in [
            "",
            "{}",
            "null",
            r#"{"origin":1,"pull":2,"reference":"r","kind":"gone"}"#,
        ] {
            assert!(
                matches!(
                    FeedMessage::decode(payload),
                    Err(MessageError::Unreadable(_))
                ),
                "{payload:?}"
            );
        }
    }
}
