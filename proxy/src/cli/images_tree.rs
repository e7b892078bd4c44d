//! `strata images --tree`: each image with its index's platforms, in
//! Docker 27's shape (see `shared::image_tree`). Sizes are bytes in the
//! store.

use std::process::ExitCode;

use shared::image_tree::render_tree;

use crate::store::Store;

/// Prints the tree.
pub fn run(store: &Store, no_trunc: bool) -> Result<ExitCode, String> {
    let tree = store.image_tree().map_err(|e| e.to_string())?;
    print!("{}", render_tree(&tree, no_trunc));
    Ok(ExitCode::SUCCESS)
}
