//! `fixture-registry [open|basic|token]`: starts a loopback distribution
//! registry holding every fixture image, prints its address and the pushed
//! references, and runs until stdin closes or it is killed.
//!
//! `scripts/demo.sh` uses it so the product can be tried with no internet.

use std::io::Read;

use test_support::{Auth, Registry};

fn main() -> test_support::Result<()> {
    let auth = match std::env::args().nth(1).as_deref() {
        None | Some("open") => Auth::Open,
        Some("basic") => Auth::Basic,
        Some("token") => Auth::Token,
        Some(other) => return Err(format!("unknown auth variant {other:?}: use open, basic or token").into()),
    };
    let registry = Registry::start(auth)?;
    let pushed = registry.push_all()?;
    println!("registry {}", registry.host());
    if let Some(creds) = registry.creds() {
        println!("credentials {creds}");
    }
    for p in pushed {
        println!("image {} {}", p.reference, p.digest);
    }
    println!("ready");
    // Keep serving until our parent closes stdin (or kills us).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(registry);
    Ok(())
}
