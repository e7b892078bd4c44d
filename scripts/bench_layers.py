"""make bench's "Layers" section (issue 20): a layer of BENCH_HUGE_MIB MiB
(default 2048) of 128 KiB files, pulled into a store that `strata serve`
indexes; the index's size and build time, then in Debian's Chromium
(bench/browser/layers.mjs): the first listing from the server's index, one
1 MiB file opened and downloaded by range, and the page's peak memory.
Then `strata diff` of two BENCH_DIFF_MIB MiB images (default 1024) that
share all but their top layer, both in the store."""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request

from bench_common import RUNS, ROOT, STRATA, fmt, start_serve, stop

HUGE_MIB = int(os.environ.get("BENCH_HUGE_MIB", "2048"))
DIFF_MIB = int(os.environ.get("BENCH_DIFF_MIB", "1024"))
HUGE_REPO = f"bench/huge-layer-{HUGE_MIB}m"
ONE_MIB_FILE = "huge/one-mib.txt"
SPAN = 4 << 20


def layer_rows(host, dist):
    """Returns the section's rows, or [] when playwright-core is missing."""
    script = os.path.join(ROOT, "bench/browser/layers.mjs")
    if not os.path.isdir(os.path.join(ROOT, "bench/browser/node_modules/playwright-core")):
        print("bench: skipping layer rows (run scripts/bench.sh to install playwright-core)", file=sys.stderr)
        return []
    manifest = json.loads(urllib.request.urlopen(urllib.request.Request(
        f"http://{host}/v2/{HUGE_REPO}/manifests/latest",
        headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})).read())
    layer = manifest["layers"][0]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        store = os.path.join(d, "store")
        subprocess.run([STRATA, "--store", store, "pull", "-q", "--insecure-registry", host, f"{host}/{HUGE_REPO}:latest"],
                       check=True, stdout=subprocess.DEVNULL)
        proc, url = start_serve(store, host, dist)
        try:
            # The first request builds the index unless the background pass already has.
            start = time.perf_counter()
            index = urllib.request.urlopen(f"{url}/api/v1/layers/{layer['digest']}/index", timeout=600).read()
            built = time.perf_counter() - start
            arg = json.dumps({"runs": RUNS, "url": url, "ref": f"{host}/{HUGE_REPO}:latest",
                              "file": ONE_MIB_FILE, "fileSize": 1 << 20, "layerSize": layer["size"]})
            out = subprocess.run(["node", script, arg], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"bench: the layer benchmark failed:\n{out.stdout}\n{out.stderr}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            stop(proc)
    size_mib = layer["size"] / 2**20
    rows.append((f"layer index of a {HUGE_MIB / 1024:g} GiB layer ({size_mib:.0f} MiB gzip)", f"{len(index) / 2**20:.1f} MiB",
                 f"{len(index) / layer['size'] * 100:.2f}% of the layer; first GET took {built:.1f} s (built then, or by the background pass)",
                 "1–2% of the layer"))
    listing = statistics.median(r["listing"]["ms"]) / 1000
    rows.append(("browser: first listing from the server's index", fmt(listing),
                 f"navigation → first row of the layer page, fresh profile ({r['listedFrom']})", "< 1.5 s"))
    opened = statistics.median(r["open"]["ms"]) / 1000
    fetched = max(r["open"]["fetched"])
    rows.append(("browser: open the 1 MiB file (preview) by range", fmt(opened),
                 f"click → preview; at most {fetched / 2**20:.2f} MiB of blob fetched (span {SPAN >> 20} MiB + file 1 MiB = {(SPAN >> 20) + 1} MiB)",
                 "< 0.5 s, ≤ span + file"))
    down = statistics.median(r["download"]["ms"]) / 1000
    dfetched = max(r["download"]["fetched"])
    rows.append(("browser: download the 1 MiB file by range", fmt(down),
                 f"click → saved, checked 1 MiB; at most {dfetched / 2**20:.2f} MiB of blob fetched", "report"))
    heap = max(r["heapPeak"]) / 2**20
    wasm = max(r["wasmMemory"]) / 2**20
    rows.append(("browser: peak JS heap + wasm memory while doing so", f"{heap + wasm:.0f} MiB",
                 f"JS heap {heap:.0f} MiB + wasm {wasm:.0f} MiB (the layer's verification runs meanwhile)", "< 200 MiB"))
    return rows


def diff_rows(host):
    """`strata diff` of the pair, both pulled into a store first."""
    a, b = f"{host}/bench/diff-a-{DIFF_MIB}m:latest", f"{host}/bench/diff-b-{DIFF_MIB}m:latest"
    times = []
    with tempfile.TemporaryDirectory() as d:
        for ref in (a, b):
            subprocess.run([STRATA, "--store", d, "pull", "-q", "--insecure-registry", host, ref],
                           check=True, stdout=subprocess.DEVNULL)
        for _ in range(RUNS):
            start = time.perf_counter()
            out = subprocess.run([STRATA, "--store", d, "diff", a, b], check=True, capture_output=True, text=True).stdout
            times.append(time.perf_counter() - start)
    if "etc/app.conf" not in out:
        sys.exit(f"bench: strata diff did not name the changed file:\n{out}")
    median = statistics.median(times)
    return [(f"strata diff of two {DIFF_MIB / 1024:g} GiB images sharing all but one layer", fmt(median),
             "both stored; the shared layers are read once (their files are the base both tops apply to), every byte verified and each file hashed",
             "< 3 s")]
