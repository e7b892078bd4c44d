//! One file per page.

pub mod cache;
pub mod diff;
pub mod explorer;
pub mod image;
pub mod local_images;
pub mod not_found;
pub mod pull;
pub mod search;
pub mod sign_in;
