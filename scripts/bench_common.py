"""What the bench's sections share: where the release builds are, how many
runs, timing a command, and starting `strata serve`."""
import os, re, socket, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where cargo put the release builds (CARGO_TARGET_DIR, as cargo reads it).
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
STRATA = os.path.join(TARGET, "release/strata")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clock(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def start_serve(store, registry_host, dist, store_args=(), env=None, serve_args=()):
    """`strata serve` on a free loopback port; `store_args` and `env` say
    where the store lives when not all in the `store` folder (a replica's
    --database and --blob-store, see replica_store)."""
    port = free_port()
    env = dict(os.environ, STRATA_LOG="warn", **(env or {}))
    proc = subprocess.Popen([STRATA, "--store", store, *store_args, "serve", "--listen", f"127.0.0.1:{port}",
                             "--dist", dist, "--insecure-registry", registry_host, *serve_args],
                            env=env, stdout=subprocess.PIPE, text=True)
    if not proc.stdout.readline():
        sys.exit(f"bench: strata serve {' '.join(store_args)} did not start")
    return proc, f"http://127.0.0.1:{port}"


def stop(proc):
    proc.terminate(); proc.wait()


def fmt(x, unit="s"):
    return f"{x:.2f} {unit}" if unit == "s" else f"{x:,.0f} {unit}"


def wrk_latency(url):
    """wrk for 10 s (2 threads, 8 connections) on `url`: p50 and p99 as wrk
    prints them, and requests/s."""
    out = subprocess.run(["wrk", "-t2", "-c8", "-d10s", "--latency", url], capture_output=True, text=True, check=True).stdout
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)
    rps = re.search(r"Requests/sec:\s+(\S+)", out).group(1)
    return p50, p99, rps
