//! The listening side: one thread with its own connection that LISTENs on
//! [`CHANNEL`](super::CHANNEL) and hands every [`FeedMessage`] another
//! replica sent to a sink.
//!
//! It waits for notifications [`POLL`] at a time; after [`CHECK_EVERY`]
//! without any it checks that the connection still answers. A connection
//! that fails or closes is logged and opened again after [`Backoff`]
//! waits; what was sent meanwhile is missed (a replica then shows a pull
//! with a gap, never with a wrong event). It never runs on the async
//! runtime: the blocking client has a runtime of its own.
//!
//! The first LISTEN happens before [`spawn`] returns, and its failure is
//! an error: a replica that starts is sure to hear what comes next.

use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls};

use super::FeedError;
use super::backoff::Backoff;
use super::message::{FeedMessage, Origin};

/// How long one wait for a notification lasts.
const POLL: Duration = Duration::from_secs(1);

/// How long without a notification before the connection is checked.
const CHECK_EVERY: Duration = Duration::from_secs(15);

/// How long that check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts the thread and waits for its first LISTEN, so a replica that
/// says it serves hears every pull started afterwards; `sink` receives what
/// replicas other than `origin` send, in the order PostgreSQL delivers it.
pub fn spawn(
    config: Config,
    name: String,
    origin: Origin,
    sink: impl Fn(FeedMessage) + Send + 'static,
) -> Result<(), FeedError> {
    let (ready, first) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pull-feed-listen".to_owned())
        .spawn(move || {
            let mut ready = Some(ready);
            let mut backoff = Backoff::default();
            loop {
                match listen(&config) {
                    Ok(mut client) => {
                        if let Some(ready) = ready.take() {
                            let _ = ready.send(Ok(()));
                        } else {
                            tracing::info!("hearing of other replicas' pulls again ({name})");
                        }
                        backoff.reset();
                        let e = receive(&mut client, origin, &sink);
                        tracing::warn!(
                            "stopped hearing of other replicas' pulls ({name}: {e}); reconnecting"
                        );
                    }
                    Err(e) => match ready.take() {
                        Some(ready) => {
                            let _ = ready.send(Err(format!("{name}: {e}")));
                            return;
                        }
                        None => tracing::warn!(
                            "cannot listen for other replicas' pulls on {name}: {e}; trying again"
                        ),
                    },
                }
                std::thread::sleep(backoff.next_wait());
            }
        })?;
    match first.recv() {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(FeedError::Listen(e)),
        Err(_) => Err(FeedError::Listen(
            "the listening thread ended before it listened".to_owned(),
        )),
    }
}

fn listen(config: &Config) -> Result<Client, postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(&format!("LISTEN {}", super::CHANNEL))?;
    Ok(client)
}

/// Hands notifications to `sink` until the connection fails; why it did.
fn receive(client: &mut Client, origin: Origin, sink: &impl Fn(FeedMessage)) -> String {
    let mut heard = Instant::now();
    loop {
        {
            let mut notifications = client.notifications();
            let mut waiting = notifications.timeout_iter(POLL);
            loop {
                match waiting.next() {
                    Ok(Some(notification)) => {
                        heard = Instant::now();
                        match FeedMessage::decode(notification.payload()) {
                            Ok(message) if message.origin == origin => {}
                            Ok(message) => sink(message),
                            Err(e) => tracing::debug!("skipped a notification: {e}"),
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return e.to_string(),
                }
            }
        }
        if client.is_closed() {
            return "the connection closed".to_owned();
        }
        if heard.elapsed() >= CHECK_EVERY {
            if let Err(e) = client.is_valid(CHECK_TIMEOUT) {
                return e.to_string();
            }
            heard = Instant::now();
        }
    }
}
