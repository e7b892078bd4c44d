#!/usr/bin/env bash
# Try strata with no internet: a loopback registry with the fixture images,
# and `strata serve` on http://127.0.0.1:8080 configured to reach it.
set -euo pipefail
cd "$(dirname "$0")/.."
LISTEN=${LISTEN:-127.0.0.1:8080}

cargo build -q --release -p test-support --bin fixture-registry
[ -x target/release/strata ] || cargo build -q --release -p strata
[ -f dist/index.html ] || trunk build --release --offline

work=$(mktemp -d)
trap 'exec 3>&-; kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
mkfifo "$work/stdin"
target/release/fixture-registry open < "$work/stdin" > "$work/registry.out" &
exec 3> "$work/stdin"   # holds the registry open until this script exits
until grep -q '^ready$' "$work/registry.out" 2>/dev/null; do
  kill -0 $! 2>/dev/null || { echo "demo: the fixture registry failed to start" >&2; exit 1; }
  sleep 0.2
done
registry=$(awk '/^registry /{print $2}' "$work/registry.out")
echo "demo: fixture registry on $registry with:"
awk '/^image /{print "  " $2}' "$work/registry.out"
echo "demo: try  target/release/strata --store $work/store pull --insecure-registry $registry $registry/lovelearnlinux/webserver:v1"
echo "demo: dashboard on http://$LISTEN (Ctrl-C stops both)"
STRATA_INSECURE_REGISTRIES=$registry target/release/strata serve --listen "$LISTEN" --dist dist --store "$work/store"
