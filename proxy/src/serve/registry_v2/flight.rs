//! [`SingleFlight`]: one piece of upstream work per key (a repository and
//! a digest, [`FlightKey`]), however many requests want it
//! at once.
//!
//! The first request for a key becomes the leader and gets a
//! [`Completion`]; the others, until the leader finishes, get a [`Waiter`]
//! that resolves to the leader's result. A leader that goes away without
//! finishing (its task was dropped) resolves every waiter to
//! [`V2Error::abandoned`], which they may take as a cue to try again.
//!
//! This is the in-process half of "one fetch per digest"; across
//! repositories and processes, the store's per-digest writer lock does the
//! same while it makes progress (a second fetch of the digest waits for
//! the first's result, and fetches beside it once the first made no
//! progress for [`crate::store::WRITER_PATIENCE`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

use shared::digest::Digest;

use super::error::V2Error;

type Outcome<T> = Option<Result<T, V2Error>>;

/// What a fetch in flight is for: a repository (its canonical name) and a
/// digest. Requests for the same content in other repositories fetch on
/// their own: the upstream's answer for one repository (a 404, a 401, a
/// trickle) is not another's. The store lets one writer work on a digest
/// at a time, so the second of two such fetches waits for the first's
/// result, unless the first stalls (then it writes beside it).
pub type FlightKey = (String, Digest);

/// Work in flight, by key.
pub struct SingleFlight<K, T> {
    flights: Mutex<HashMap<K, Arc<watch::Sender<Outcome<T>>>>>,
}

impl<K, T> std::fmt::Debug for SingleFlight<K, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.flights.lock().map_or(0, |m| m.len());
        f.debug_struct("SingleFlight")
            .field("in_flight", &n)
            .finish()
    }
}

impl<K, T> Default for SingleFlight<K, T> {
    fn default() -> Self {
        SingleFlight {
            flights: Mutex::new(HashMap::new()),
        }
    }
}

/// What [`SingleFlight::join`] makes of a request.
#[derive(Debug)]
pub enum Joined<K: Hash + Eq + Clone, T: Clone> {
    /// Nobody is doing the work: do it and [`Completion::finish`].
    Leader(Completion<K, T>),
    /// Someone is: wait for their result.
    Follower(Waiter<T>),
}

impl<K: Hash + Eq + Clone, T: Clone> SingleFlight<K, T> {
    /// Joins the work for `key`, leading it if nobody is.
    pub fn join(self: &Arc<Self>, key: &K) -> Joined<K, T> {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = flights.get(key) {
            return Joined::Follower(Waiter(sender.subscribe()));
        }
        let (sender, _) = watch::channel(None);
        let sender = Arc::new(sender);
        flights.insert(key.clone(), sender.clone());
        Joined::Leader(Completion {
            flights: self.clone(),
            key: key.clone(),
            sender,
            finished: false,
        })
    }

    /// How many keys are in flight.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.flights
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn remove(&self, key: &K, sender: &Arc<watch::Sender<Outcome<T>>>) {
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights.get(key).is_some_and(|s| Arc::ptr_eq(s, sender)) {
            flights.remove(key);
        }
    }
}

/// The leader's duty: finish with a result. Dropping it unfinished tells
/// waiters the work was abandoned.
#[derive(Debug)]
pub struct Completion<K: Hash + Eq + Clone, T: Clone> {
    flights: Arc<SingleFlight<K, T>>,
    key: K,
    sender: Arc<watch::Sender<Outcome<T>>>,
    finished: bool,
}

impl<K: Hash + Eq + Clone, T: Clone> Completion<K, T> {
    /// How many requests are waiting for the result right now.
    pub fn waiting(&self) -> usize {
        self.sender.receiver_count()
    }

    /// A ticket to this work's result, for a leader that hands the work
    /// to a task and waits like a follower.
    pub fn waiter(&self) -> Waiter<T> {
        Waiter(self.sender.subscribe())
    }

    /// Hands `result` to every waiter, and lets the next request for the
    /// key start afresh.
    pub fn finish(mut self, result: Result<T, V2Error>) {
        self.finished = true;
        self.flights.remove(&self.key, &self.sender);
        self.sender.send_replace(Some(result));
    }
}

impl<K: Hash + Eq + Clone, T: Clone> Drop for Completion<K, T> {
    fn drop(&mut self) {
        if !self.finished {
            self.flights.remove(&self.key, &self.sender);
            self.sender.send_replace(Some(Err(V2Error::abandoned())));
        }
    }
}

/// A follower's ticket to the leader's result.
#[derive(Debug)]
pub struct Waiter<T>(watch::Receiver<Outcome<T>>);

impl<T: Clone> Waiter<T> {
    /// The leader's result.
    pub async fn wait(mut self) -> Result<T, V2Error> {
        match self.0.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().unwrap_or_else(|| Err(V2Error::abandoned())),
            Err(_) => Err(V2Error::abandoned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leaders_result_and_the_key_frees_up() {
        let flights: Arc<SingleFlight<u32, String>> = Arc::default();
        let Joined::Leader(leader) = flights.join(&1) else {
            panic!("first is the leader")
        };
        let followers: Vec<Waiter<String>> = (0..3)
            .map(|_| match flights.join(&1) {
                Joined::Follower(w) => w,
                Joined::Leader(_) => panic!("second is a follower"),
            })
            .collect();
        assert_eq!(leader.waiting(), 3);
        assert!(
            matches!(flights.join(&2), Joined::Leader(_)),
            "other keys are independent"
        );
        let waits = tokio::spawn(async move {
            let mut out = Vec::new();
            for f in followers {
                out.push(f.wait().await.expect("result"));
            }
            out
        });
        leader.finish(Ok("done".to_owned()));
        assert_eq!(waits.await.expect("join"), ["done", "done", "done"]);
        assert_eq!(flights.len(), 0);
        assert!(
            matches!(flights.join(&1), Joined::Leader(_)),
            "a finished key starts afresh"
        );
    }

    #[tokio::test]
    async fn a_dropped_leader_abandons_its_waiters() {
        let flights: Arc<SingleFlight<u32, u64>> = Arc::default();
        let Joined::Leader(leader) = flights.join(&7) else {
            panic!("leader")
        };
        let Joined::Follower(waiter) = flights.join(&7) else {
            panic!("follower")
        };
        drop(leader);
        let err = waiter.wait().await.expect_err("abandoned");
        assert!(err.is_abandoned(), "{err}");
        assert_eq!(flights.len(), 0);
    }

    #[tokio::test]
    async fn errors_reach_every_waiter() {
        let flights: Arc<SingleFlight<u32, u64>> = Arc::default();
        let Joined::Leader(leader) = flights.join(&7) else {
            panic!("leader")
        };
        let Joined::Follower(waiter) = flights.join(&7) else {
            panic!("follower")
        };
        leader.finish(Err(V2Error::new(
            super::super::error::ErrorCode::BlobUnknown,
            "gone",
        )));
        let err = waiter.wait().await.expect_err("error");
        assert_eq!(err.message(), "gone");
    }
}
