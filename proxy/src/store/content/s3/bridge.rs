//! [`Bridge`]: the content traits are synchronous (callers run them on
//! blocking threads, as they do the local folder's file calls), the S3
//! client is async. Each [`S3Content`](super::S3Content) owns a small
//! private tokio runtime (two worker threads, so the client's connection
//! tasks make progress whoever waits) and blocks on it.
//!
//! Rules:
//! - [`Bridge::block_on`] must never run on an async task's thread: tokio
//!   panics there ("Cannot start a runtime from within a runtime"), and
//!   it would stall that worker anyway. From async code, call the store
//!   inside `tokio::task::spawn_blocking`, as for [`LocalContent`].
//!   Blocking threads of another runtime, plain threads and tests are
//!   fine.
//! - Dropping the last handle may happen anywhere (in an async task
//!   too): the runtime is shut down in the background, never waited for.
//! - Fire-and-forget clean-ups (aborting a dropped writer's upload) are
//!   [`Bridge::spawn`]ed, so `Drop` never blocks.
//!
//! [`LocalContent`]: super::super::LocalContent

use std::future::Future;
use std::sync::Arc;

use crate::store::StoreError;

/// A private runtime shared by the clones of one store.
#[derive(Clone, Debug)]
pub(crate) struct Bridge {
    runtime: Arc<Owned>,
}

#[derive(Debug)]
struct Owned(Option<tokio::runtime::Runtime>);

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl Bridge {
    pub(crate) fn new() -> Result<Bridge, StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("strata-s3")
            .enable_all()
            .build()
            .map_err(StoreError::io("starting the S3 client's runtime for", "s3"))?;
        Ok(Bridge {
            runtime: Arc::new(Owned(Some(runtime))),
        })
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        // `Some` from `new` until `Drop`.
        self.runtime
            .0
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as its handles"))
    }

    /// Runs `future` to completion on the private runtime, blocking this
    /// thread. See the module doc for where this may be called.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }

    /// Starts `future` in the background; its handle, to wait for it
    /// with [`Bridge::block_on`].
    pub(crate) fn start<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.runtime().spawn(future)
    }

    /// Runs `future` in the background; never blocks.
    pub(crate) fn spawn<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.runtime().spawn(future));
    }
}
