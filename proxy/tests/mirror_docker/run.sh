#!/usr/bin/env bash
# Docker's `registry-mirrors` pulling through `strata serve`, inside a
# network namespace of its own (`unshare --net`): only loopback exists, so
# dockerd's fallback to Docker Hub (were the mirror to fail) cannot leave
# the machine.
#
#   run.sh STRATA_BIN FIXTURE_LAYOUT WORK_DIR
#
# In the namespace: the real distribution registry plays Docker Hub
# (STRATA_HUB_REGISTRY), skopeo pushes the fixture to it as library/redis,
# strata serves /v2, and a dockerd of its own (vfs, no bridge, no
# iptables) with strata as its mirror runs `docker pull redis`.
# Then the archives both ways: `strata save` → `docker load`, and
# `docker save` → `strata load` (into a fresh store).
# Prints `pushed=DIGEST`, `docker=REPO_DIGEST`, strata's image list,
# `strata_id=`, `docker_loaded_id=`, and `strata_loaded=` with the ID
# strata gives what `docker save` wrote.
set -euo pipefail
strata=$1 layout=$2 work=$3

if [[ ${STRATA_IN_NETNS:-} != 1 ]]; then
  exec env STRATA_IN_NETNS=1 unshare --net --fork "$0" "$@"
fi
ip link set lo up

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_for() { # wait_for WHAT COMMAND…
  local what=$1; shift
  for _ in $(seq 1 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "$what did not come up" >&2
  cat "$work"/*.log >&2 || true
  exit 1
}

mkdir -p "$work/registry" "$work/store" "$work/docker"
cat > "$work/registry.yml" <<YML
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $work/registry }, delete: { enabled: true } }
http: { addr: 127.0.0.1:5000 }
YML
docker-registry serve "$work/registry.yml" 2> "$work/registry.log" &
pids+=($!)
wait_for "the registry" curl -fsS http://127.0.0.1:5000/v2/

skopeo copy --quiet --preserve-digests --dest-tls-verify=false --digestfile "$work/pushed" \
  "oci:$layout" docker://127.0.0.1:5000/library/redis:latest
echo "pushed=$(cat "$work/pushed")"

mkdir -p "$work/dist"
echo '<!DOCTYPE html><title>strata</title>' > "$work/dist/index.html"
STRATA_HUB_REGISTRY=http://127.0.0.1:5000 STRATA_INSECURE_REGISTRIES=127.0.0.1:5000 \
  STRATA_LOG=warn "$strata" --store "$work/store" serve --listen 127.0.0.1:8080 \
  --dist "$work/dist" > /dev/null 2> "$work/strata.log" &
pids+=($!)
wait_for "strata serve" curl -fsS http://127.0.0.1:8080/v2/

cat > "$work/daemon.json" <<JSON
{ "registry-mirrors": ["http://127.0.0.1:8080"] }
JSON
dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver vfs \
  --data-root "$work/docker/root" --exec-root "$work/docker/exec" \
  --pidfile "$work/docker/dockerd.pid" --host "unix://$work/docker/d.sock" \
  --config-file "$work/daemon.json" 2> "$work/dockerd.log" &
pids+=($!)
export DOCKER_HOST="unix://$work/docker/d.sock"
wait_for "dockerd" docker info

docker pull -q redis
echo "docker=$(docker image inspect --format '{{index .RepoDigests 0}}' redis)"
echo "strata images:"
"$strata" --store "$work/store" images --digests --format '{{.Repository}}:{{.Tag}} {{.Digest}}'

# strata's archive into docker, docker's into strata.
strata_id=$("$strata" --store "$work/store" images -q --no-trunc redis:latest)
echo "strata_id=$strata_id"
"$strata" --store "$work/store" save -o "$work/strata.tar" redis:latest
docker rmi -f redis > /dev/null
docker load -q -i "$work/strata.tar" >&2
echo "docker_loaded_id=$(docker image inspect --format '{{.Id}}' redis:latest)"
docker save -o "$work/docker.tar" redis:latest
"$strata" --store "$work/loaded" load -i "$work/docker.tar" >&2
echo "strata_loaded=$("$strata" --store "$work/loaded" images -q --no-trunc redis:latest)"
