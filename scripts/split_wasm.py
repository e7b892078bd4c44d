#!/usr/bin/env python3
"""Trunk's post_build hook: split the dashboard's wasm at its lazy routes.

The pages behind `/pull`, `/search` and `/i/…` are `#[lazy]` functions
(frontend/src/lib.rs). Their code only leaves the first download once
`wasm-split-cli` cuts the module at those points, which has to happen on
cargo's raw output (it needs the linker's relocations, `--emit-relocs` in
.cargo/config.toml) and before wasm-bindgen. Trunk 0.21 has no step there,
so this hook redoes the last part of Trunk's Rust pipeline:

1. `wasm-split-cli` turns target/…/frontend.wasm into a main module, one
   module per lazy route (plus chunks they share), and `__wasm_split.js`,
   which fetches a route's modules the first time it is opened;
2. every split module (routes and chunks) is rewritten by binaryen's
   `wasm-opt` with no optimisation pass: it keeps only the types a module
   uses and re-encodes the linker's padded LEB128 indices, so the image
   page's modules are ~13% smaller gzipped. The main module is left alone:
   binaryen 108 breaks wasm-bindgen's externref table (index.html);
3. the chunks are grouped into packs (`pack_chunks`): wasm-split makes one
   chunk per set of routes that share code, over a hundred, most under
   2 kB, and each file costs its own type section and a gzip stream
   started cold. A pack is the chunks' bytes end to end in one file; the
   loader fetches it once and instantiates each chunk from its slice;
4. `wasm-bindgen --target web` runs on the main module, as Trunk would;
5. every output file gets a content-hashed name (`strata serve` caches
   `name-<16 hex>` files forever), replaces Trunk's unsplit JS and wasm in
   the staging directory, and `index.html` gets the new names and
   integrity hashes.

Run by Trunk (see Trunk.toml); it reads TRUNK_STAGING_DIR and TRUNK_PROFILE.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CRATE = "frontend"
# index.html selects this cargo profile for release builds
# (data-cargo-profile-release); debug builds use cargo's `debug` directory.
RELEASE_PROFILE = "wasm-release"


def fail(message: str) -> None:
    print(f"split_wasm: {message}", file=sys.stderr)
    sys.exit(1)


def short_hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()[:16]


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def run(*args: str) -> None:
    try:
        subprocess.run(args, check=True)
    except FileNotFoundError:
        fail(f"`{args[0]}` is not installed; run scripts/setup.sh")
    except subprocess.CalledProcessError as e:
        fail(f"`{' '.join(args)}` failed with status {e.returncode}")


# The features rustc enables for wasm32-unknown-unknown; wasm-opt refuses a
# module that uses one it was not told about.
WASM_FEATURES = (
    "--enable-bulk-memory", "--enable-reference-types", "--enable-mutable-globals",
    "--enable-sign-ext", "--enable-nontrapping-float-to-int", "--enable-multivalue",
)


def rewrite(module: Path) -> None:
    """Binaryen's plain rewrite of a split module: no optimisation pass, no
    debug names, no producers section (step 2 of the docstring)."""
    args = ["wasm-opt", *WASM_FEATURES, "--strip-debug", "--strip-producers", str(module), "-o", str(module)]
    try:
        # Its stderr is one warning per module about the linker's name subsections.
        out = subprocess.run(args, capture_output=True, text=True)
    except FileNotFoundError:
        fail("`wasm-opt` is not installed; run scripts/setup.sh")
    if out.returncode != 0:
        fail(f"`{' '.join(args)}` failed with status {out.returncode}:\n{out.stderr}")


# How much a route's bytes count when choosing packs: a shared image link
# (`image_page`) is the front door, `/` (`images_page`) the next. Others: 1.
ROUTE_WEIGHT = {"image_page": 4, "images_page": 2}
# Routes only ever fetched after another one: what they share with it is
# already there (the image page's Pull/Remove, raw JSON and Verify panels,
# and the verification jobs its Verify panel starts).
FETCHED_AFTER = {
    "image_buttons": "image_page",
    "raw_panels": "image_page",
    "verify_panel": "image_page",
    "verify_job": "image_page",
}
# Gzipped bytes a chunk costs as a file of its own beyond its content (its
# type and import sections, the gzip stream's cold start): 21 kB over the
# image page's 84 chunks, measured.
FILE_COST = 250


def pack_chunks(gz: dict[str, int], users: dict[str, frozenset[str]]) -> list[list[str]]:
    """Groups chunks into packs, one file each.

    `gz` is each chunk's gzipped size, `users` the routes that load it.
    Greedy: starting from one pack per chunk, merges the two packs whose
    merge most lowers the weighted bytes the routes fetch (a route fetches
    every pack holding a chunk it needs, so a merge makes the routes of one
    side fetch the other side too, and saves a file's cost), until no merge
    lowers it. Deterministic: ties go to the lowest chunk numbers.
    """

    def cost(routes: frozenset[str], size: int) -> int:
        paying = [r for r in routes if FETCHED_AFTER.get(r) not in routes]
        return size * sum(ROUTE_WEIGHT.get(r, 1) for r in paying)

    packs = [([name], gz[name], users[name]) for name in gz]
    while True:
        best = None
        for i, (_, a, ra) in enumerate(packs):
            for j in range(i + 1, len(packs)):
                _, b, rb = packs[j]
                merged = a + b - min(FILE_COST, a // 2, b // 2)
                delta = cost(ra | rb, merged) - cost(ra, a) - cost(rb, b)
                if delta < 0 and (best is None or delta < best[0]):
                    best = (delta, i, j, merged)
        if best is None:
            return [members for members, _, _ in packs]
        _, i, j, merged = best
        members = packs[i][0] + packs[j][0]
        packs[i] = (members, merged, packs[i][2] | packs[j][2])
        del packs[j]


# A chunk as wasm-split-cli 0.2.4 writes it in __wasm_split.js: the routes
# that load it, its name and its file.
CHUNK = re.compile(
    r'/\* ([^*]*) \*/\nconst (__chunk_\d+) = makeLoad\(\(\) => \{\n'
    r'    const src = fetch\(new URL\("\./([^"]+)", import\.meta\.url\)\);\n'
    r'    src\.catch\(\(\) => \{\}\);\n'
    r'    return async \(imports\) => \(WebAssembly\.instantiateStreaming\(src, imports\)\);\n'
    r'\}\n, \[\]\);\n'
)

# Fetches a pack once (a failed fetch is retried by the next load, as
# makeLoad does) and gives its bytes.
PACK_FETCH = """function makePack(url) {
    let loading = undefined;
    return () => {
        if (loading === undefined) {
            const thisLoad = fetch(url).then(r => {
                if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
                return r.arrayBuffer();
            });
            thisLoad.catch(() => {
                if (loading === thisLoad) loading = undefined;
            });
            loading = thisLoad;
        }
        return loading;
    };
}
function packedChunk(pack, start, end) {
    return makeLoad(() => {
        const src = pack();
        src.catch(() => {});
        return async (imports) => WebAssembly.instantiate(new Uint8Array(await src, start, end - start), imports);
    }, []);
}
"""


def pack_loader(loader: str, tmp: Path) -> tuple[str, list[tuple[str, bytes]]]:
    """Step 3: writes the chunks into packs (`pack_chunks`) and makes the
    loader take each chunk from its pack. Returns the loader and the files
    to write (a chunk alone in its pack stays a .wasm file of its own)."""
    import gzip

    found = CHUNK.findall(loader)
    files = sorted(p.name for p in tmp.glob("chunk_*.wasm"))
    if sorted(f for _, _, f in found) != files:
        fail("__wasm_split.js does not list the chunks as wasm-split-cli 0.2.4 does; update CHUNK")
    data = {name: (tmp / f).read_bytes() for _, name, f in found}
    users = {name: frozenset(routes.split(", ")) for routes, name, _ in found}
    gz = {name: len(gzip.compress(data[name], 9)) for name in data}
    number = lambda name: int(name.rsplit("_", 1)[1])
    out = []
    packs = []
    for members in pack_chunks(dict(sorted(gz.items(), key=lambda kv: number(kv[0]))), users):
        members.sort(key=number)
        if len(members) == 1:
            (name,) = members
            file = f"{name.lstrip('_')}-{short_hash(data[name])}.wasm"
            loader = loader.replace(f'"./{name.lstrip("_")}.wasm"', f'"./{file}"')
            out.append((file, data[name]))
            continue
        blob = b"".join(data[m] for m in members)
        var = f"__pack_{len(packs)}"
        file = f"pack_{len(packs)}-{short_hash(blob)}.bin"
        packs.append(f'const {var} = makePack(new URL("./{file}", import.meta.url));\n')
        out.append((file, blob))
        offset = 0
        for m in members:
            end = offset + len(data[m])
            block = next(b for b in CHUNK.finditer(loader) if b.group(2) == m)
            loader = loader.replace(
                block.group(0), f"/* {block.group(1)} */\nconst {m} = packedChunk({var}, {offset}, {end});\n"
            )
            offset = end
    first_chunk = loader.index("/* ", loader.index("function makeLoad"))
    loader = loader[:first_chunk] + PACK_FETCH + "".join(packs) + loader[first_chunk:]
    return loader, out


def main() -> None:
    staging = Path(os.environ.get("TRUNK_STAGING_DIR", ""))
    if not staging.is_dir():
        fail("TRUNK_STAGING_DIR is not set; this script runs as Trunk's post_build hook")
    profile = RELEASE_PROFILE if os.environ.get("TRUNK_PROFILE") == "release" else "debug"
    metadata = json.loads(
        subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps"])
    )
    raw = Path(metadata["target_directory"]) / "wasm32-unknown-unknown" / profile / f"{CRATE}.wasm"
    if not raw.is_file():
        fail(f"{raw} is missing; Trunk's cargo build should have written it")

    trunk_js = [p for p in staging.glob(f"{CRATE}-*.js")]
    if len(trunk_js) != 1:
        fail(f"expected one {CRATE}-<hash>.js in {staging}, found {len(trunk_js)}")
    old_stem = trunk_js[0].stem

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        run("wasm-split-cli", str(raw), str(tmp), "--out-name", CRATE)
        for module in tmp.glob("*.wasm"):
            if module.name != f"{CRATE}.wasm":
                rewrite(module)
        bindgen = tmp / "bindgen"
        run(
            "wasm-bindgen", "--target", "web", "--no-typescript", "--keep-lld-exports",
            "--out-dir", str(bindgen), "--out-name", CRATE, str(tmp / f"{CRATE}.wasm"),
        )
        main_wasm = (bindgen / f"{CRATE}_bg.wasm").read_bytes()
        main_js = (bindgen / f"{CRATE}.js").read_text()
        loader = (tmp / "__wasm_split.js").read_text()

        # The chunks, in packs (step 3), and the routes' modules, named by
        # their content; the loader fetches them.
        loader, renamed = pack_loader(loader, tmp)
        routes = sorted(p for p in tmp.glob("split_*.wasm"))
        for route in routes:
            data = route.read_bytes()
            name = f"{route.stem}-{short_hash(data)}.wasm"
            loader = loader.replace(f'"./{route.name}"', f'"./{name}"')
            renamed.append((name, data))

        # The main module's name covers everything it loads.
        stem = f"{CRATE}-{short_hash(main_wasm, main_js.encode(), loader.encode())}"
        loader = loader.replace(f'"./{CRATE}.js"', f'"./{stem}.js"')
        loader_name = f"__wasm_split-{short_hash(loader.encode())}.js"
        main_js = main_js.replace('from "./__wasm_split.js"', f'from "./{loader_name}"')
        main_js = main_js.replace(f"'{CRATE}_bg.wasm'", f"'{stem}_bg.wasm'")

        (staging / f"{old_stem}.js").unlink()
        (staging / f"{old_stem}_bg.wasm").unlink()
        (staging / f"{stem}.js").write_text(main_js)
        (staging / f"{stem}_bg.wasm").write_bytes(main_wasm)
        (staging / loader_name).write_text(loader)
        for name, data in renamed:
            (staging / name).write_bytes(data)
        if (bindgen / "snippets").is_dir():
            shutil.copytree(bindgen / "snippets", staging / "snippets", dirs_exist_ok=True)

    html_path = staging / "index.html"
    html = html_path.read_text().replace(old_stem, stem)
    # The main module imports the loader: preload it beside the main module
    # instead of discovering it a round trip later. After the main module's
    # link: the verification workers take the first modulepreload as the
    # module to run (frontend/src/verify/pool.rs).
    public_url = os.environ.get("TRUNK_PUBLIC_URL", "/")
    main_preload = re.search(r'<link rel="modulepreload" href="[^"]*/' + re.escape(f"{stem}.js") + r'"[^>]*>', html)
    if main_preload:
        loader_preload = (
            f'<link rel="modulepreload" href="{public_url}{loader_name}" crossorigin="anonymous" '
            f'integrity="{sri((staging / loader_name).read_bytes())}">'
        )
        html = html.replace(main_preload.group(0), main_preload.group(0) + loader_preload)
    for name in (f"{stem}.js", f"{stem}_bg.wasm"):
        digest = sri((staging / name).read_bytes())
        html = re.sub(
            r'(<link[^>]*href="[^"]*/' + re.escape(name) + r'"[^>]*integrity=")[^"]*(")',
            lambda m: m.group(1) + digest + m.group(2),
            html,
        )
    html_path.write_text(html)

    sizes = ", ".join(f"{n} {len(d) // 1024} KiB" for n, d in renamed)
    print(f"split_wasm: {stem}_bg.wasm {len(main_wasm) // 1024} KiB; lazy: {sizes}")


if __name__ == "__main__":
    main()
