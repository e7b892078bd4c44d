//! Widgets shared by several pages.

pub mod copy;
pub mod error;
pub mod filter_bar;
pub mod image_actions;
pub mod image_buttons;
pub mod platform_picker;
pub mod pull_card;
pub mod raw_json;
pub mod shell;
pub mod verify_panel;
