//! Pulls started from the dashboard: `POST /api/v1/pulls`, `GET /api/v1/pulls`,
//! and `GET /api/v1/pulls/{id}/events`, a Server-Sent Events stream of the
//! same [`PullEvent`]s the CLI prints.
//!
//! Every event is kept with the pull, numbered from 0 and sent with that
//! number as its SSE `id`, so any number of watchers can join late or
//! reconnect (`Last-Event-ID`) and see every event exactly once.

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

/// Finished pulls kept for late watchers.
const KEEP_FINISHED: usize = 100;

/// The pulls this server runs and ran.
#[derive(Clone)]
pub struct Pulls {
    inner: Arc<Mutex<Inner>>,
}

impl Default for Pulls {
    /// Pull IDs start at the server's start time in milliseconds, times
    /// 1,000: a page still watching pull 7 of a server that has since
    /// restarted gets "no pull 7", not the events of another pull.
    fn default() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
        Self {
            inner: Arc::new(Mutex::new(Inner {
                next: millis.saturating_mul(1000),
                jobs: BTreeMap::new(),
            })),
        }
    }
}

struct Inner {
    next: u64,
    jobs: BTreeMap<u64, Job>,
}

struct Job {
    reference: String,
    events: Vec<PullEvent>,
    done: bool,
    error: Option<String>,
    tx: broadcast::Sender<(usize, PullEvent)>,
}

impl Job {
    fn info(&self, id: u64) -> PullInfo {
        PullInfo {
            id,
            reference: self.reference.clone(),
            done: self.done,
            error: self.error.clone(),
        }
    }
}

impl Pulls {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data; keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn create(&self, reference: &str) -> u64 {
        let mut inner = self.lock();
        let id = inner.next;
        inner.next += 1;
        let (tx, _) = broadcast::channel(1024);
        inner.jobs.insert(
            id,
            Job {
                reference: reference.to_owned(),
                events: Vec::new(),
                done: false,
                error: None,
                tx,
            },
        );
        let finished: Vec<u64> = inner
            .jobs
            .iter()
            .filter(|(_, j)| j.done)
            .map(|(id, _)| *id)
            .collect();
        for old in finished
            .iter()
            .take(finished.len().saturating_sub(KEEP_FINISHED))
        {
            inner.jobs.remove(old);
        }
        id
    }

    fn push(&self, id: u64, event: PullEvent) {
        let mut inner = self.lock();
        if let Some(job) = inner.jobs.get_mut(&id) {
            if let PullEvent::Failed { message } = &event {
                job.error = Some(message.clone());
            }
            if matches!(event, PullEvent::Done { .. } | PullEvent::Failed { .. }) {
                job.done = true;
            }
            let n = job.events.len();
            job.events.push(event.clone());
            // No receiver is fine: watchers replay from `events`.
            let _ = job.tx.send((n, event));
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
    let id = pulls.create(&body.reference);
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
        let backlog: Vec<(usize, PullEvent)> =
            job.events.iter().cloned().enumerate().skip(start).collect();
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
