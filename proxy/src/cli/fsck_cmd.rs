//! `strata fsck`: re-hash every blob and check every reference; with
//! `--repair`, also read the layers whose unpacked size is not known yet
//! (images stored before strata kept them, or cached through `/v2`).

use std::process::ExitCode;

use clap::Args;

use crate::store::Store;

/// Options of `strata fsck`.
#[derive(Debug, Args)]
pub struct FsckArgs {
    /// Also read every stored layer whose unpacked size is unknown, check it against its image's diff_id, and note its size.
    #[arg(long)]
    pub repair: bool,
}

/// Runs `fsck`: prints each problem and a summary; non-zero exit on any problem.
pub fn run(store: &Store, args: &FsckArgs) -> Result<ExitCode, String> {
    let report = store.fsck().map_err(|e| e.to_string())?;
    print!("{report}");
    let mut clean = report.is_clean();
    if args.repair {
        let learned = store.learn_unpacked().map_err(|e| e.to_string())?;
        println!(
            "repair: learned the unpacked size of {} layer(s){}",
            learned.learned,
            if learned.missing > 0 {
                format!(
                    "; {} layer(s) are not in the store (pull the image again)",
                    learned.missing
                )
            } else {
                String::new()
            }
        );
        for problem in &learned.problems {
            println!("problem: {problem}");
        }
        clean &= learned.problems.is_empty();
    }
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
