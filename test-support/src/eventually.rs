//! Waiting until something holds: one poll loop for every test, instead of
//! a hand-written poll-until-deadline in each.
//!
//! [`eventually`] panics when time runs out; [`poll`] returns the
//! [`TimedOut`] instead, for callers that report or tolerate it.
//! [`eventually_async`] and [`poll_async`] are the same for async checks
//! (they sleep with tokio, so the runtime keeps serving meanwhile).
//!
//! The check runs at once, then after 10 ms, 20 ms, 40 ms… and at most
//! every 100 ms, until it succeeds or the timeout passes; the last look is
//! taken at the deadline. What a check returns says whether it is done and
//! what it saw ([`Check`]):
//!
//! | the check returns | done with | seen otherwise, shown on timeout |
//! | --- | --- | --- |
//! | `bool` | `true` → `()` | `false` |
//! | `Option<T>` | `Some(value)` → `value` | `None` |
//! | `Result<T, S>` | `Ok(value)` → `value` | `Err(seen)` → `seen` |
//!
//! To stop early with an error (a process that died, a request that
//! failed), make the done value a `Result` and return `Ok(Err(error))`.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use test_support::eventually::{eventually, poll};
//!
//! let start = Instant::now();
//! let waited = eventually(Duration::from_secs(5), "30 ms to pass", || {
//!     let elapsed = start.elapsed();
//!     (elapsed >= Duration::from_millis(30)).then_some(elapsed)
//! });
//! assert!(waited >= Duration::from_millis(30));
//!
//! let timed_out = poll(Duration::from_millis(50), || Err::<(), _>("still busy"))
//!     .expect_err("never done");
//! assert_eq!(timed_out.last, "still busy");
//! ```

use std::fmt;
use std::time::{Duration, Instant};

/// The first pause between two looks; each next one doubles, up to
/// [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);

/// The longest pause between two looks.
const MAX_PAUSE: Duration = Duration::from_millis(100);

/// What one look at a condition returns: done with a value, or not yet,
/// with what was seen (see the table in the [module docs](self)).
pub trait Check {
    /// What the wait returns once the check succeeds.
    type Done;
    /// What a look that did not succeed saw; the last one is reported.
    type Seen;
    /// `Ok` when done, `Err` with what was seen when not yet.
    fn into_result(self) -> Result<Self::Done, Self::Seen>;
}

impl Check for bool {
    type Done = ();
    type Seen = bool;
    fn into_result(self) -> Result<(), bool> {
        if self { Ok(()) } else { Err(false) }
    }
}

/// What a check returning `None` saw: nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nothing;

impl<T> Check for Option<T> {
    type Done = T;
    type Seen = Nothing;
    fn into_result(self) -> Result<T, Nothing> {
        self.ok_or(Nothing)
    }
}

impl<T, S> Check for Result<T, S> {
    type Done = T;
    type Seen = S;
    fn into_result(self) -> Result<T, S> {
        self
    }
}

/// The condition did not hold within the timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedOut<S> {
    /// How long it waited (the timeout asked for).
    pub waited: Duration,
    /// What the last look saw.
    pub last: S,
}

impl<S: fmt::Debug> fmt::Display for TimedOut<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not within {:?} (last seen: {:?})",
            self.waited, self.last
        )
    }
}

impl<S: fmt::Debug> std::error::Error for TimedOut<S> {}

/// Where a wait is: its deadline and the next pause.
struct Waiting {
    timeout: Duration,
    deadline: Instant,
    pause: Duration,
}

impl Waiting {
    fn new(timeout: Duration) -> Waiting {
        Waiting {
            timeout,
            deadline: Instant::now() + timeout,
            pause: FIRST_PAUSE,
        }
    }

    /// After a look that did not succeed: how long to sleep before the
    /// next one, or the [`TimedOut`] if the deadline has passed.
    fn next<S>(&mut self, seen: S) -> Result<Duration, TimedOut<S>> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TimedOut {
                waited: self.timeout,
                last: seen,
            });
        }
        let pause = self.pause.min(left);
        self.pause = (self.pause * 2).min(MAX_PAUSE);
        Ok(pause)
    }
}

/// Runs `check` until it succeeds, for up to `timeout`; returns what it
/// gave, or what the last look saw.
pub fn poll<C: Check>(
    timeout: Duration,
    mut check: impl FnMut() -> C,
) -> Result<C::Done, TimedOut<C::Seen>> {
    let mut waiting = Waiting::new(timeout);
    loop {
        match check().into_result() {
            Ok(done) => return Ok(done),
            Err(seen) => std::thread::sleep(waiting.next(seen)?),
        }
    }
}

/// [`poll`] for an async check; sleeps with tokio between looks.
pub async fn poll_async<C: Check>(
    timeout: Duration,
    mut check: impl AsyncFnMut() -> C,
) -> Result<C::Done, TimedOut<C::Seen>> {
    let mut waiting = Waiting::new(timeout);
    loop {
        match check().await.into_result() {
            Ok(done) => return Ok(done),
            Err(seen) => tokio::time::sleep(waiting.next(seen)?).await,
        }
    }
}

/// Runs `check` until it succeeds, for up to `timeout`, and returns what it
/// gave.
///
/// # Panics
/// When time runs out, with `what` (say what was awaited, or what is wrong
/// if it never comes), the timeout and what the last look saw.
pub fn eventually<C>(timeout: Duration, what: &str, check: impl FnMut() -> C) -> C::Done
where
    C: Check,
    C::Seen: fmt::Debug,
{
    poll(timeout, check).unwrap_or_else(|timed_out| panic!("{what}: {timed_out}"))
}

/// [`eventually`] for an async check.
///
/// # Panics
/// As [`eventually`].
pub async fn eventually_async<C>(
    timeout: Duration,
    what: &str,
    check: impl AsyncFnMut() -> C,
) -> C::Done
where
    C: Check,
    C::Seen: fmt::Debug,
{
    poll_async(timeout, check)
        .await
        .unwrap_or_else(|timed_out| panic!("{what}: {timed_out}"))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Nothing, TimedOut, eventually, eventually_async, poll, poll_async};

    const LONG: Duration = Duration::from_secs(10);
    const SHORT: Duration = Duration::from_millis(60);

    #[test]
    fn each_kind_of_check() {
        let mut n = 0;
        assert_eq!(
            poll(LONG, || {
                n += 1;
                n >= 3
            }),
            Ok(())
        );
        assert_eq!(n, 3, "looked until the third look succeeded");
        let mut n = 0;
        assert_eq!(
            poll(LONG, || {
                n += 1;
                (n >= 2).then_some(n * 10)
            }),
            Ok(20)
        );
        let mut n = 0;
        assert_eq!(
            poll(LONG, || {
                n += 1;
                if n >= 4 { Ok("done") } else { Err(n) }
            }),
            Ok("done")
        );
    }

    #[test]
    fn times_out_with_the_last_thing_seen() {
        let start = Instant::now();
        let mut n = 0;
        let timed_out = poll(SHORT, || {
            n += 1;
            Err::<(), _>(n)
        });
        assert!(start.elapsed() >= SHORT, "waited the whole timeout");
        assert!(start.elapsed() < LONG, "and not much more");
        assert_eq!(
            timed_out,
            Err(TimedOut {
                waited: SHORT,
                last: n,
            })
        );
        assert!(n >= 3, "looked several times ({n})");
        #[rustfmt::skip]
        let cases: [(Result<(), String>, &str); 3] = [
            (poll(SHORT, || false).map_err(|t| t.to_string()), "not within 60ms (last seen: false)"),
            (poll(SHORT, || None::<u8>).map(drop).map_err(|t| t.to_string()), "not within 60ms (last seen: Nothing)"),
            (poll(SHORT, || Err::<(), _>("busy")).map_err(|t| t.to_string()), "not within 60ms (last seen: \"busy\")"),
        ];
        for (got, want) in cases {
            assert_eq!(got, Err(want.to_owned()));
        }
        assert_eq!(poll(SHORT, || None::<u8>).map_err(|t| t.last), Err(Nothing));
    }

    #[test]
    fn a_zero_timeout_still_looks_once() {
        assert_eq!(poll(Duration::ZERO, || Some(7)), Ok(7));
        assert!(poll(Duration::ZERO, || false).is_err());
    }

    #[test]
    fn eventually_panics_with_what_and_the_last_seen() {
        assert_eq!(eventually(LONG, "seven", || Some(7)), 7);
        let panic = std::panic::catch_unwind(|| {
            eventually(SHORT, "the file never appeared", || {
                Err::<(), _>("empty dir")
            })
        })
        .expect_err("timed out");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert_eq!(
            message,
            "the file never appeared: not within 60ms (last seen: \"empty dir\")"
        );
    }

    #[tokio::test]
    async fn async_checks() {
        let mut n = 0;
        let got = poll_async(LONG, async || {
            tokio::task::yield_now().await;
            n += 1;
            (n >= 3).then_some(n)
        })
        .await;
        assert_eq!(got, Ok(3));
        let timed_out = poll_async(SHORT, async || Err::<(), _>("not yet")).await;
        assert_eq!(timed_out.map_err(|t| t.last), Err("not yet"));
        eventually_async(LONG, "true", async || true).await;
    }
}
