#!/usr/bin/env python3
"""strata's benchmarks: one run, medians of repeated measurements, ratios.

Started by `make bench` (scripts/bench.sh). Everything runs on loopback: a
distribution registry holding the generated large image, strata, skopeo,
curl and wrk. Prints a table and writes bench/results.md. No pass/fail: each
row shows the goal from the issue that names it.
"""
import json, os, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

from bench_cluster import cluster_rows
from bench_layers import DIFF_MIB, HUGE_MIB, diff_rows, layer_rows
from bench_signatures import signature_rows
from bench_common import RUNS, ROOT, STRATA, TARGET, clock, fmt, start_serve, wrk_latency

FIXTURE_REGISTRY = os.path.join(TARGET, "release/fixture-registry")
LARGE_MIB = int(os.environ.get("BENCH_LARGE_MIB", "384"))
# BENCH_ONLY=browser,proxy runs only those sections (pull, proxy, mirror, images, browser, cluster, layers, signatures).
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
# The sections of the main table; `cluster` has a table of its own.
MAIN_SECTIONS = {"pull", "proxy", "mirror", "images", "browser"}


def section(name):
    return not ONLY or name in ONLY


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (seconds, max RSS KiB)."""
    out = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", out.stderr)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, rss


SIGNED_DIR = tempfile.mkdtemp(prefix="strata-bench-signed-")


def start_registry():
    many = ["--many-files"] if section("browser") else []
    huge = ["--huge-layer", str(HUGE_MIB), "--diff-pair", str(DIFF_MIB)] if section("layers") else []
    signed = ["--signed", SIGNED_DIR] if section("signatures") else []
    proc = subprocess.Popen([FIXTURE_REGISTRY, "open", "--large", str(LARGE_MIB)] + many + huge + signed,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    images = {}
    host = None
    for line in proc.stdout:
        parts = line.split()
        if parts[:1] == ["registry"]:
            host = parts[1]
        elif parts[:1] == ["image"]:
            images[parts[1]] = parts[2]
        elif parts[:1] in (["signed"], ["identity"]):
            images[parts[0]] = parts[1:]
        elif parts[:1] == ["ready"]:
            break
    if host is None:
        sys.exit("bench: the fixture registry did not start")
    return proc, host, images


def get_json(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def main():
    rows, cluster, layers, signatures = [], [], [], []
    reg, host, images = start_registry()
    try:
        ref = f"{host}/bench/large:latest"
        mdigest = images[ref]
        manifest = get_json(f"http://{host}/v2/bench/large/manifests/latest",
                            {"Accept": "application/vnd.oci.image.manifest.v1+json"})
        blobs = [manifest["config"]] + manifest["layers"]
        total = sum(b["size"] for b in blobs)
        largest = max(manifest["layers"], key=lambda b: b["size"])
        print(f"bench: image {ref} ({total/1e6:.0f} MB compressed in {len(manifest['layers'])} layers)", flush=True)

        # pull: strata vs skopeo, alternating, fresh destination each time.
        if section("pull"):
            pull_rows(rows, host, ref, blobs, total)

        dist = os.environ.get("STRATA_DIST", os.path.join(ROOT, "dist"))
        if not os.path.exists(os.path.join(dist, "index.html")):
            dist = tempfile.mkdtemp(); open(os.path.join(dist, "index.html"), "w").write("<!DOCTYPE html>")
        if section("proxy"):
            proxy_rows(rows, host, largest, dist)
        if section("mirror") and shutil.which("containerd"):
            mirror_rows(rows, host, dist)
        if section("images"):
            images_rows(rows, host, dist)
        if section("browser"):
            rows.extend(browser_rows(host, mdigest, manifest, largest, dist))
        if section("cluster"):
            cluster = cluster_rows(host, manifest, dist)
        if section("layers"):
            layers = layer_rows(host, dist) + diff_rows(host)
        if section("signatures"):
            signed_ref = images["signed"][0]
            identity, issuer = images["identity"]
            signatures = signature_rows(host, dist, SIGNED_DIR, signed_ref, identity, issuer)
        if not ONLY or ONLY & MAIN_SECTIONS:
            bundle_rows(rows, dist)
    finally:
        reg.stdin.close(); reg.wait()
    write_results(rows, cluster, total, layers, signatures)


def podman_pull(d, ref):
    """podman pull into a fresh vfs storage (fetch, check diff_ids, unpack)."""
    return timed(["podman", f"--root={d}/root", f"--runroot={d}/run", "--storage-driver=vfs",
                  "--events-backend=file", "--cgroup-manager=cgroupfs",
                  "pull", "-q", "--tls-verify=false", ref])


def pull_rows(rows, host, ref, blobs, total):
    s_times, s_rss, k_times, k_rss, p_times, floor = [], [], [], [], [], []
    for i in range(RUNS):
        # Each arm starts with the previous one's writes on disk, so none
        # pays for another's writeback (podman's unpacked tree is large).
        subprocess.run(["sync"], check=True)
        with tempfile.TemporaryDirectory() as d:
            t, r = timed([STRATA, "--store", os.path.join(d, "s"), "pull", "-q", "--insecure-registry", host, ref])
            s_times.append(t); s_rss.append(r)
        subprocess.run(["sync"], check=True)
        with tempfile.TemporaryDirectory() as d:
            t, r = timed(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{ref}", f"oci:{d}/o:latest"])
            k_times.append(t); k_rss.append(r)
        subprocess.run(["sync"], check=True)
        with tempfile.TemporaryDirectory() as d:
            t, _ = podman_pull(d, ref)
            p_times.append(t)
        start = time.perf_counter()
        for b in blobs:
            subprocess.run(["curl", "-sf", "-o", "/dev/null", f"http://{host}/v2/bench/large/blobs/{b['digest']}"], check=True)
        floor.append(time.perf_counter() - start)
    st, kt, pt = statistics.median(s_times), statistics.median(k_times), statistics.median(p_times)
    rows.append(("pull: strata (empty store), every layer checked against its diff_id", fmt(st), f"{total/st/1e6:.0f} MB/s, peak RSS {max(s_rss)/1024:.1f} MiB", "≤ 1.0 × skopeo, ≤ 0.4 × podman, RSS ≤ 32 MiB"))
    rows.append(("pull: skopeo copy → oci: (no unpacking)", fmt(kt), f"{total/kt/1e6:.0f} MB/s, peak RSS {max(k_rss)/1024:.1f} MiB", ""))
    rows.append(("pull: podman pull → vfs (checks diff_ids, unpacks)", fmt(pt), f"{total/pt/1e6:.0f} MB/s", ""))
    rows.append(("pull: ratio strata/skopeo", f"{st/kt:.2f}", "", "≤ 1.0"))
    rows.append(("pull: ratio strata/podman", f"{st/pt:.2f}", "", "≤ 0.4"))
    rows.append(("pull: curl -o of every blob (floor)", fmt(statistics.median(floor)), f"{total/statistics.median(floor)/1e6:.0f} MB/s", ""))

    # re-pull: everything present, HEAD only.
    with tempfile.TemporaryDirectory() as d:
        store = os.path.join(d, "s")
        subprocess.run([STRATA, "--store", store, "pull", "-q", "--insecure-registry", host, ref], check=True, stdout=subprocess.DEVNULL)
        re_pull = statistics.median(clock([STRATA, "--store", store, "pull", "-q", "--insecure-registry", host, ref]) for _ in range(RUNS))
        rows.append(("re-pull, all layers present", fmt(re_pull), "HEAD only", "near-instant"))
        fsck = statistics.median(clock([STRATA, "--store", store, "fsck"]) for _ in range(3))
        rows.append(("fsck (re-hash every blob)", fmt(fsck), f"{total/fsck/1e6:.0f} MB/s", ""))


def proxy_rows(rows, host, largest, dist):
    # proxy: one large blob through /v2, cold (upstream → client + store) and warm (store).
    # Direct, cold and warm are timed back to back in each round, so a noisy
    # moment of this shared machine hits all three alike.
    #
    # The ceiling row: the direct download while the same bytes are hashed by
    # OpenSSL (SHA-NI where the CPU has it) in another process at the same
    # time. A cold proxy must hash every byte before the client has the last
    # one, so no proxy on this machine can beat that row.
    proxy_path = host.replace(":", "_")
    direct_url = f"http://{host}/v2/bench/large/blobs/{largest['digest']}"
    directs, ceiling, cold, warm = [], [], [], []
    scratch = tempfile.mkdtemp()
    copy = os.path.join(scratch, "blob")
    subprocess.run(["curl", "-sf", "-o", copy, direct_url], check=True)
    for _ in range(RUNS):
        directs.append(clock(["curl", "-sf", "-o", "/dev/null", direct_url]))
        ceiling.append(clock(["bash", "-c", 'curl -sf -o /dev/null "$1" & openssl dgst -sha256 "$2"; wait $!', "-", direct_url, copy]))
        with tempfile.TemporaryDirectory() as d:
            proc, url = start_serve(os.path.join(d, "s"), host, dist)
            try:
                blob_url = f"{url}/v2/{proxy_path}/bench/large/blobs/{largest['digest']}"
                cold.append(clock(["curl", "-sf", "-o", "/dev/null", blob_url]))
                time.sleep(0.2)
                warm.append(clock(["curl", "-sf", "-o", "/dev/null", blob_url]))
            finally:
                proc.terminate(); proc.wait()
    direct = statistics.median(directs)
    size = largest["size"]
    shutil.rmtree(scratch)
    rows.append(("proxy blob: direct from registry", fmt(direct), f"{size/direct/1e6:.0f} MB/s", ""))
    c = statistics.median(ceiling)
    rows.append(("proxy blob: ceiling (direct, hashed by openssl meanwhile)", fmt(c), f"{size/c/1e6:.0f} MB/s ({direct/c:.2f} × direct)", "what hashing alone allows here"))
    rows.append(("proxy blob: through strata, cold", fmt(statistics.median(cold)), f"{size/statistics.median(cold)/1e6:.0f} MB/s ({direct/statistics.median(cold):.2f} × direct)", "≥ 0.8 × direct"))
    rows.append(("proxy blob: through strata, warm", fmt(statistics.median(warm)), f"{size/statistics.median(warm)/1e6:.0f} MB/s ({direct/statistics.median(warm):.2f} × direct)", "≥ 1 × direct"))


def start_containerd(root):
    """A containerd of the bench's own under `root`; returns (process, ctr argv)."""
    for sub in ("root", "state", "opt"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    config = os.path.join(root, "config.toml")
    open(config, "w").write(f"""version = 2
root = "{root}/root"
state = "{root}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "{root}/c.sock"
[ttrpc]
  address = "{root}/c.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "{root}/opt"
""")
    proc = subprocess.Popen(["containerd", "--config", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctr = ["ctr", "--address", f"{root}/c.sock", "--namespace", "bench"]
    for _ in range(150):
        if subprocess.run(ctr + ["version"], capture_output=True).returncode == 0:
            return proc, ctr
        time.sleep(0.1)
    proc.terminate()
    sys.exit("bench: containerd did not start")


def mirror_rows(rows, host, dist):
    # A Kubernetes node's pull (containerd, fetch and unpack with the native
    # snapshotter), straight from the registry vs through a warm strata
    # configured as its mirror (`_default` hosts.toml, `?ns=`). A fresh
    # containerd for every pull, the two arms alternating.
    ref = f"{host}/bench/large:latest"
    direct, mirrored = [], []
    with tempfile.TemporaryDirectory() as d:
        proc, url = start_serve(os.path.join(d, "s"), host, dist)
        hosts = os.path.join(d, "hosts")
        os.makedirs(os.path.join(hosts, "_default"))
        open(os.path.join(hosts, "_default", "hosts.toml"), "w").write(
            f'[host."{url}"]\n  capabilities = ["pull", "resolve"]\n')
        try:
            for i in range(RUNS + 1):
                for arm, argv, times in (("direct", ["--plain-http"], direct), ("mirror", ["--hosts-dir", hosts], mirrored)):
                    root = os.path.join(d, f"ctd-{arm}-{i}")
                    ctd, ctr = start_containerd(root)
                    try:
                        t = clock(ctr + ["images", "pull", "--snapshotter", "native"] + argv + [ref])
                    finally:
                        ctd.terminate(); ctd.wait()
                        shutil.rmtree(root, ignore_errors=True)
                    if i > 0:  # the first round warms strata (and the page cache)
                        times.append(t)
        finally:
            proc.terminate(); proc.wait()
    dt, mt = statistics.median(direct), statistics.median(mirrored)
    rows.append(("mirror: containerd pull, straight from the registry", fmt(dt), "fetch + unpack (native snapshotter)", ""))
    rows.append(("mirror: containerd pull through warm strata", fmt(mt), f"{mt/dt:.2f} × direct", "report"))


def images_rows(rows, host, dist):
    # 10,000 images: the CLI table, a filter, wrk on the API, and /metrics scrapes.
    with tempfile.TemporaryDirectory() as d:
        store = os.path.join(d, "s")
        small = f"{host}/library/alpine:latest"
        subprocess.run([STRATA, "--store", store, "pull", "-q", "--insecure-registry", host, small], check=True, stdout=subprocess.DEVNULL)
        synthesize_images(os.path.join(store, "meta.db"), 10_000)
        n = len(subprocess.run([STRATA, "--store", store, "images", "-q"], capture_output=True, text=True, check=True).stdout.split())
        t_images = statistics.median(clock([STRATA, "--store", store, "images"]) for _ in range(RUNS))
        t_filter = statistics.median(clock([STRATA, "--store", store, "images", "--filter", "reference=*/*/*:v*"]) for _ in range(RUNS))
        rows.append((f"strata images ({n:,} images)", fmt(t_images), "", ""))
        rows.append((f"strata images --filter reference='*/*/*:v*'", fmt(t_filter), "", ""))
        proc, url = start_serve(store, host, dist)
        try:
            if shutil.which("wrk"):
                p50, p99, rps = wrk_latency(f"{url}/api/v1/images?limit=100")
                rows.append(("wrk GET /api/v1/images (10k images, page of 100)", f"p50 {p50}", f"p99 {p99}, {rps} req/s", "report"))
            rows.append(metrics_row(url, n))
        finally:
            proc.terminate(); proc.wait()


def metrics_row(url, images, scrapes=50):
    """GET /metrics one after another over a store of `images` images. The
    first scrape sums the store's totals in its metadata database; later
    ones reuse them while the store is unchanged."""
    times, size = [], 0
    for _ in range(scrapes):
        start = time.perf_counter()
        with urllib.request.urlopen(f"{url}/metrics") as r:
            size = len(r.read())
        times.append(time.perf_counter() - start)
    first = times[0]
    times.sort()
    p50, p99 = statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]
    return (f"GET /metrics ({images:,} images)", f"{p50 * 1000:.1f} ms",
            f"p99 {p99 * 1000:.1f} ms over {scrapes} scrapes; the first (summing the store's totals) {first * 1000:.1f} ms; {size:,} bytes",
            "report")


def bundle_rows(rows, dist):
    """Gzipped wasm+js: what the first page load fetches (the modules
    index.html links and what they import), and the lazy routes' modules,
    which a route fetches the first time it is opened."""
    import gzip
    import re
    if not os.path.isdir(dist):
        return
    # .bin: packs of split chunks (scripts/split_wasm.py).
    files = [f for f in os.listdir(dist) if f.endswith((".wasm", ".js", ".bin"))]
    if not files:
        return
    html = open(os.path.join(dist, "index.html")).read()
    first = {f for f in files if f"/{f}" in html}
    for f in [f for f in first if f.endswith(".js")]:
        text = open(os.path.join(dist, f)).read()
        first |= {m for m in re.findall(r'from "\./([^"]+)"', text) if m in files}
    gz = {f: len(gzip.compress(open(os.path.join(dist, f), "rb").read(), 9)) for f in files}
    raw = {f: os.path.getsize(os.path.join(dist, f)) for f in files}
    lazy = [f for f in files if f not in first]
    rows.append(("dashboard wasm+js, first load", f"{sum(gz[f] for f in first)/1000:.0f} kB gzip",
                 f"{sum(raw[f] for f in first)/1000:.0f} kB raw; {len(first)} files", "< 400 kB gzip"))
    # What opening each lazy route adds: its module and the chunks it shares
    # with other routes, as the split loader (__wasm_split-*.js) lists them.
    loaders = [f for f in first if f.startswith("__wasm_split")]
    if loaders:
        text = open(os.path.join(dist, loaders[0])).read()
        # A chunk is a file of its own, or a slice of a pack (one file for
        # several chunks): a route fetches each file once.
        chunk_file = dict(re.findall(r'const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\./([^"]+)"', text))
        pack_file = dict(re.findall(r'const (__pack_\d+) = makePack\(new URL\("\./([^"]+)"', text))
        chunk_file |= {c: pack_file[p] for c, p in re.findall(r'const (__chunk_\d+) = packedChunk\((__pack_\d+),', text)}
        routes = re.findall(r'export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\./([^"]+)".*?\n, \[([^\]]*)\]\)\);', text, re.S)
        route_files = {name: {own} | {chunk_file[d.strip()] for d in deps.split(",") if d.strip()}
                       for name, own, deps in routes}
        detail = ", ".join(f"{name} {sum(gz[f] for f in fs)/1000:.0f}" for name, fs in sorted(route_files.items()))
        rows.append(("dashboard wasm, lazy routes", f"{sum(gz[f] for f in lazy)/1000:.0f} kB gzip",
                     f"kB gzip a route adds when it first opens (its module and the chunks it shares): {detail}", "report"))
        # A shared image link (`/i/name@digest`): the first load and the
        # image page's module with its chunks render the facts; Verify, the
        # raw JSON views and Pull/Remove are split points fetched after.
        need = route_files.get("image_page", set())
        if need:
            facts = first | need
            rows.append(("shared image link, before facts render", f"{sum(gz[f] for f in facts)/1000:.0f} kB gzip",
                         f"first load + the image page's module and chunks, from the split's module graph; {len(facts)} files",
                         "< 350 kB gzip"))
        # Signatures (issue 18): what an image with referrers adds, fetched
        # only once the probe found something attached.
        trust = route_files.get("trust_panel", set())
        if trust:
            rows.append(("signature verification module (lazy)", f"{sum(gz[f] for f in trust)/1000:.0f} kB gzip",
                         "the Signatures panel's module and chunks (ECDSA, Ed25519, RSA, X.509, Rekor, policies, SBOM table), "
                         "fetched only for an image with something attached", "report"))


def table(rows):
    return "| measurement | median | detail | goal |\n| --- | --- | --- | --- |\n" + "".join(f"| {a} | {b} | {c} | {g} |\n" for a, b, c, g in rows)


def write_results(rows, cluster, total, layers=(), signatures=()):
    """bench/results.md: the main table, then its `## ` sections (Cluster,
    and those other runs wrote, such as make soak's). A run rewrites only
    what it measured: the main table when a main section ran, the Cluster
    section when `cluster` ran; the rest stays as it was."""
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
    when = f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores ({cpu}); medians of {RUNS} runs"
    path = os.path.join(ROOT, "bench/results.md")
    previous = open(path).read() if os.path.exists(path) else ""
    head, *rest = previous.split("\n## ")
    sections = {part.split("\n", 1)[0]: "\n## " + part for part in rest}
    if rows:
        head = f"# strata benchmark results\n\nReproduce with `make bench`.\n\n{when}; image {total/1e6:.0f} MB compressed.\n\n" + table(rows)
        print("\n" + head)
    if cluster:
        load = os.getloadavg()[0]
        text = (f"\n## Cluster\n\nReproduce with `BENCH_ONLY=cluster make bench` (part of `make bench`). {when} "
                f"(load average {load:.1f} at the end). A replica is `strata serve --database postgres://… "
                f"--blob-store s3://…` on PostgreSQL 15 and SeaweedFS on loopback; ratios are "
                f"the issue's (higher is better).\n\n" + table(cluster))
        print(text)
        if "Cluster" not in sections:  # new: before make soak's section
            sections = {"Cluster": text, **sections}
        sections["Cluster"] = text
    if layers:
        text = (f"\n## Layers\n\nReproduce with `BENCH_ONLY=layers make bench` (part of `make bench`). {when}. "
                f"One gzip layer of {HUGE_MIB} MiB of 128 KiB files, read through its index, and `strata diff` (issue 20).\n\n" + table(layers))
        print(text)
        sections["Layers"] = text
    if signatures:
        text = (f"\n## Signatures\n\nReproduce with `BENCH_ONLY=signatures make bench` (part of `make bench`). {when}. "
                f"The signed fixtures of `test_support::signing` (issue 18): a test Sigstore (CA, Rekor and CT keys, trusted root) "
                f"served with `strata serve --trusted-root`.\n\n" + table(signatures))
        print(text)
        sections["Signatures"] = text
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(head.rstrip("\n") + "\n" + "".join(sections.values()))


def native_pipeline(host, layers):
    """Seconds for `gzip -dc | sha256sum` (or zstd -dc) over every layer, from
    files already on disk: the native equivalent of browser verification."""
    with tempfile.TemporaryDirectory() as d:
        files = []
        for i, layer in enumerate(layers):
            f = os.path.join(d, f"layer{i}")
            subprocess.run(["curl", "-sf", "-o", f, f"http://{host}/v2/bench/large/blobs/{layer['digest']}"], check=True)
            tool = "zstd" if "zstd" in layer["mediaType"] else "gzip" if "gzip" in layer["mediaType"] else "cat"
            files.append((tool, f))
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            for tool, f in files:
                cmd = f"cat {f}" if tool == "cat" else f"{tool} -dc < {f}"
                subprocess.run(["sh", "-c", f"{cmd} | sha256sum"], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def browser_rows(host, mdigest, manifest, largest, dist):
    """Runs bench/browser/bench.mjs (playwright-core driving Debian's
    Chromium) against strata serve; returns table rows."""
    script = os.path.join(ROOT, "bench/browser/bench.mjs")
    if not os.path.isdir(os.path.join(ROOT, "bench/browser/node_modules/playwright-core")):
        print("bench: skipping browser rows (run scripts/bench.sh to install playwright-core)", file=sys.stderr)
        return []
    layers = manifest["layers"]
    compressed = sum(l["size"] for l in layers)
    proxy_path = host.replace(":", "_")
    rows = []
    with tempfile.TemporaryDirectory() as d:
        verify_proc, verify_url = start_serve(os.path.join(d, "verify"), host, dist)
        pull_proc, pull_url = start_serve(os.path.join(d, "pull"), host, dist)
        images_store = os.path.join(d, "images")
        subprocess.run([STRATA, "--store", images_store, "pull", "-q", "--insecure-registry", host, f"{host}/library/alpine:latest"],
                       check=True, stdout=subprocess.DEVNULL)
        synthesize_images(os.path.join(images_store, "meta.db"), 1_000)
        images_proc, images_url = start_serve(images_store, host, dist)
        try:
            arg = json.dumps({
                "runs": RUNS,
                "verifyUrl": verify_url,
                "verifyRef": f"{host}/bench/large@{mdigest}",
                "blobUrl": f"{verify_url}/v2/{proxy_path}/bench/large/blobs/{largest['digest']}",
                "imagesUrl": images_url,
                "pullUrl": pull_url,
                "pullRef": f"{host}/bench/large:latest",
                "explorerUrl": verify_url,
                "explorerRef": f"{host}/bench/many-files:latest",
                "explorerPath": "data",
            })
            out = subprocess.run(["node", script, arg], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"bench: the browser benchmark failed:\n{out.stdout}\n{out.stderr}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            for p in (verify_proc, pull_proc, images_proc):
                p.terminate(); p.wait()
    native = native_pipeline(host, layers)
    v = statistics.median(r["verify"]["ms"]) / 1000
    heap = max(r["verify"]["heapPeak"]) / 2**20
    wasm_mem = max(r["verify"]["wasmMemory"]) / 2**20
    largest_layer = max(l["size"] for l in layers) / 2**20
    rows.append(("browser: full verification (image page, warm /v2)", fmt(v),
                 f"{compressed/v/1e6:.0f} MB/s compressed ({native/v:.2f} × native); peak JS heap {heap:.1f} MiB, wasm memory {wasm_mem:.1f} MiB per instance, largest layer {largest_layer:.0f} MiB",
                 "≥ 0.5 × native, memory flat in layer size"))
    rows.append(("native: gzip -dc \\| sha256sum, every layer", fmt(native), f"{compressed/native/1e6:.0f} MB/s compressed", ""))
    wc = statistics.median(r["webcrypto"]["ms"]) / 1000
    rows.append(("browser: WebCrypto one-shot sha256 (largest layer)", fmt(wc), f"{r['webcrypto']['bytes']/wc/1e6:.0f} MB/s", "report"))
    first = statistics.median(r["firstRender"]["ms"])
    rows.append(("browser: first render of / with 1,000 images", f"{first:.0f} ms", "navigation start → first row in the DOM", "report"))
    lat = r["progress"]["latencies"]
    if lat:
        lat = sorted(lat)
        p50, p99 = statistics.median(lat), lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        rows.append(("browser: pull page reflects a progress event", f"p50 {p50:.1f} ms",
                     f"p99 {p99:.1f} ms over {len(lat)} events (SSE message → DOM change)", "report"))
    x = r["explorer"]
    listed = statistics.median(x["ms"]) / 1000
    longest = max(x["longestTask"])
    rows.append(("browser: explorer, 100,000 entries: time to full listing", fmt(listed),
                 f"navigation → every layer read, verified, merged, and /data listed ({x['entries']:,} entries, {x['rows']} rows in the DOM)", "report"))
    rows.append(("browser: explorer, 100,000 entries: longest task", f"{longest:.0f} ms",
                 f"longest main-thread task while loading (Long Tasks API); {max(x['longTasks'])} tasks over 50 ms", "responsive: no task ≫ 50 ms"))
    return rows


def synthesize_images(db, count):
    """Adds `count` image records (copies of the one stored image, with new
    IDs, tags and creation times) straight into the metadata database, so
    listing can be measured at scale without pulling 10,000 images."""
    import sqlite3, hashlib
    con = sqlite3.connect(db)
    row = con.execute("SELECT id, config_size, manifest_digest, created, created_ns, size, os, architecture, variant, labels, recorded FROM images").fetchone()
    with con:
        for i in range(count - 1):
            new_id = "sha256:" + hashlib.sha256(f"bench-{i}".encode()).hexdigest()
            con.execute("INSERT INTO images (id, config_size, manifest_digest, created, created_ns, size, os, architecture,"
                        " variant, labels, recorded) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        (new_id, row[1], row[2], row[3], (row[4] or 0) + i, row[5], row[6], row[7], row[8], row[9], row[10]))
            con.execute("INSERT INTO tags (name, tag, image_id, digest, updated) VALUES (?,?,?,?,?)", (f"bench.local/team{i % 50}/app{i}", f"v{i % 7}", new_id, row[2], row[10]))
    con.close()


if __name__ == "__main__":
    main()
