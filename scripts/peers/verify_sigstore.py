#!/usr/bin/env python3
"""Verifies strata's test Sigstore bundles with sigstore-python, offline.

Usage: verify_sigstore.py CASES_JSON

Reads the cases whose "peer" is "sigstore" (written by
test-support's signing fixtures), loads the test trusted root next to
them, and for each case verifies its bundle with sigstore-python's own
Verifier and Identity policy: `verify_artifact` for message signatures,
`verify_dsse` for DSSE envelopes. Prints one JSON line per case:
{"name": ..., "ok": true|false, "error": "..."}.
Nothing here goes to the network: the trusted root is a local file.
"""

import json
import sys
from pathlib import Path

from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier
from sigstore.verify.policy import Identity


def main() -> int:
    cases_path = Path(sys.argv[1])
    base = cases_path.parent
    cases = [c for c in json.loads(cases_path.read_text()) if c["peer"] == "sigstore"]
    trusted_root = TrustedRoot.from_file(str(base / "trusted_root.json"))
    verifier = Verifier(trusted_root=trusted_root)
    for case in cases:
        result = {"name": case["name"], "ok": False, "error": None}
        try:
            bundle = Bundle.from_json((base / case["bundle"]).read_bytes())
            policy = Identity(identity=case["identity"], issuer=case["issuer"])
            if case["mode"] == "artifact":
                artifact = (base / case["artifact"]).read_bytes()
                verifier.verify_artifact(artifact, bundle, policy)
            else:
                payload_type, _payload = verifier.verify_dsse(bundle, policy)
                if payload_type != "application/vnd.in-toto+json":
                    raise ValueError(f"unexpected payload type {payload_type}")
            result["ok"] = True
        except Exception as exc:  # noqa: BLE001 - every failure is a rejection
            result["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
