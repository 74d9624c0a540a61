"""The evidence locker port: write-once objects with retention and legal hold.

Kept apart from `BlobStore` because evidence needs what raw media must not have: immutability,
a retention date, a legal hold, encryption choices, and deletes that may be refused. Adapters:
`S3EvidenceLocker` (Object Lock, enforced by the server) and `LocalEvidenceLocker` (a folder:
write-once and holds enforced only by jikimi itself, `immutable = False`). `jikimi.registry`
picks one from `evidence.uri`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class LockStatus:
    """How an evidence object is protected now."""

    mode: str | None  # "COMPLIANCE" when the server enforces retention, None without a lock
    retain_until: datetime | None
    legal_hold: bool
    version_id: str | None = None


@runtime_checkable
class EvidenceLocker(Protocol):
    uri: str
    immutable: bool  # True when the backend itself refuses deletes and overwrites until expiry

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store write-once; storing the same bytes again is a no-op."""

    def get(self, key: str) -> bytes:
        """Raise `kernel.errors.NotFound` when absent."""

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def status(self, key: str) -> LockStatus: ...

    def set_legal_hold(self, key: str, on: bool) -> None: ...

    def extend_retention(self, key: str, until: datetime) -> None:
        """Move the retention date later; raise `StoreError` if it would move earlier."""

    def delete(self, key: str) -> None:
        """Remove for good; raise `StoreError` while retention or a legal hold protects it."""
