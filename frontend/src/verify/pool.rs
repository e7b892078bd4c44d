//! Layers verified in parallel, by Web Workers running this same wasm module.
//!
//! Decompressing and hashing a layer is CPU work; on the page's thread it
//! runs one layer at a time and competes with rendering. The pool starts one
//! module worker per core (at most [`MAX_WORKERS`]), each loading the
//! dashboard's own JS and wasm (the URLs Trunk put in `index.html`) and
//! calling [`super::worker::strata_verify_worker`]. Each worker takes the next
//! layer, streams it from `/v2` itself, and answers with progress and the
//! final states ([`Reply`]). Where workers cannot start (no Trunk links, as
//! in unit tests, or a worker error), layers are verified on this thread.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::digest::Digest;
use shared::manifest::Descriptor;
use shared::verify::{Chain, NodeState};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{Plan, finish_layer, layer_progress, start_layer, verify_layer};

/// The most workers one verification starts.
pub const MAX_WORKERS: usize = 4;

/// What a worker is asked to check: one layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// The reference whose repository serves the blob.
    pub reference: String,
    /// The layer's descriptor.
    pub descriptor: Descriptor,
    /// The diff ID its uncompressed tar must hash to, when known.
    pub expected_diff: Option<Digest>,
    /// The page's origin, which `/v2` paths are relative to.
    pub origin: String,
}

/// What a worker says back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The worker's wasm is loaded and it listens.
    Ready,
    /// Compressed bytes hashed so far.
    Progress(u64),
    /// The layer's state, its diff node's state, and the worker's wasm
    /// memory in bytes after the job.
    Done(NodeState, Option<NodeState>, f64),
}

thread_local! {
    /// The largest wasm memory any verification worker reported.
    static PEAK_WORKER_MEMORY: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
    /// How many workers the last verification started.
    static WORKERS_USED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many workers the last verification of this page used (0: it ran on
/// the page's thread).
pub fn workers_used() -> usize {
    WORKERS_USED.get()
}

/// The largest wasm memory (bytes) a verification worker of this page used.
pub fn peak_worker_memory() -> f64 {
    PEAK_WORKER_MEMORY.get()
}

/// Verifies layers `todo` of `plan`, in workers when they start, else here.
pub async fn verify_layers(plan: &Plan, todo: Vec<usize>, chain: RwSignal<Chain>) {
    let lanes = todo.len().min(cores()).min(MAX_WORKERS);
    let workers = match (lanes > 1).then(start_workers).flatten() {
        Some(urls) => {
            let mut started = Vec::new();
            for _ in 0..lanes {
                match spawn(&urls).await {
                    Ok(w) => started.push(w),
                    Err(e) => {
                        leptos::logging::warn!("verification worker did not start: {e:?}");
                        break;
                    }
                }
            }
            started
        }
        None => Vec::new(),
    };
    WORKERS_USED.set(workers.len());
    if workers.is_empty() {
        for i in todo {
            verify_layer(plan, i, chain).await;
        }
        return;
    }
    let queue = Rc::new(RefCell::new(VecDeque::from(todo)));
    let lanes = workers.into_iter().map(|worker| {
        let queue = queue.clone();
        async move {
            loop {
                let next = queue.borrow_mut().pop_front();
                let Some(i) = next else { break };
                if let Err(e) = run_on(&worker, plan, i, chain).await {
                    leptos::logging::warn!("verification worker failed on layer {i}: {e:?}");
                    verify_layer(plan, i, chain).await;
                }
            }
            worker.terminate();
        }
    });
    futures::future::join_all(lanes).await;
}

/// How many cores the browser reports (at least 1).
fn cores() -> usize {
    web_sys::window()
        .map(|w| w.navigator().hardware_concurrency() as usize)
        .unwrap_or(1)
        .max(1)
}

/// The dashboard's JS and wasm URLs, as Trunk linked them in `index.html`.
struct ModuleUrls {
    js: String,
    wasm: String,
}

fn start_workers() -> Option<ModuleUrls> {
    let document = web_sys::window()?.document()?;
    let href = |selector: &str| {
        document
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.get_attribute("href"))
            .filter(|h| !h.is_empty())
    };
    Some(ModuleUrls {
        js: href("link[rel=modulepreload][href$='.js']")?,
        wasm: href("link[rel=preload][href$='.wasm']")?,
    })
}

/// Starts one module worker and waits until its wasm says it is ready.
async fn spawn(urls: &ModuleUrls) -> Result<web_sys::Worker, JsValue> {
    let origin = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .location()
        .origin()?;
    let absolute = |u: &str| {
        if u.starts_with('/') {
            format!("{origin}{u}")
        } else {
            u.to_owned()
        }
    };
    // JSON-encoded, so the URLs are string literals whatever they hold.
    let script = format!(
        "import init, * as strata from {js};\nawait init({{ module_or_path: {wasm} }});\nstrata.strata_verify_worker();\n",
        js = serde_json::to_string(&absolute(&urls.js)).unwrap_or_default(),
        wasm = serde_json::to_string(&absolute(&urls.wasm)).unwrap_or_default(),
    );
    let parts = js_sys::Array::of1(&JsValue::from_str(&script));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let worker_options = web_sys::WorkerOptions::new();
    worker_options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options(&url, &worker_options);
    web_sys::Url::revoke_object_url(&url).ok();
    let worker = worker?;
    match exchange(&worker, None, |_| {}).await {
        Ok(Reply::Ready) => Ok(worker),
        Ok(other) => {
            worker.terminate();
            Err(JsValue::from_str(&format!(
                "unexpected first message {other:?}"
            )))
        }
        Err(e) => {
            worker.terminate();
            Err(e)
        }
    }
}

/// Verifies layer `i` of `plan` on `worker`.
async fn run_on(
    worker: &web_sys::Worker,
    plan: &Plan,
    i: usize,
    chain: RwSignal<Chain>,
) -> Result<(), JsValue> {
    let Some(descriptor) = plan.layers.get(i) else {
        return Ok(());
    };
    let job = Job {
        reference: plan.reference.to_string(),
        descriptor: descriptor.clone(),
        expected_diff: start_layer(i, chain),
        origin: web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default(),
    };
    let size = descriptor.size;
    let message = serde_json::to_string(&job).map_err(|e| JsValue::from_str(&e.to_string()))?;
    match exchange(worker, Some(message), move |done| {
        layer_progress(chain, i, done, size)
    })
    .await?
    {
        Reply::Done(layer, diff, memory) => {
            PEAK_WORKER_MEMORY.set(PEAK_WORKER_MEMORY.get().max(memory));
            finish_layer(chain, i, layer, diff);
            Ok(())
        }
        other => Err(JsValue::from_str(&format!("unexpected reply {other:?}"))),
    }
}

/// Posts `message` (if any) and resolves with the worker's first reply that
/// is not progress; progress goes to `progress` meanwhile.
async fn exchange(
    worker: &web_sys::Worker,
    message: Option<String>,
    progress: impl Fn(u64) + 'static,
) -> Result<Reply, JsValue> {
    let settled: Rc<RefCell<Option<(js_sys::Function, js_sys::Function)>>> =
        Rc::new(RefCell::new(None));
    let promise = {
        let settled = settled.clone();
        js_sys::Promise::new(&mut move |resolve, reject| {
            *settled.borrow_mut() = Some((resolve, reject));
        })
    };
    let on_message = {
        let settled = settled.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            match serde_json::from_str::<Reply>(&text) {
                Ok(Reply::Progress(done)) => progress(done),
                Ok(_) => {
                    if let Some((resolve, _)) = settled.borrow_mut().take() {
                        resolve
                            .call1(&JsValue::NULL, &JsValue::from_str(&text))
                            .ok();
                    }
                }
                Err(e) => {
                    if let Some((_, reject)) = settled.borrow_mut().take() {
                        reject
                            .call1(&JsValue::NULL, &JsValue::from_str(&e.to_string()))
                            .ok();
                    }
                }
            }
        })
    };
    let on_error = {
        let settled = settled.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            if let Some((_, reject)) = settled.borrow_mut().take() {
                reject.call1(&JsValue::NULL, &event).ok();
            }
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if let Some(message) = message {
        worker.post_message(&JsValue::from_str(&message))?;
    }
    let result = JsFuture::from(promise).await;
    worker.set_onmessage(None);
    worker.set_onerror(None);
    drop((on_message, on_error));
    let text = result?.as_string().unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| JsValue::from_str(&e.to_string()))
}
