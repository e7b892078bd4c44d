//! The "Verify" panel: the trust chain of any reference, checked in the
//! browser through `/v2`, one row per node with its state.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::display::human_size;
use shared::reference::{Reference, TagOrDigest};
use shared::verify::{Chain, DEFAULT_SKIP_THRESHOLD, Node, NodeKey, NodeState, Origin};
use shared::walk::PlatformChoice;

use crate::verify::{self, Plan};

/// Verifies `reference` as soon as it mounts, taking the index entry the
/// page took (`choice`: the same rule, so the same entry; by default the
/// index's first runnable entry).
#[component]
pub fn VerifyPanel(
    reference: String,
    #[prop(optional)] choice: Option<PlatformChoice>,
) -> impl IntoView {
    let parsed = match reference.parse::<Reference>() {
        Ok(r) => r,
        Err(e) => {
            return view! {
                <section class="card" data-test="verify">
                    <h2>"Verify"</h2>
                    <p class="error">"Cannot verify: " {e.to_string()}</p>
                </section>
            }
            .into_any();
        }
    };
    let origin = match parsed.manifest_reference() {
        TagOrDigest::Digest(d) => Origin::Digest(d),
        TagOrDigest::Tag(t) => Origin::Tag(t),
    };
    let chain = RwSignal::new(Chain::new(origin));
    let plan: StoredValue<Option<Plan>> = StoredValue::new(None);
    let choice = choice.unwrap_or_else(|| PlatformChoice::page(None));
    // How long the whole chain took and how large wasm memory grew, for the
    // benchmark (read from the verdict's data attributes).
    let took = RwSignal::new(None::<(f64, f64, usize)>);
    spawn_local(async move {
        let started = js_sys::Date::now();
        let done = verify::run(parsed, choice, DEFAULT_SKIP_THRESHOLD, chain).await;
        took.try_set(Some((
            js_sys::Date::now() - started,
            verify::wasm_memory_bytes().max(verify::pool::peak_worker_memory()),
            verify::pool::workers_used(),
        )));
        plan.try_set_value(done);
    });
    let verify_anyway = move |i: usize| {
        if let Some(plan) = plan.try_get_value().flatten() {
            spawn_local(async move { verify::verify_layer(&plan, i, chain).await });
        }
    };
    view! {
        <section class="card" data-test="verify">
            <h2>"Verify"</h2>
            <p class="muted">"Every byte below is fetched through this server's /v2 and hashed in your browser"
                {hashing_note()} "."</p>
            {move || chain.with(Chain::trust_note).map(|note| view! { <p data-test="verify-trust-note">{note}</p> })}
            <p class="verdict" data-test="verify-verdict" data-state=move || chain.with(|c| c.verdict().name())
                data-done=move || chain.with(|c| c.nodes().iter().all(|n| n.state.is_settled()).to_string())
                data-elapsed-ms=move || took.get().map(|(ms, _, _)| ms.to_string())
                data-wasm-memory=move || took.get().map(|(_, bytes, _)| bytes.to_string())
                data-workers=move || took.get().map(|(_, _, n)| n.to_string())>
                {move || chain.with(|c| c.verdict().message())}
            </p>
            <ul class="verify-tree" data-test="verify-tree">
                {move || chain.with(|c| {
                    let has_index = c.has_index();
                    c.nodes().iter().map(|n| node_row(n, has_index, verify_anyway)).collect_view()
                })}
            </ul>
        </section>
    }
    .into_any()
}

/// Which hashers the browser uses, so the page says how it checks.
fn hashing_note() -> &'static str {
    if verify::webcrypto::available() {
        ": blobs up to 64 MiB by WebCrypto, larger ones streamed through SHA-256 in wasm"
    } else {
        " (SHA-256 in wasm; this page has no WebCrypto, which needs https or localhost)"
    }
}

fn node_row(
    node: &Node,
    has_index: bool,
    verify_anyway: impl Fn(usize) + Copy + 'static,
) -> AnyView {
    let depth = node.key.depth(has_index);
    let expected = node
        .expected
        .as_ref()
        .map_or_else(|| "not known yet".to_owned(), ToString::to_string);
    let size = node.size.map(|s| format!(" · {}", human_size(s)));
    let detail = match &node.state {
        NodeState::Pending => view! { <span class="muted">"pending"</span> }.into_any(),
        NodeState::Verifying { bytes_done, total } => {
            let (value, max) = (bytes_done.to_string(), total.unwrap_or(0).to_string());
            let text = match total {
                Some(t) => format!("verifying {} of {}", human_size(*bytes_done), human_size(*t)),
                None => "verifying…".to_owned(),
            };
            view! { <span>{text} " " {total.map(|_| view! { <progress value=value max=max></progress> })}</span> }.into_any()
        }
        NodeState::Verified { .. } => view! { <span>"✓ verified"</span> }.into_any(),
        NodeState::Mismatch { expected, actual } => view! {
            <span>"✗ digest mismatch"</span>
            <div class="mono wrap small-text" data-test="verify-expected">"expected " {expected.to_string()}</div>
            <div class="mono wrap small-text" data-test="verify-actual">"actual   " {actual.to_string()}</div>
        }.into_any(),
        NodeState::SizeMismatch { expected, actual } => view! {
            <span>{format!("✗ size mismatch: expected {expected} bytes, got {actual}")}</span>
        }.into_any(),
        NodeState::SkippedTooLarge { size } => {
            let button = match node.key {
                NodeKey::Layer(i) => Some(view! {
                    <button type="button" data-test="verify-anyway" on:click=move |_| verify_anyway(i)>"Verify anyway"</button>
                }),
                _ => None,
            };
            view! { <span>{format!("skipped: too large ({}) ", human_size(*size))}</span> {button} }.into_any()
        }
        NodeState::NotChecked { reason } => view! { <span class="muted">{format!("not checked: {reason}")}</span> }.into_any(),
        NodeState::Failed { message } => view! { <span>{format!("✗ failed: {message}")}</span> }.into_any(),
    };
    view! {
        <li data-test=format!("verify-{}", node.key.id()) data-state=node.state.name()
            style=format!("margin-left: {}rem", depth as f32 * 1.5)>
            <strong>{node.label.clone()}</strong>{size}
            <div class="mono wrap small-text">{expected}</div>
            <div>{detail}</div>
        </li>
    }
    .into_any()
}
