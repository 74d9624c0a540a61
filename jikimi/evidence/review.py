"""Look at preserved evidence (audited) and put it under legal hold or release it.

`show_capture` re-hashes every part it reads, so an operator sees at once whether what is stored
still matches the record. A hold applies to the record and the parts it names: media bytes are
shared by every capture of the same media, so releasing one capture's hold releases them too
(holds are per object in S3); the audit log keeps who did what.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jikimi.evidence.capture import CAPTURE_PREFIX, sha256_hex
from kernel.errors import StoreError
from search.evidence.audited import AuditedEvidence


def read_record(evidence: AuditedEvidence, key: str) -> dict[str, Any]:
    if not key.startswith(CAPTURE_PREFIX):
        raise StoreError(f"{key!r} is not a capture record key ({CAPTURE_PREFIX}<sha256>.json)")
    body = evidence.read(key)
    if f"{CAPTURE_PREFIX}{sha256_hex(body)}.json" != key:
        raise StoreError(f"capture record {key!r} does not hash to its key: altered")
    record: dict[str, Any] = json.loads(body)
    return record


def _part_keys(record: dict[str, Any]) -> list[str]:
    return [str(record[name]["key"]) for name in ("media", "page") if "key" in record[name]]


def show_capture(
    evidence: AuditedEvidence, key: str, out_dir: Path | None = None,
) -> dict[str, Any]:
    """The record, each part's verification and lock status; parts written to `out_dir`."""
    record = read_record(evidence, key)
    checks = []
    for name in ("media", "page"):
        part = record[name]
        if "key" not in part:
            continue
        data = evidence.read(part["key"])
        checks.append({"part": name, "key": part["key"], "sha256_ok":
                       sha256_hex(data) == part["sha256"], "bytes": len(data)})
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / part["key"].replace("/", "_")).write_bytes(data)
    locks = {}
    for object_key in [key, *_part_keys(record)]:
        status = evidence.status(object_key)
        locks[object_key] = {
            "mode": status.mode, "legal_hold": status.legal_hold,
            "retain_until": status.retain_until.isoformat() if status.retain_until else None,
        }
    return {"key": key, "record": record, "verified": checks, "locks": locks}


def hold_capture(evidence: AuditedEvidence, key: str, on: bool) -> list[str]:
    """Set (or release) the legal hold on a capture record and its parts; the keys touched."""
    keys = [key, *_part_keys(read_record(evidence, key))]
    for object_key in keys:
        evidence.set_legal_hold(object_key, on)
    return keys
