#!/usr/bin/env bash
# Try several strata replicas with no internet (issue #17): a PostgreSQL of
# its own for the metadata, SeaweedFS's S3 gateway for the blobs, the
# loopback registry with the fixture images, and two `strata serve`
# replicas, each with a store folder of its own, sharing the database and
# the bucket. Everything listens on 127.0.0.1; Ctrl-C stops it all.
#
#   LISTEN_A, LISTEN_B  the replicas' addresses (127.0.0.1:8080, :8081)
#   PROFILE             the cargo profile of the binaries (release; dev for debug builds)
#   CARGO_TARGET_DIR    where cargo builds (target)
#   STRATA_DIST         the built dashboard (dist, built with trunk when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
LISTEN_A=${LISTEN_A:-127.0.0.1:8080}
LISTEN_B=${LISTEN_B:-127.0.0.1:8081}
PROFILE=${PROFILE:-release}
target=${CARGO_TARGET_DIR:-target}
dist=${STRATA_DIST:-dist}
bin="$target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")"

say() { echo "demo-cluster: $*"; }
die() { echo "demo-cluster: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# `wait_for WHAT LOG COMMAND…`: waits up to 60 s until the (quiet) command
# succeeds; else shows the end of LOG and gives up.
wait_for() {
  local what=$1 log=$2; shift 2
  for _ in $(seq 300); do
    "$@" && return 0
    sleep 0.2
  done
  tail -n 20 "$log" >&2 || true
  die "$what did not come up"
}

cargo build -q --profile "$PROFILE" -p test-support --bin fixture-registry
[ -x "$bin/strata" ] || cargo build -q --profile "$PROFILE" -p strata
[ -f "$dist/index.html" ] || [ -n "${STRATA_DIST:-}" ] || trunk build --release --offline
[ -f "$dist/index.html" ] || die "no built dashboard in $dist"

pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/initdb" ] || die "PostgreSQL 15 is missing: run scripts/setup.sh"
weed=${STRATA_WEED:-$(command -v weed || echo "$HOME/.local/bin/weed")}
[ -x "$weed" ] || die "SeaweedFS's weed is missing: run scripts/setup.sh"

work=$(mktemp -d -t strata-demo-cluster-XXXXXX)
chmod 755 "$work"
# As root, PostgreSQL runs as nobody (initdb refuses root).
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u nobody --); fi

cleanup() {
  trap - EXIT INT TERM
  say "stopping"
  exec 3>&- || true
  kill $(jobs -p) 2>/dev/null || true
  [ -d "$work/pg/data" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL: initdb in the work folder, pg_ctl on a free loopback port.
mkdir -p "$work/pg"
[ ${#as_pg[@]} -eq 0 ] || chown nobody: "$work/pg"
pg_port=$(free_port)
"${as_pg[@]}" "$pgbin/initdb" -D "$work/pg/data" -U strata --auth=trust -E UTF8 \
  --no-instructions >"$work/initdb.log" 2>&1 || die "initdb failed: $(cat "$work/initdb.log")"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 60 \
  -o "-c port=$pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work/pg" \
  start >/dev/null || die "PostgreSQL did not start: $(cat "$work/pg/server.log")"
database="postgres://strata@127.0.0.1:$pg_port/postgres"
say "PostgreSQL on 127.0.0.1:$pg_port"

# SeaweedFS: one server with the S3 gateway, one signing identity.
export AWS_ACCESS_KEY_ID=strata-demo AWS_SECRET_ACCESS_KEY=strata-demo-secret AWS_REGION=us-east-1
mkdir -p "$work/s3/data"
cat >"$work/s3/identities.json" <<EOF
{"identities": [{"name": "strata",
  "credentials": [{"accessKey": "$AWS_ACCESS_KEY_ID", "secretKey": "$AWS_SECRET_ACCESS_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
EOF
s3_port=$(free_port)
"$weed" server -dir="$work/s3/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -master.port="$(free_port)" -master.port.grpc="$(free_port)" -master.volumeSizeLimitMB=64 \
  -volume.port="$(free_port)" -volume.port.grpc="$(free_port)" -volume.max=0 -volume.preStopSeconds=0 \
  -filer -filer.port="$(free_port)" -filer.port.grpc="$(free_port)" \
  -s3 -s3.port="$s3_port" -s3.port.grpc="$(free_port)" -s3.port.iceberg=0 -s3.port.lance=0 \
  -metricsPort=0 -s3.config="$work/s3/identities.json" >"$work/s3/weed.log" 2>&1 &
endpoint="http://127.0.0.1:$s3_port"
# The bucket, with a signed PUT, once the filer and a volume are up.
make_bucket() {
  curl -sf -X PUT --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" "$endpoint/strata" -o /dev/null
}
wait_for "SeaweedFS" "$work/s3/weed.log" make_bucket
blob_store=s3://strata/cache
say "SeaweedFS S3 on $endpoint, bucket strata"

# The fixture registry, held open through a fifo until this script exits.
mkfifo "$work/stdin"
"$bin/fixture-registry" open <"$work/stdin" >"$work/registry.out" &
exec 3>"$work/stdin"
registry_ready() {
  kill -0 "$1" 2>/dev/null || die "the fixture registry failed to start"
  grep -q '^ready$' "$work/registry.out"
}
wait_for "the fixture registry" "$work/registry.out" registry_ready $!
registry=$(awk '/^registry /{print $2}' "$work/registry.out")
say "fixture registry on $registry with:"
awk '/^image /{print "  " $2}' "$work/registry.out"

# Two replicas: a store folder each, the same database and bucket.
export STRATA_INSECURE_REGISTRIES=$registry
for replica in a b; do
  listen=$([ $replica = a ] && echo "$LISTEN_A" || echo "$LISTEN_B")
  "$bin/strata" --store "$work/store-$replica" --database "$database" \
    --blob-store "$blob_store" --s3-endpoint "$endpoint" \
    serve --listen "$listen" --dist "$dist" >"$work/strata-$replica.log" 2>&1 &
  wait_for "replica $replica" "$work/strata-$replica.log" curl -sf -o /dev/null "http://$listen/v2/"
done

echo
say "replica A: http://$LISTEN_A    replica B: http://$LISTEN_B"
say "both use --database $database"
say "         --blob-store $blob_store --s3-endpoint $endpoint"
say "pull through A, then list on B:"
echo "  skopeo copy --src-tls-verify=false docker://$LISTEN_A/${registry/:/_}/library/alpine:latest dir:/tmp/alpine"
echo "  curl http://$LISTEN_B/api/v1/images"
say "or with the CLI, as a third replica:"
echo "  AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \\"
echo "    $bin/strata --store $work/store-c --database $database \\"
echo "    --blob-store $blob_store --s3-endpoint $endpoint images"
say "logs in $work (Ctrl-C stops everything)"
wait
