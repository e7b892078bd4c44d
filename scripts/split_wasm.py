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
2. `wasm-bindgen --target web` runs on the main module, as Trunk would;
3. every output file gets a content-hashed name (`strata serve` caches
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
        bindgen = tmp / "bindgen"
        run(
            "wasm-bindgen", "--target", "web", "--no-typescript", "--keep-lld-exports",
            "--out-dir", str(bindgen), "--out-name", CRATE, str(tmp / f"{CRATE}.wasm"),
        )
        main_wasm = (bindgen / f"{CRATE}_bg.wasm").read_bytes()
        main_js = (bindgen / f"{CRATE}.js").read_text()
        loader = (tmp / "__wasm_split.js").read_text()

        # The split modules, named by their content; the loader fetches them.
        chunks = sorted(p for p in tmp.glob("*.wasm") if p.name != f"{CRATE}.wasm")
        renamed = []
        for chunk in chunks:
            data = chunk.read_bytes()
            name = f"{chunk.stem}-{short_hash(data)}.wasm"
            loader = loader.replace(f'"./{chunk.name}"', f'"./{name}"')
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
