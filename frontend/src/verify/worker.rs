//! The worker side of [`super::pool`]: the same wasm module, started in a
//! module worker, listening for one [`Job`] at a time.

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
                let reply = answer(&scope, &text).await;
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
