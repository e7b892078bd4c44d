#!/usr/bin/env bash
# make bench: measures strata against its peers on this machine and writes
# bench/results.md. Needs the release builds (make bench builds them).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p test-support --bin fixture-registry
exec python3 scripts/bench.py "$@"
