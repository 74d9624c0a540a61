"""Evidence in a local folder: the embedded default. NOT tamper-proof; use S3 for real cases.

A folder has no Object Lock: anyone with access to the machine can change or delete the files,
so `immutable` is False and status reports no lock mode. jikimi itself still treats the folder
as write-once (content-addressed keys; different bytes under an existing key are refused) and
refuses deletes while a legal hold is set. Holds are marker blobs under `legal-hold/`. Captures
remain verifiable: the capture record names the SHA-256 of every part.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from kernel.errors import NotFound, StoreError
from kernel.ports import BlobStore, LockStatus

HOLD_PREFIX = "legal-hold/"


class LocalEvidenceLocker:
    immutable = False

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs
        self.uri = blobs.uri

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._refuse_hold_key(key)
        if self.blobs.exists(key):
            if self.blobs.get(key) != bytes(data):
                raise StoreError(f"evidence {key!r} exists with other content (write-once)")
            return
        self.blobs.put(key, data)

    def get(self, key: str) -> bytes:
        self._refuse_hold_key(key)
        return self.blobs.get(key)

    def _require(self, key: str) -> None:
        """NotFound when the evidence is absent, without reading it (it may be a video)."""
        self._refuse_hold_key(key)
        if not self.blobs.exists(key):
            raise NotFound(f"no evidence under {key}")

    def exists(self, key: str) -> bool:
        return not key.startswith(HOLD_PREFIX) and self.blobs.exists(key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return (k for k in self.blobs.keys(prefix) if not k.startswith(HOLD_PREFIX))

    def status(self, key: str) -> LockStatus:
        self._require(key)
        return LockStatus(mode=None, retain_until=None,
                          legal_hold=self.blobs.exists(HOLD_PREFIX + key))

    def set_legal_hold(self, key: str, on: bool) -> None:
        self._require(key)
        if on:
            self.blobs.put(HOLD_PREFIX + key, b"on")
        else:
            self.blobs.delete(HOLD_PREFIX + key)

    def extend_retention(self, key: str, until: datetime) -> None:
        raise StoreError(f"{self.uri} is a local folder: it has no retention lock (use S3)")

    def delete(self, key: str) -> None:
        self._refuse_hold_key(key)
        if self.blobs.exists(HOLD_PREFIX + key):
            raise StoreError(f"evidence {key!r} is under legal hold; release it first")
        self.blobs.delete(key)

    @staticmethod
    def _refuse_hold_key(key: str) -> None:
        if key.startswith(HOLD_PREFIX):
            raise StoreError(f"invalid evidence key {key!r}: {HOLD_PREFIX} is reserved")

    def __repr__(self) -> str:
        return f"LocalEvidenceLocker({self.uri!r})"
