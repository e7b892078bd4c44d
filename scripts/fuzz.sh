#!/usr/bin/env bash
# Runs strata's cargo-fuzz targets (fuzz/fuzz_targets/) briefly, one after
# the other. Installs cargo-fuzz from crates.io first if it is missing.
#
#   scripts/fuzz.sh          # 15 seconds per target
#   scripts/fuzz.sh 600      # longer, by hand
#   FUZZ_TARGETS=manifest scripts/fuzz.sh 60
#
# cargo-fuzz passes nightly-only flags to rustc (-Zsanitizer=address and
# friends). Only a stable toolchain exists here, so RUSTC_BOOTSTRAP=1 lets
# stable rustc accept them; the AddressSanitizer runtime ships with stable's
# rust-std. Crashes land in fuzz/artifacts/<target>/ and fail the script.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-15}"
case "$seconds" in
  ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac
read -r -a targets <<< "${FUZZ_TARGETS:-reference manifest inflate signature}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
  # corpus/ (generated, git-ignored) comes first so libFuzzer writes new
  # inputs there; seeds/ (committed) is only read.
  mkdir -p "fuzz/corpus/$target"
  echo "fuzz: $target for ${seconds}s"
  cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1
done
