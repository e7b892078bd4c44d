//! Widgets shared by several pages.

pub mod copy;
pub mod error;
pub mod filter_bar;
pub mod image_actions;
pub mod image_buttons;
pub mod platform_picker;
pub mod provenance;
pub mod prune_panel;
pub mod pull_card;
pub mod raw_json;
pub mod sbom_table;
pub mod session;
pub mod shell;
pub mod verify_panel;

/// A fresh `<div>` in the document's body for a component test to mount into.
#[cfg(test)]
pub(crate) fn test_host() -> web_sys::HtmlElement {
    use wasm_bindgen::JsCast;
    let document = leptos::prelude::document();
    let host: web_sys::HtmlElement = document
        .create_element("div")
        .expect("div")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&host)
        .expect("append");
    host
}
