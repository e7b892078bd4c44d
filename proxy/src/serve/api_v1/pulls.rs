//! Pulls started from the dashboard: `POST /api/v1/pulls`, `GET /api/v1/pulls`,
//! and `GET /api/v1/pulls/{id}/events`, a Server-Sent Events stream of the
//! same [`PullEvent`]s the CLI prints.
//!
//! Every event is kept with the pull, numbered from 0 and sent with that
//! number as its SSE `id`, so any number of watchers can join late or
//! reconnect (`Last-Event-ID`) and see every event exactly once.
//!
//! With `--database postgres://…`, pulls are shared with the other
//! replicas on that database ([`crate::serve::pull_feed`]): ids come from
//! the database, and other replicas' pulls are listed and streamed here
//! under their own ids and event numbers.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use shared::api::{PullEvent, PullInfo, PullStart};
use shared::platform::Platform;
use shared::reference::Reference;
use tokio::sync::broadcast;

use crate::pull::PullRequest;
use crate::serve::AppState;
use crate::serve::error::ApiError;
use crate::serve::pull_feed::{FeedError, FeedMessage, PullFeed, Update, clock_ids_start};
use crate::store::metadata::DatabaseUrl;

/// Finished pulls kept for late watchers.
const KEEP_FINISHED: usize = 100;

/// The pulls this server runs and ran, and, with a [`PullFeed`], those
/// other replicas run (mirrored from the feed).
#[derive(Clone)]
pub struct Pulls {
    inner: Arc<Mutex<Inner>>,
    feed: Option<PullFeed>,
}

impl Default for Pulls {
    /// Pull IDs start at [`clock_ids_start`], the server's start time in
    /// milliseconds times 1,000: a page still watching pull 7 of a server
    /// that has since restarted gets "no pull 7", not the events of another
    /// pull.
    fn default() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                next: clock_ids_start(),
                jobs: BTreeMap::new(),
            })),
            feed: None,
        }
    }
}

struct Inner {
    next: u64,
    jobs: BTreeMap<u64, Job>,
}

struct Job {
    reference: String,
    /// Each event with its number (its SSE id), in increasing order; a
    /// mirrored pull may miss some numbers, never repeat one.
    events: Vec<(usize, PullEvent)>,
    done: bool,
    error: Option<String>,
    tx: broadcast::Sender<(usize, PullEvent)>,
}

impl Job {
    fn new(reference: &str) -> Job {
        let (tx, _) = broadcast::channel(1024);
        Job {
            reference: reference.to_owned(),
            events: Vec::new(),
            done: false,
            error: None,
            tx,
        }
    }

    fn info(&self, id: u64) -> PullInfo {
        PullInfo {
            id,
            reference: self.reference.clone(),
            done: self.done,
            error: self.error.clone(),
        }
    }

    /// The number the next event of this server's own pull gets.
    fn next_seq(&self) -> usize {
        self.events.last().map_or(0, |(n, _)| n + 1)
    }

    /// Keeps event `n` and tells the watchers; `false` (and nothing kept)
    /// if `n` is not past the last event kept, or the pull has ended.
    fn record(&mut self, n: usize, event: PullEvent) -> bool {
        if self.done || n < self.next_seq() {
            return false;
        }
        if let PullEvent::Failed { message } = &event {
            self.error = Some(message.clone());
        }
        if matches!(event, PullEvent::Done { .. } | PullEvent::Failed { .. }) {
            self.done = true;
        }
        self.events.push((n, event.clone()));
        // No receiver is fine: watchers replay from `events`.
        let _ = self.tx.send((n, event));
        true
    }
}

impl Inner {
    /// Pull `id`, added if new, and the oldest finished pulls past
    /// [`KEEP_FINISHED`] forgotten.
    fn job(&mut self, id: u64, reference: &str) -> &mut Job {
        if !self.jobs.contains_key(&id) {
            let finished: Vec<u64> = self
                .jobs
                .iter()
                .filter(|(_, j)| j.done)
                .map(|(id, _)| *id)
                .collect();
            for old in finished
                .iter()
                .take(finished.len().saturating_sub(KEEP_FINISHED))
            {
                self.jobs.remove(old);
            }
        }
        self.jobs.entry(id).or_insert_with(|| Job::new(reference))
    }
}

impl Pulls {
    /// Pulls shared with the other replicas on the database at `url`
    /// (see [`crate::serve::pull_feed`]). Blocks until the feed listens.
    pub fn shared(url: &DatabaseUrl) -> Result<Pulls, FeedError> {
        let pulls = Pulls::default();
        let mirror = pulls.clone();
        let feed = PullFeed::start(url, move |message| mirror.mirror(message))?;
        Ok(Pulls {
            feed: Some(feed),
            ..pulls
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data; keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new pull of this server's, numbered apart from every other
    /// replica's when shared.
    async fn create(&self, reference: &str) -> Result<u64, ApiError> {
        let id = match &self.feed {
            Some(feed) => feed
                .next_id()
                .await
                .map_err(|e| ApiError::internal("numbering the pull", e))?,
            None => {
                let mut inner = self.lock();
                let id = inner.next;
                inner.next += 1;
                id
            }
        };
        self.lock().job(id, reference);
        if let Some(feed) = &self.feed {
            feed.publish(id, reference, Update::Created);
        }
        Ok(id)
    }

    /// The next event of this server's pull `id`.
    fn push(&self, id: u64, event: PullEvent) {
        let mut inner = self.lock();
        let Some(job) = inner.jobs.get_mut(&id) else {
            return;
        };
        let n = job.next_seq();
        if job.record(n, event.clone())
            && let Some(feed) = &self.feed
        {
            feed.publish(id, &job.reference, Update::Event { seq: n, event });
        }
    }

    /// What another replica said of one of its pulls.
    fn mirror(&self, message: FeedMessage) {
        let mut inner = self.lock();
        let job = inner.job(message.pull, &message.reference);
        if let Update::Event { seq, event } = message.update {
            job.record(seq, event);
        }
    }
}

/// `POST /api/v1/pulls`: starts a pull in the background.
pub async fn start(
    State(state): State<AppState>,
    Json(body): Json<PullStart>,
) -> Result<Json<PullInfo>, ApiError> {
    let reference: Reference = body
        .reference
        .trim()
        .parse()
        .map_err(|e| ApiError::invalid(format!("{e}")))?;
    if body.all_tags && (reference.tag().is_some() || reference.digest().is_some()) {
        return Err(ApiError::invalid(
            "a tag or digest can't be used with all tags",
        ));
    }
    let platform = body
        .platform
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(str::parse::<Platform>)
        .transpose()
        .map_err(|e| ApiError::invalid(format!("invalid platform: {e}")))?;
    let pulls = state.pulls().clone();
    let id = pulls.create(&body.reference).await?;
    let request = PullRequest {
        reference,
        platform,
        all_tags: body.all_tags,
    };
    let puller = state.puller().clone();
    let emitter = pulls.clone();
    tokio::spawn(async move {
        let emit: crate::pull::Emit = Arc::new(move |event| emitter.push(id, event));
        if let Err(e) = puller.pull(&request, emit).await {
            pulls.push(
                id,
                PullEvent::Failed {
                    // Without the store's paths (logged instead).
                    message: ApiError::from(e).into_message(),
                },
            );
        }
    });
    let info = state.pulls().lock().jobs.get(&id).map(|j| j.info(id));
    info.map(Json)
        .ok_or_else(|| ApiError::internal("starting a pull", "the job vanished"))
}

/// `GET /api/v1/pulls`: every pull still remembered, newest first.
pub async fn list(State(state): State<AppState>) -> Json<Vec<PullInfo>> {
    let inner = state.pulls().lock();
    Json(
        inner
            .jobs
            .iter()
            .rev()
            .map(|(id, job)| job.info(*id))
            .collect(),
    )
}

/// `GET /api/v1/pulls/{id}/events`: the pull's events from the start (or
/// after `Last-Event-ID`), then live until it ends.
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let after: Option<usize> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let (backlog, done, rx) = {
        let inner = state.pulls().lock();
        let job = inner.jobs.get(&id).ok_or_else(|| {
            ApiError::not_found(format!("no pull {id}; it may have ended long ago"))
        })?;
        let start = after.map_or(0, |a| a.saturating_add(1));
        let backlog: Vec<(usize, PullEvent)> = job
            .events
            .iter()
            .filter(|(n, _)| *n >= start)
            .cloned()
            .collect();
        (backlog, job.done, job.tx.subscribe())
    };
    let next_expected = backlog
        .last()
        .map_or(after.map_or(0, |a| a.saturating_add(1)), |(n, _)| n + 1);
    let replay = futures_util::stream::iter(backlog);
    let live = futures_util::stream::unfold(
        (rx, next_expected, done),
        |(mut rx, next, done)| async move {
            if done {
                return None;
            }
            loop {
                match rx.recv().await {
                    Ok((n, _)) if n < next => continue,
                    Ok((n, event)) => {
                        let ended =
                            matches!(event, PullEvent::Done { .. } | PullEvent::Failed { .. });
                        return Some(((n, event), (rx, n + 1, ended)));
                    }
                    // Too slow a watcher: it reconnects with Last-Event-ID and replays.
                    Err(_) => return None,
                }
            }
        },
    );
    use futures_util::StreamExt;
    let stream = replay.chain(live).map(|(n, event)| {
        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".to_owned());
        Ok(Event::default().id(n.to_string()).data(data))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(n: usize) -> PullEvent {
        PullEvent::Warning {
            message: format!("event {n}"),
        }
    }

    /// An event number as received, and how to make its event.
    type Received = (usize, fn(usize) -> PullEvent);

    #[test]
    fn a_mirrored_pull_keeps_each_number_once_in_order() {
        let done = |_| PullEvent::Done {
            reference: "r".to_owned(),
        };
        #[rustfmt::skip]
        let cases: [(&[Received], &[usize]); 5] = [
            (&[(0, warning), (1, warning), (2, done)], &[0, 1, 2]),
            (&[(0, warning), (0, warning), (1, warning), (1, warning)], &[0, 1]),
            (&[(1, warning), (0, warning), (2, warning)], &[1, 2]),
            (&[(3, warning), (7, warning), (5, warning)], &[3, 7]),
            (&[(0, done), (1, warning)], &[0]),
        ];
        for (received, kept) in cases {
            let mut job = Job::new("r");
            for (n, event) in received {
                job.record(*n, event(*n));
            }
            let numbers: Vec<usize> = job.events.iter().map(|(n, _)| *n).collect();
            assert_eq!(numbers, kept, "{received:?}");
            for (n, event) in &job.events {
                let first = received.iter().find(|(m, _)| m == n).expect("received");
                assert_eq!(*event, (first.1)(*n), "{received:?}");
            }
        }
    }

    #[test]
    fn other_replicas_pulls_are_listed_and_their_end_kept() {
        let pulls = Pulls::default();
        let message = |pull, update| FeedMessage {
            origin: crate::serve::pull_feed::Origin::random(),
            pull,
            reference: "redis".to_owned(),
            update,
        };
        pulls.mirror(message(9, Update::Created));
        pulls.mirror(message(
            8,
            Update::Event {
                seq: 4,
                event: PullEvent::Failed {
                    message: "not found".to_owned(),
                },
            },
        ));
        let inner = pulls.lock();
        let infos: Vec<PullInfo> = inner.jobs.iter().map(|(id, j)| j.info(*id)).collect();
        assert_eq!(
            infos,
            [
                PullInfo {
                    id: 8,
                    reference: "redis".to_owned(),
                    done: true,
                    error: Some("not found".to_owned()),
                },
                PullInfo {
                    id: 9,
                    reference: "redis".to_owned(),
                    done: false,
                    error: None,
                },
            ]
        );
    }
}
