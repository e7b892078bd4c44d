//! [`Pace`]: the slowest and longest a blob transfer from a registry may
//! be, for `/v2`'s fetches and `strata pull`'s layer downloads alike.
//!
//! A read timeout alone does not bound a transfer: a registry that sends
//! a byte just before each timeout holds it (and the permit, socket and
//! ingest file that go with it) for as long as it likes. So a transfer
//! also stops when, once a window has passed, it averaged less than a
//! minimum rate, and in any case at an overall deadline.

use std::time::Duration;

/// The slowest transfer kept: 1 KiB/s on average, checked after 5 minutes.
pub const MIN_RATE: (u64, Duration) = (1024, Duration::from_secs(300));

/// The longest one blob transfer may take, however fast it goes.
pub const TRANSFER_DEADLINE: Duration = Duration::from_secs(3 * 3600);

/// The bounds of one blob transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Bytes per second on average, checked once the window has passed.
    pub min_rate: (u64, Duration),
    /// The longest a transfer may take.
    pub deadline: Duration,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            min_rate: MIN_RATE,
            deadline: TRANSFER_DEADLINE,
        }
    }
}

/// Why a transfer was stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Stalled {
    /// Slower than the minimum rate once the window had passed.
    #[error(
        "the registry sent {received} bytes in {} s, slower than the {rate} bytes/s strata waits for; the transfer was stopped (try again later)",
        elapsed.as_secs()
    )]
    TooSlow {
        /// Bytes received.
        received: u64,
        /// Time taken so far.
        elapsed: Duration,
        /// The minimum rate, in bytes per second.
        rate: u64,
    },
    /// Still going at the deadline.
    #[error(
        "the registry had sent {received} bytes when the transfer reached its limit of {} s; it was stopped (try again later)",
        deadline.as_secs()
    )]
    PastDeadline {
        /// Bytes received.
        received: u64,
        /// The deadline.
        deadline: Duration,
    },
}

impl Pace {
    /// Whether `received` bytes after `elapsed` is too slow.
    pub fn check_rate(&self, received: u64, elapsed: Duration) -> Result<(), Stalled> {
        let (rate, window) = self.min_rate;
        let expected = u64::try_from(elapsed.as_millis())
            .unwrap_or(u64::MAX)
            .saturating_mul(rate)
            / 1000;
        if elapsed >= window && received < expected {
            return Err(Stalled::TooSlow {
                received,
                elapsed,
                rate,
            });
        }
        Ok(())
    }

    /// The error for a transfer still going at the deadline.
    pub fn past_deadline(&self, received: u64) -> Stalled {
        Stalled::PastDeadline {
            received,
            deadline: self.deadline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_checked_only_once_the_window_has_passed() {
        let pace = Pace {
            min_rate: (1000, Duration::from_secs(10)),
            deadline: Duration::from_secs(60),
        };
        assert_eq!(pace.check_rate(0, Duration::from_secs(9)), Ok(()));
        assert_eq!(pace.check_rate(10_000, Duration::from_secs(10)), Ok(()));
        let slow = pace.check_rate(9_999, Duration::from_secs(10));
        assert!(
            matches!(
                slow,
                Err(Stalled::TooSlow {
                    received: 9_999,
                    rate: 1000,
                    ..
                })
            ),
            "{slow:?}"
        );
        let message = pace.past_deadline(5).to_string();
        assert!(message.contains("limit of 60 s"), "{message}");
    }
}
