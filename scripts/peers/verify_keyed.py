#!/usr/bin/env python3
"""Checks strata's keyed test signatures with Python's `cryptography`.

Usage: verify_keyed.py CASES_JSON

For each case whose "peer" is "keyed" (written by test-support's signing
fixtures): verifies an ECDSA P-256/SHA-256 or Ed25519 signature over a
message file (cosign simple-signing payloads, image manifests) or over
the DSSE pre-authentication encoding of an envelope, with a public key
PEM or the key of a certificate issued by the test CA (whose signature
is checked too). Optionally checks that the payload names the expected
image digest, and that a Rekor entry (cosign's bundle annotation) has a
valid signed entry timestamp and a body matching the signature.
Prints one JSON line per case: {"name": ..., "ok": ..., "error": ...}.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def verify(key, signature: bytes, message: bytes) -> None:
    if isinstance(key, ed25519.Ed25519PublicKey):
        key.verify(signature, message)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    else:
        raise TypeError(f"unsupported key {key!r}")


def check_case(base: Path, case: dict) -> None:
    if "certificate" in case:
        cert = x509.load_pem_x509_certificate((base / case["certificate"]).read_bytes())
        ca = x509.load_pem_x509_certificate((base / case["ca"]).read_bytes())
        cert.verify_directly_issued_by(ca)
        key = cert.public_key()
        if "identity" in case:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            if case["identity"] not in san.get_values_for_type(x509.RFC822Name):
                raise ValueError(f"certificate is not for {case['identity']}")
    else:
        key = serialization.load_pem_public_key((base / case["key"]).read_bytes())

    if "envelope" in case:
        envelope = json.loads((base / case["envelope"]).read_text())
        payload = base64.b64decode(envelope["payload"])
        signature = base64.b64decode(envelope["signatures"][0]["sig"])
        verify(key, signature, pae(envelope["payloadType"], payload))
        if "expect_digest" in case:
            statement = json.loads(payload)
            digests = ["sha256:" + s["digest"]["sha256"] for s in statement["subject"]]
            if case["expect_digest"] not in digests:
                raise ValueError(f"statement subjects {digests}, not {case['expect_digest']}")
        return

    message = (base / case["message"]).read_bytes()
    signature = base64.b64decode(case["signature"])
    verify(key, signature, message)
    if "expect_digest" in case:
        payload = json.loads(message)
        named = payload["critical"]["image"]["docker-manifest-digest"]
        if named != case["expect_digest"]:
            raise ValueError(f"payload names {named}, not {case['expect_digest']}")
    entry = case.get("rekor_entry")
    if entry:
        rekor = serialization.load_pem_public_key((base / "keys/rekor.pem").read_bytes())
        canonical = json.dumps(entry["Payload"], sort_keys=True, separators=(",", ":"))
        try:
            verify(rekor, base64.b64decode(entry["SignedEntryTimestamp"]), canonical.encode())
        except InvalidSignature as exc:
            raise ValueError("invalid signed entry timestamp") from exc
        body = json.loads(base64.b64decode(entry["Payload"]["body"]))
        spec = body["spec"]
        if spec["data"]["hash"]["value"] != hashlib.sha256(message).hexdigest():
            raise ValueError("log entry hash does not match the message")
        if base64.b64decode(spec["signature"]["content"]) != signature:
            raise ValueError("log entry signature does not match")


def main() -> int:
    cases_path = Path(sys.argv[1])
    base = cases_path.parent
    for case in json.loads(cases_path.read_text()):
        if case["peer"] != "keyed":
            continue
        result = {"name": case["name"], "ok": False, "error": None}
        try:
            check_case(base, case)
            result["ok"] = True
        except Exception as exc:  # noqa: BLE001 - every failure is a rejection
            result["error"] = f"{type(exc).__name__}: {exc!r}"
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
