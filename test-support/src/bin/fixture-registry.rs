//! `fixture-registry [open|basic|token] [--large MIB] [--many-files] [--huge-layer MIB] [--diff-pair MIB] [--signed DIR]`:
//! starts a loopback distribution registry holding every fixture image
//! (and, with `--large`, the benchmark image `bench/large:latest` of about
//! MIB MiB; with `--many-files`, `bench/many-files:latest` of about 100,000
//! small files; with `--huge-layer`, `bench/huge-layer-MIBm:latest`, one
//! layer of MIB MiB of 128 KiB files; with `--diff-pair`,
//! `bench/diff-a-MIBm` and `bench/diff-b-MIBm`, sharing all but their top
//! layer; with `--signed DIR`, the signed fixtures of `test_support::signing`
//! in `bench/signed`, their trusted root and keys written into DIR), prints
//! its address and the pushed references, and runs
//! until stdin closes or it gets SIGTERM or SIGINT; either way the registry
//! process stops and its folder is removed.
//!
//! `scripts/demo.sh` uses it so the product can be tried with no internet.

use std::io::Read;
use std::sync::{Arc, Mutex};

use test_support::{Auth, Registry};

fn main() -> test_support::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mib_of = |flag: &str| -> test_support::Result<Option<usize>> {
        match args.iter().position(|a| a == flag) {
            Some(i) => Ok(Some(
                args.get(i + 1)
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or(format!("{flag} takes a size in MiB"))?,
            )),
            None => Ok(None),
        }
    };
    let large = mib_of("--large")?;
    let huge_layer = mib_of("--huge-layer")?;
    let diff_pair = mib_of("--diff-pair")?;
    let auth = match args
        .first()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
    {
        None | Some("open") => Auth::Open,
        Some("basic") => Auth::Basic,
        Some("token") => Auth::Token,
        Some(other) => {
            return Err(format!("unknown auth variant {other:?}: use open, basic or token").into());
        }
    };
    let registry = Registry::start(auth)?;
    let mut pushed = registry.push_all()?;
    if let Some(mib) = large {
        pushed.push(registry.push(&test_support::fixtures::large_image(mib)?)?);
    }
    if let Some(mib) = diff_pair {
        let (a, b) = test_support::fixtures::diff_pair_images(mib)?;
        pushed.push(registry.push(&a)?);
        pushed.push(registry.push(&b)?);
    }
    if let Some(mib) = huge_layer {
        pushed.push(registry.push(&test_support::fixtures::huge_layer_image(mib)?)?);
    }
    let signed_dir = args
        .iter()
        .position(|a| a == "--signed")
        .map(|i| args.get(i + 1).cloned().ok_or("--signed takes a folder"))
        .transpose()?;
    let signed = match &signed_dir {
        Some(dir) => {
            let runtime = tokio::runtime::Runtime::new()?;
            let signed = runtime.block_on(test_support::signing::push_signed(
                &registry,
                "bench/signed",
            ))?;
            let dir = std::path::Path::new(dir);
            std::fs::create_dir_all(dir)?;
            std::fs::write(dir.join("trusted_root.json"), &signed.trusted_root_json)?;
            std::fs::write(dir.join("signer.pub"), &signed.pems.signer)?;
            Some(signed)
        }
        None => None,
    };
    if args.iter().any(|a| a == "--many-files") {
        pushed.push(registry.push(&test_support::fixtures::explorer::many_files_image()?)?);
    }
    println!("registry {}", registry.host());
    if let Some(creds) = registry.creds() {
        println!("credentials {creds}");
    }
    for p in pushed {
        println!("image {} {}", p.reference, p.digest);
    }
    if let Some(signed) = &signed {
        println!("signed {} {}", signed.reference(), signed.digest);
        println!("identity {} {}", signed.identity, signed.issuer);
    }
    // SIGTERM (`kill`, a script's clean-up) and SIGINT (Ctrl-C) stop the
    // registry as closing stdin does, instead of leaving it running.
    let registry = Arc::new(Mutex::new(Some(registry)));
    stop_on_signal(registry.clone())?;
    println!("ready");
    // Keep serving until our parent closes stdin.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(registry.lock().map(|mut r| r.take()));
    Ok(())
}

/// On SIGTERM or SIGINT, drops the registry (stopping it and removing its
/// folder) and exits.
fn stop_on_signal(registry: Arc<Mutex<Option<Registry>>>) -> test_support::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Registered before "ready" is printed, so no signal falls in between.
    let (mut term, mut int) = runtime.block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        ))
    })?;
    std::thread::spawn(move || {
        runtime.block_on(async {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        });
        drop(registry.lock().map(|mut r| r.take()));
        std::process::exit(0);
    });
    Ok(())
}
