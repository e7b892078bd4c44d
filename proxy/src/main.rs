//! `strata`: see the crate docs of the `strata` library and `strata --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    strata::cli::main()
}
