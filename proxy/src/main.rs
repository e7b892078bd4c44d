//! `strata`: see the crate docs of the `strata` library and `strata --help`.

use std::process::ExitCode;

/// jemalloc rather than the system allocator: it reuses the pages of freed
/// network buffers instead of returning them and faulting them in again
/// (cold `/v2` blobs: 0.45 → 0.50 × direct in `make bench`).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    strata::cli::main()
}
