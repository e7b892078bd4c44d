"""make bench's "Signatures" section (issue 18): the signed fixtures of
test_support::signing (fixture-registry --signed), `strata serve
--trusted-root` with their test root, then in Debian's Chromium
(bench/browser/signatures.mjs): the time from opening a link to the
signature verdict, by key and keyless; the 10,000-package SBOM table opened
and filtered; and `strata verify` on the command line, both ways."""
import base64, json, os, statistics, subprocess, sys, tempfile, time, urllib.parse

from bench_common import RUNS, ROOT, STRATA, fmt, start_serve, stop


def link_key(pem):
    """The `?key=` form of a PEM public key: URL-safe base64 of its DER."""
    body = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    return base64.urlsafe_b64encode(base64.b64decode(body)).decode().rstrip("=")


def signature_rows(host, dist, signed_dir, signed_ref, identity, issuer):
    """Returns the section's rows, or [] when playwright-core is missing."""
    rows = []
    root = os.path.join(signed_dir, "trusted_root.json")
    key = os.path.join(signed_dir, "signer.pub")
    for name, args in (("key", ["--key", key]),
                       ("keyless", ["--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--trusted-root", root])):
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run([STRATA, "verify", "--insecure-registry", host, *args, signed_ref], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        rows.append((f"strata verify, by {name}", fmt(statistics.median(times)),
                     "process start → exit 0: the image, its referrers and cosign tags fetched from the registry, every layer checked", "report"))
    script = os.path.join(ROOT, "bench/browser/signatures.mjs")
    if not os.path.isdir(os.path.join(ROOT, "bench/browser/node_modules/playwright-core")):
        print("bench: skipping signature browser rows (run scripts/bench.sh to install playwright-core)", file=sys.stderr)
        return rows
    with tempfile.TemporaryDirectory() as d:
        proc, url = start_serve(d, host, dist, serve_args=["--trusted-root", root])
        try:
            pem = open(key).read()
            arg = json.dumps({"runs": RUNS, "url": url, "ref": signed_ref,
                              "keyQuery": f"?key={link_key(pem)}",
                              "identityQuery": "?" + urllib.parse.urlencode({"identity": identity, "issuer": issuer})})
            out = subprocess.run(["node", script, arg], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"bench: the signature benchmark failed:\n{out.stdout}\n{out.stderr}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            stop(proc)
    for name, label in (("keyed", "by key (?key=)"), ("keyless", "keyless (?identity=&issuer=)")):
        rows.append((f"browser: open a link → signature verdict, {label}", fmt(statistics.median(r[name]["ms"]) / 1000),
                     f"navigation → \"verified in this browser\", fresh profile; of which finding and checking {statistics.median(r[name]['discovery']):.0f} ms "
                     f"({max(r[name]['findings'])} layers of referrers and cosign tags read and checked, a 3 MB SBOM among them)", "report"))
    rows.append(("browser: open the 10,000-package SBOM table", f"{statistics.median(r['sbomOpen']):.0f} ms",
                 f"click → count and rows shown (the table is built with the panel); {max(r['rowsInDom'])} rows in the page (virtualised)", "report"))
    rows.append(("browser: filter the 10,000-package SBOM table", f"{statistics.median(r['sbomFilter']):.0f} ms",
                 "input → \"10 of 10000 packages\" (filtered in wasm over name, version, license and purl)", "report"))
    return rows
