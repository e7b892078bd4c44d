"""The Cluster table (`BENCH_ONLY=cluster`): issue #17's scale-out rows.

A replica is `strata serve --database postgres://… --blob-store s3://…` on
the PostgreSQL and SeaweedFS of bench_services.py, all on loopback. The
rows, as the issue words them (ratios written so that higher is better):

- a warm blob through a replica backed by S3 against a direct `curl` GET of
  the same object from the S3 server (≥ 0.8);
- a cold /v2 pull through a replica against the same through a single
  machine, SQLite and the store folder (≥ 0.8);
- `/api/v1/images` with 10,000 images on PostgreSQL under wrk (p99 < 20 ms);
- a replica's peak RSS during a 1 GiB cold blob (flat).
"""
import hashlib, http.client, os, shlex, shutil, statistics, subprocess, sys, tempfile, time, urllib.parse

from bench_common import RUNS, STRATA, clock, fmt, start_serve, stop, wrk_latency
from bench_services import Postgres, S3

# The blob pulled cold through a replica (MiB of random bytes).
CLUSTER_BLOB_MIB = int(os.environ.get("BENCH_CLUSTER_BLOB_MIB", "1024"))

BUCKET = "strata-bench"


def cluster_rows(host, manifest, dist):
    """Issue #17's scale-out rows: strata replicas (`--database postgres://…
    --blob-store s3://…`) against the single machine (SQLite and the store
    folder) and against the S3 server itself. One PostgreSQL and one
    SeaweedFS for the section; every replica gets a database and a bucket
    prefix of its own, so each starts empty. Returns the Cluster table."""
    if not (shutil.which("psql") and (shutil.which("weed") or os.path.exists(os.path.expanduser("~/.local/bin/weed")))):
        print("bench: skipping the cluster rows (PostgreSQL or SeaweedFS missing: run scripts/setup.sh)", file=sys.stderr)
        return []
    rows = []
    with Postgres() as pg, S3() as s3:
        s3.create_bucket(BUCKET)
        blob = push_random_blob(host, "bench/huge", CLUSTER_BLOB_MIB)
        rows += replica_blob_rows(pg, s3, host, blob, dist)
        rows += replica_pull_rows(pg, s3, host, manifest, dist)
        rows += replica_images_rows(pg, s3, host, dist)
    return rows


def replica_store(pg, s3, name):
    """A replica's store: the global arguments for database `name` and
    bucket prefix `name`, and the environment with the S3 credentials."""
    return ["--database", pg.database(name), "--blob-store", f"s3://{BUCKET}/{name}", "--s3-endpoint", s3.endpoint], s3.env


def push_random_blob(host, repo, mib):
    """Pushes `mib` MiB of random bytes to `repo` as one blob, streamed
    (chunked PATCH, then PUT ?digest=) and hashed on the way, so the bytes
    are on disk once: in the registry. Returns (digest, size)."""
    conn = http.client.HTTPConnection(host)
    conn.request("POST", f"/v2/{repo}/blobs/uploads/")
    r = conn.getresponse(); r.read()
    if r.status != 202:
        sys.exit(f"bench: starting an upload to {host}/{repo}: HTTP {r.status}")
    location = urllib.parse.urlsplit(r.getheader("Location"))
    sha = hashlib.sha256()

    def chunks():
        for _ in range(mib):
            chunk = os.urandom(1 << 20)
            sha.update(chunk)
            yield chunk
    path = location.path + (f"?{location.query}" if location.query else "")
    conn.request("PATCH", path, body=chunks(), headers={"Content-Type": "application/octet-stream"}, encode_chunked=True)
    r = conn.getresponse(); r.read()
    if r.status != 202:
        sys.exit(f"bench: uploading to {host}/{repo}: HTTP {r.status}")
    location = urllib.parse.urlsplit(r.getheader("Location"))
    digest = f"sha256:{sha.hexdigest()}"
    query = "&".join(filter(None, [location.query, urllib.parse.urlencode({"digest": digest})]))
    conn.request("PUT", f"{location.path}?{query}", body=b"")
    r = conn.getresponse(); r.read()
    if r.status != 201:
        sys.exit(f"bench: finishing the upload to {host}/{repo}: HTTP {r.status}")
    conn.close()
    return digest, mib << 20


def status_kib(pid, field):
    """A memory figure of process `pid` (VmRSS, VmHWM: its peak RSS) in KiB."""
    with open(f"/proc/{pid}/status") as f:
        return int(next(l.split()[1] for l in f if l.startswith(field + ":")))


def replica_blob_rows(pg, s3, host, blob, dist):
    """The large random blob through one replica: cold once (upstream →
    client + S3), with the replica's peak RSS; then warm GETs through
    strata's /v2 against curl GETs of the same S3 object straight from
    SeaweedFS (signed), alternating."""
    digest, size = blob
    key = f"blob/blobs/sha256/{digest.split(':', 1)[1]}"
    with tempfile.TemporaryDirectory() as d:
        args, env = replica_store(pg, s3, "blob")
        proc, url = start_serve(os.path.join(d, "s"), host, dist, args, env)
        try:
            blob_url = f"{url}/v2/{host.replace(':', '_')}/bench/huge/blobs/{digest}"
            idle = status_kib(proc.pid, "VmRSS")
            cold = clock(["curl", "-sf", "-o", "/dev/null", blob_url])
            # The peak once the upload to S3 is complete, too.
            wait_for(lambda: s3.has(BUCKET, key), f"the blob in s3://{BUCKET}/{key}")
            peak = status_kib(proc.pid, "VmHWM")
            # The ceiling: the same GET with every byte hashed meanwhile (in
            # another process, as strata hashes on another thread), which is
            # what verifying on the way out allows on these 2 cores.
            hashed = "set -o pipefail; " + " ".join(shlex.quote(a) for a in s3.curl(s3.object_url(BUCKET, key))) + " | openssl dgst -sha256 >/dev/null"
            direct, ceiling, through = [], [], []
            for _ in range(RUNS):
                direct.append(clock(s3.curl("-o", "/dev/null", s3.object_url(BUCKET, key))))
                ceiling.append(clock(["bash", "-c", hashed]))
                through.append(clock(["curl", "-sf", "-o", "/dev/null", blob_url]))
        finally:
            stop(proc)
    dt, ct, wt = statistics.median(direct), statistics.median(ceiling), statistics.median(through)
    mib = size >> 20
    return [
        (f"cluster: {mib} MiB blob, direct curl GET from S3 (SeaweedFS)", fmt(dt), f"{size/dt/1e6:.0f} MB/s, signed GET of the object strata stored", ""),
        (f"cluster: {mib} MiB blob, ceiling (the direct GET, hashed meanwhile: `| openssl dgst -sha256`)", fmt(ct), f"{size/ct/1e6:.0f} MB/s ({dt/ct:.2f} × direct)", "what verifying on the way out allows here"),
        (f"cluster: {mib} MiB blob through a replica, warm (hashed on the way out)", fmt(wt), f"{size/wt/1e6:.0f} MB/s; ratio direct/strata {dt/wt:.2f} (strata's throughput ÷ curl's); {ct/wt:.2f} × the ceiling", "≥ 0.8 × direct"),
        (f"cluster: {mib} MiB blob through a replica, cold (one pull)", fmt(cold),
         f"{size/cold/1e6:.0f} MB/s; replica peak RSS {peak/1024:.1f} MiB (VmHWM; {idle/1024:.1f} MiB before the pull)", "memory flat: report the peak RSS"),
    ]


def wait_for(check, what, timeout=120):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            sys.exit(f"bench: timed out waiting for {what}")
        time.sleep(0.2)


def image_blobs(manifest):
    return [manifest["config"]] + manifest["layers"]


def pull_argv(base, repo_path, manifest):
    """One curl for a /v2 pull: the manifest by tag, then the config and
    every layer, one after another on one connection. `base` is a
    registry's URL, `repo_path` the repository under its /v2/."""
    media_type = manifest.get("mediaType", "application/vnd.oci.image.manifest.v1+json")
    argv = ["curl", "-sf", "-H", f"Accept: {media_type}", "-o", "/dev/null", f"{base}/v2/{repo_path}/manifests/latest"]
    for b in image_blobs(manifest):
        argv += ["-o", "/dev/null", f"{base}/v2/{repo_path}/blobs/{b['digest']}"]
    return argv


def ceiling_pull(s3, host, manifest, copies, prefix):
    """The pull straight from the registry while copies of the same blobs
    are PUT into S3 at the same time (one signed curl, one after another):
    what writing the bytes to this S3 server alone allows a cold replica,
    as the proxy rows' ceiling is what hashing alone allows."""
    start = time.perf_counter()
    direct = subprocess.Popen(pull_argv(f"http://{host}", "bench/large", manifest), stdout=subprocess.DEVNULL)
    upload = [arg for f in copies for arg in ("-T", f, s3.object_url(BUCKET, f"{prefix}/{os.path.basename(f)}"))]
    subprocess.run(s3.curl("-o", "/dev/null", *upload), check=True)
    if direct.wait() != 0:
        sys.exit("bench: the pull from the registry failed")
    return time.perf_counter() - start


def replica_pull_rows(pg, s3, host, manifest, dist):
    """The bench image pulled cold through /v2 (manifest and every blob),
    through a plain `strata serve` (SQLite, store folder) and through a
    replica (PostgreSQL, S3), each on fresh stores. The pull straight from
    the registry is the floor, the same while S3 stores a copy the
    ceiling. The four arms alternate."""
    repo = f"{host.replace(':', '_')}/bench/large"
    total = sum(b["size"] for b in image_blobs(manifest))
    direct, ceiling, single, replica = [], [], [], []
    with tempfile.TemporaryDirectory() as d:
        copies = []
        for b in image_blobs(manifest):
            copies.append(os.path.join(d, b["digest"].replace(":", "-")))
            subprocess.run(["curl", "-sf", "-o", copies[-1], f"http://{host}/v2/bench/large/blobs/{b['digest']}"], check=True)
        for i in range(RUNS):
            direct.append(clock(pull_argv(f"http://{host}", "bench/large", manifest)))
            ceiling.append(ceiling_pull(s3, host, manifest, copies, f"ceiling{i}"))
            single.append(serve_and_pull(os.path.join(d, f"single{i}"), host, dist, repo, manifest))
            args, env = replica_store(pg, s3, f"cold{i}")
            replica.append(serve_and_pull(os.path.join(d, f"replica{i}"), host, dist, repo, manifest, args, env))
    largest = max(b["size"] for b in manifest["layers"]) >> 20
    rss = max(r for _, r in replica) / 1024
    single, replica = [t for t, _ in single], [t for t, _ in replica]
    dt, ct, st, rt = (statistics.median(x) for x in (direct, ceiling, single, replica))
    return [
        ("cluster: cold /v2 pull, straight from the registry (floor)", fmt(dt), f"{total/dt/1e6:.0f} MB/s; manifest + {len(image_blobs(manifest))} blobs, {total/1e6:.0f} MB", ""),
        ("cluster: cold /v2 pull, ceiling (straight from the registry, a copy PUT to S3 meanwhile)", fmt(ct), f"{total/ct/1e6:.0f} MB/s ({dt/ct:.2f} × the registry)", "what storing in S3 alone allows here"),
        ("cluster: cold /v2 pull through a single machine (SQLite + folder)", fmt(st), f"{total/st/1e6:.0f} MB/s ({dt/st:.2f} × the registry)", ""),
        ("cluster: cold /v2 pull through a replica (PostgreSQL + S3)", fmt(rt), f"{total/rt/1e6:.0f} MB/s; ratio single/replica {st/rt:.2f} (the replica's throughput ÷ the single machine's; {ct/rt:.2f} × the ceiling); replica peak RSS {rss:.1f} MiB (largest layer {largest} MiB)", "≥ 0.8 × single machine"),
    ]


def serve_and_pull(store, host, dist, repo, manifest, store_args=(), env=None):
    """Seconds for one cold /v2 pull through a `strata serve` started (not
    timed) on a fresh `store` folder, removed after; and the server's peak
    RSS (KiB)."""
    proc, url = start_serve(store, host, dist, store_args, env)
    try:
        return clock(pull_argv(url, repo, manifest)), status_kib(proc.pid, "VmHWM")
    finally:
        stop(proc)
        shutil.rmtree(store, ignore_errors=True)


# Copies of the one pulled image under new IDs, tags and creation times (as
# synthesize_images does in SQLite), and a new generation for the caches.
SYNTHESIZE_SQL = """
BEGIN;
CREATE TEMP TABLE bench_source AS SELECT * FROM images LIMIT 1;
CREATE TEMP TABLE bench_ids AS
    SELECT i, 'sha256:' || encode(sha256(convert_to('bench-' || i, 'UTF8')), 'hex') AS id
    FROM generate_series(0, {extra} - 1) AS i;
INSERT INTO images (id, config_size, manifest_digest, created, created_ns, size, os, architecture, variant, labels, recorded)
    SELECT b.id, s.config_size, s.manifest_digest, s.created, COALESCE(s.created_ns, 0) + b.i, s.size,
           s.os, s.architecture, s.variant, s.labels, s.recorded
    FROM bench_ids b, bench_source s;
INSERT INTO tags (name, tag, image_id, digest, updated)
    SELECT 'bench.local/team' || (b.i % 50) || '/app' || b.i, 'v' || (b.i % 7), b.id, s.manifest_digest, s.recorded
    FROM bench_ids b, bench_source s;
UPDATE generation SET value = value + 1;
COMMIT;
"""


def replica_images_rows(pg, s3, host, dist, count=10_000):
    """/api/v1/images of a replica whose PostgreSQL holds `count` images
    (one pulled, the rest synthesized in SQL), under wrk, after one request
    timed alone: the first reads every image from the database (as the
    first after any write to the store does, by any replica), later ones
    reuse that read while the store's generation is unchanged. wrk corrects
    for coordinated omission, so that one slow read inside its run would
    set its p99 by itself."""
    with tempfile.TemporaryDirectory() as d:
        store = os.path.join(d, "s")
        args, env = replica_store(pg, s3, "images")
        subprocess.run([STRATA, "--store", store, *args, "pull", "-q", "--insecure-registry", host, f"{host}/library/alpine:latest"],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, **env))
        pg.psql("images", SYNTHESIZE_SQL.format(extra=count - 1))
        n = int(pg.psql("images", "SELECT COUNT(*) FROM images"))
        proc, url = start_serve(store, host, dist, args, env)
        try:
            first = clock(["curl", "-sf", "-o", "/dev/null", f"{url}/api/v1/images?limit=100"])
            p50, p99, rps = wrk_latency(f"{url}/api/v1/images?limit=100")
        finally:
            stop(proc)
    return [(f"cluster: wrk GET /api/v1/images on PostgreSQL ({n:,} images, page of 100)", f"p50 {p50}",
             f"p99 {p99}, {rps} req/s (2 threads, 8 connections, 10 s, after one request); "
             f"that first request {first * 1000:.0f} ms (reads every image, as the first after any write does)", "p99 < 20 ms")]
