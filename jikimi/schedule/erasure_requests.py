"""Erasure requests: a person asks to be forgotten; the nightly housekeeping carries it out.

Whoever receives the request (an operator, a support form) may not hold the store: they file it
with :func:`request_erasure`, which only writes a small JSON object (person id, when, by whom —
no name, no contact) under `erasure-requests/` in the blob store, the one storage every worker
shares (a folder on one machine, S3 at scale). :func:`process_erasure_requests` erases each
person with :func:`jikimi.erasure.forget_person`, writes an audit event and only then deletes the
request, so a crash in between erases again on the next run (erasing is idempotent: a person
already gone counts as done). A malformed request is reported and kept for an operator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jikimi.erasure import erased_subject, forget_person
from kernel.errors import ConfigError, JikimiError, NotFound
from kernel.ports import BlobStore, Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import Settings

REQUEST_PREFIX = "erasure-requests/"
ACTOR = "housekeeping"
_PERSON_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass
class ErasureReport:
    erased: list[str] = field(default_factory=list)  # person ids erased in this run
    already_gone: list[str] = field(default_factory=list)  # requests for unknown person ids
    removed: dict[str, int] = field(default_factory=dict)  # counts summed over all persons
    errors: list[str] = field(default_factory=list)


def request_key(person_id: str) -> str:
    if not _PERSON_ID.fullmatch(person_id):
        raise ConfigError(f"invalid person id: {person_id[:40]!r}")
    return f"{REQUEST_PREFIX}{person_id}.json"


def request_erasure(blobs: BlobStore, person_id: str, requested_by: str) -> str:
    """File a request to erase `person_id`; return its key. Filing twice keeps the first."""
    key = request_key(person_id)
    if not blobs.exists(key):
        body = {"person_id": person_id, "requested_at": utcnow().isoformat(),
                "requested_by": requested_by}
        blobs.put(key, json.dumps(body).encode())
    return key


def pending_requests(blobs: BlobStore) -> list[str]:
    """Keys of the requests not yet carried out, sorted."""
    return sorted(k for k in blobs.keys(REQUEST_PREFIX) if k.endswith(".json"))


def process_erasure_requests(store: Store, blobs: BlobStore, settings: Settings) -> ErasureReport:
    """Carry out every pending request; one bad request never stops the others."""
    report = ErasureReport()
    for key in pending_requests(blobs):
        try:
            request = _read_request(blobs, key)
            _erase(store, settings, request, report)
        except JikimiError as exc:
            report.errors.append(f"{key}: {exc}")
            continue
        blobs.delete(key)
    return report


def _read_request(blobs: BlobStore, key: str) -> dict[str, Any]:
    try:
        request = json.loads(blobs.get(key))
    except ValueError:
        raise ConfigError("not a JSON erasure request") from None
    person_id = request.get("person_id") if isinstance(request, dict) else None
    if not isinstance(person_id, str) or request_key(person_id) != key:
        raise ConfigError("the request's person_id does not match its key")
    return request


def _erase(
    store: Store, settings: Settings, request: dict[str, Any], report: ErasureReport
) -> None:
    person_id = request["person_id"]
    try:
        counts = forget_person(store, settings, person_id, ACTOR)
    except NotFound:
        report.already_gone.append(person_id)
        counts = {}
    else:
        report.erased.append(person_id)
        for name, count in counts.items():
            report.removed[name] = report.removed.get(name, 0) + count
    detail = {"requested_at": request.get("requested_at"),
              "requested_by": request.get("requested_by"), "removed": counts}
    # under the keyed hash forget_person uses: the log keeps no id of hers
    store.record_audit(AuditEvent(action="person.forget", actor=ACTOR,
                                  subject=erased_subject(settings, person_id),
                                  detail=detail))
