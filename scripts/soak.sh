#!/usr/bin/env bash
# make soak: the soak test of issue #15 (proxy/tests/soak.rs) for about ten
# minutes: strata serve under skopeo, podman, curl, HTTP bursts, API polling
# and the dashboard's Verify in Chromium, while the upstream misbehaves, the
# registry restarts, strata gc runs alongside and strata serve is killed
# with kill -9 twice. Prints the table and, when the run passes, writes it
# into bench/results.md under "## Soak".
#
#   STRATA_SOAK_SECONDS  length (default 600)
#   STRATA_SOAK_SEED     the seed of every random choice (printed; default: the clock)
#   STRATA_SOAK_BIN      the strata binary to serve with (default: the release
#                        build, which make soak builds; the test itself is a debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${STRATA_SOAK_SECONDS:-600}"
bin="${STRATA_SOAK_BIN:-$(realpath -m "${CARGO_TARGET_DIR:-target}")/release/strata}"
[ -x "$bin" ] || { echo "no $bin: run cargo build --release -p strata (make soak does)" >&2; exit 1; }
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
STRATA_SOAK_SECONDS="$seconds" STRATA_SOAK_REPORT="$report" STRATA_SOAK_BIN="$bin" \
  STRATA_SOAK_BROWSER="${STRATA_SOAK_BROWSER:-1}" \
  cargo test -p strata --test soak -- --nocapture
python3 - "$report" "$seconds" <<'PY'
import os, sys, time
report, seconds = open(sys.argv[1]).read(), sys.argv[2]
path = "bench/results.md"
text = open(path).read() if os.path.exists(path) else "# strata benchmark results\n"
text = text.split("\n## Soak\n")[0].rstrip("\n")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
section = (
    "\n\n## Soak\n\nReproduce with `make soak` (`scripts/soak.sh`; `STRATA_SOAK_SECONDS` sets the length).\n\n"
    f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores ({cpu}); {seconds} s.\n\n"
    + report
)
open(path, "w").write(text + section)
print(f"wrote the soak table into {path}")
PY
