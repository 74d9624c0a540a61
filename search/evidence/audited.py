"""Every evidence read and write goes through here, so none escapes the audit log.

An audit event (`kernel.records.AuditEvent`) names the actor, the action and the evidence key and
carries the SHA-256 and size of what was read or written, never content. Reads get a request id
so two reads by one operator in the same second are two events. A failed read is recorded too:
an attempt to see evidence is itself worth knowing about.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from kernel.errors import ConfigError, JikimiError
from kernel.ports import EvidenceLocker, HitStore, LockStatus
from kernel.records import AuditEvent


class AuditedEvidence:
    def __init__(self, locker: EvidenceLocker, store: HitStore, actor: str,
                 note: str | None = None) -> None:
        if not actor or not actor.strip():
            raise ConfigError("evidence access needs an operator (or rule) name for the audit log")
        self.locker = locker
        self.store = store
        self.actor = actor.strip()
        self.note = note.strip() if note and note.strip() else None

    def audit(self, action: str, subject: str, **detail: Any) -> None:
        noted = {"note": self.note} if self.note else {}
        self.store.record_audit(AuditEvent(action=action, actor=self.actor, subject=subject,
                                           detail={"locker": self.locker.uri, **noted, **detail}))

    def write(self, key: str, data: bytes, content_type: str, **detail: Any) -> None:
        existed = self.locker.exists(key)
        self.locker.put(key, data, content_type)
        self.audit("evidence.write", key, sha256=hashlib.sha256(data).hexdigest(),
                   bytes=len(data), already_stored=existed, **detail)

    def read(self, key: str) -> bytes:
        request = uuid.uuid4().hex
        try:
            data = self.locker.get(key)
        except JikimiError as exc:
            self.audit("evidence.read", key, request=request, ok=False, error=str(exc))
            raise
        self.audit("evidence.read", key, request=request, ok=True,
                   sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        return data

    def status(self, key: str) -> LockStatus:
        return self.locker.status(key)

    def set_legal_hold(self, key: str, on: bool) -> None:
        self.locker.set_legal_hold(key, on)
        self.audit("evidence.hold" if on else "evidence.release", key)
