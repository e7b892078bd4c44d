#!/usr/bin/env bash
# make bench: measures strata against its peers on this machine and writes
# bench/results.md. Needs the release builds (make bench builds them).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p test-support --bin fixture-registry
# playwright-core drives Debian's Chromium for the browser rows; it never
# downloads a browser. Installed from the lockfile once.
if [ ! -d bench/browser/node_modules/playwright-core ]; then
  npm ci --prefix bench/browser --no-audit --no-fund --loglevel=error
fi
exec python3 scripts/bench.py "$@"
