//! The worker side of [`super::pool`]: the same wasm module, started in a
//! module worker, listening for one [`Job`] at a time.
//!
//! Only the entry point is in the dashboard's first download. The code that
//! checks a layer (SHA-256, gzip and zstd decoders) is a split point of its
//! own, [`answer_job`]: a worker fetches it with its first job, the same
//! module the image page's own verification uses.

use std::future::Future;
use std::pin::Pin;

use shared::reference::Reference;
use shared::verify::NodeState;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::check_layer;
use super::pool::{Job, Reply};

/// Entry point of a verification worker (called by the pool's worker
/// script): answers each [`Job`] with progress and a [`Reply::Done`].
#[wasm_bindgen]
pub fn strata_verify_worker() {
    let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else {
        return;
    };
    let on_message = {
        let scope = scope.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let scope = scope.clone();
            let text = event.data().as_string().unwrap_or_default();
            wasm_bindgen_futures::spawn_local(async move {
                let reply = match answer_job(scope.clone(), text).await {
                    Ok(answer) => answer.await,
                    Err(_) => Reply::Done(
                        NodeState::Failed {
                            message: "the verification code could not be fetched from the strata server; reload the page".into(),
                        },
                        None,
                        0.0,
                    ),
                };
                post(&scope, &reply);
            });
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the pool keeps it; so does its handler.
    on_message.forget();
    post(&scope, &Reply::Ready);
}

fn post(scope: &web_sys::DedicatedWorkerGlobalScope, reply: &Reply) {
    if let Ok(text) = serde_json::to_string(reply) {
        scope.post_message(&JsValue::from_str(&text)).ok();
    }
}

/// A job's answer, still to be awaited.
type Answer = Pin<Box<dyn Future<Output = Reply>>>;

/// Starts answering the job `text`; the first call fetches the checking code.
#[cfg(not(test))]
#[wasm_split_helpers::wasm_split(verify_job, fallible)]
fn answer_job(
    scope: web_sys::DedicatedWorkerGlobalScope,
    text: String,
) -> Result<Answer, wasm_split_helpers::SplitLoaderError> {
    Ok(Box::pin(async move { answer(&scope, &text).await }))
}

/// Unit tests are not split.
#[cfg(test)]
async fn answer_job(
    scope: web_sys::DedicatedWorkerGlobalScope,
    text: String,
) -> Result<Answer, wasm_split_helpers::SplitLoaderError> {
    Ok(Box::pin(async move { answer(&scope, &text).await }))
}

async fn answer(scope: &web_sys::DedicatedWorkerGlobalScope, text: &str) -> Reply {
    let failed = |message: String| Reply::Done(NodeState::Failed { message }, None, 0.0);
    let job: Job = match serde_json::from_str(text) {
        Ok(job) => job,
        Err(e) => return failed(format!("the worker got a job it cannot read: {e}")),
    };
    crate::api::set_origin(&job.origin);
    let reference: Reference = match job.reference.parse() {
        Ok(r) => r,
        Err(e) => return failed(e.to_string()),
    };
    let (layer, diff) = check_layer(&reference, &job.descriptor, job.expected_diff, |done| {
        post(scope, &Reply::Progress(done))
    })
    .await;
    Reply::Done(layer, diff, super::wasm_memory_bytes())
}
