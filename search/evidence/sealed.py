"""Envelope encryption of evidence: each object under its own data key, wrapped by the template key.

The locker underneath (a folder, or S3 with Object Lock) only ever holds ciphertext, so a copy of
the evidence folder, or a read of the bucket that bypasses `AuditedEvidence`, yields nothing
readable. Each object gets a fresh Fernet data key; the key, wrapped (encrypted) by the
template cipher, is kept in a separate, deletable blob store (`evidence.data_keys_uri`). That
separation is what makes erasure possible on an Object Lock bucket: the bytes cannot be deleted
before their retention ends, but deleting their wrapped data key ("crypto-shredding") leaves
them unreadable for good. Rotation of the template key re-wraps the small data keys only.

Stored objects start with `MAGIC`; an object without it predates encryption and is returned as
is, while one with it whose data key is gone was shredded and reads as an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from cryptography.fernet import Fernet, InvalidToken

from kernel.errors import NotFound, StoreError
from kernel.ports import BlobStore, EvidenceLocker, LockStatus
from search.crypto import TemplateCipher

MAGIC = b"JIKIMI-SEALED-1\n"
KEY_SUFFIX = ".dkey"


class SealedEvidenceLocker:
    def __init__(self, locker: EvidenceLocker, data_keys: BlobStore,
                 cipher: TemplateCipher) -> None:
        self.inner, self.data_keys, self._cipher = locker, data_keys, cipher
        self.uri = locker.uri
        self.immutable = locker.immutable

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if self.inner.exists(key):
            if self.inner.immutable:
                return  # content-addressed and locked: the same key holds the same bytes
            if self.get(key) != bytes(data):
                raise StoreError(f"evidence {key!r} exists with other content (write-once)")
            return
        # the wrapped key first: sealed bytes are never stored without the key that opens them;
        # one left by an interrupted or concurrent put is reused, so both writers agree on it
        try:
            data_key = self._cipher.unwrap_key(self.data_keys.get(key + KEY_SUFFIX))
        except (NotFound, StoreError):
            data_key = Fernet.generate_key()
            self.data_keys.put(key + KEY_SUFFIX, self._cipher.wrap_key(data_key))
        self.inner.put(key, MAGIC + Fernet(data_key).encrypt(bytes(data)), content_type)

    def get(self, key: str) -> bytes:
        stored = self.inner.get(key)
        if not stored.startswith(MAGIC):
            return stored  # written before evidence was encrypted
        try:
            wrapped = self.data_keys.get(key + KEY_SUFFIX)
        except NotFound:
            raise StoreError(f"evidence {key!r} was erased (its data key is shredded)") from None
        try:
            return Fernet(self._cipher.unwrap_key(wrapped)).decrypt(stored[len(MAGIC):])
        except InvalidToken:
            raise StoreError(f"evidence {key!r} does not decrypt with its data key") from None

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return self.inner.keys(prefix)

    def status(self, key: str) -> LockStatus:
        return self.inner.status(key)

    def set_legal_hold(self, key: str, on: bool) -> None:
        self.inner.set_legal_hold(key, on)

    def extend_retention(self, key: str, until: datetime) -> None:
        self.inner.extend_retention(key, until)

    def delete(self, key: str) -> None:
        self.inner.delete(key)
        self.data_keys.delete(key + KEY_SUFFIX)

    def shred(self, key: str) -> Literal["deleted", "shredded", "held", "absent"]:
        """Make `key` unreadable for good: delete it, or (retention lock) its data key only.
        A legal hold blocks both and is reported as "held"."""
        if not self.inner.exists(key):
            self.data_keys.delete(key + KEY_SUFFIX)
            return "absent"
        if self.inner.status(key).legal_hold:
            return "held"
        self.data_keys.delete(key + KEY_SUFFIX)
        try:
            self.inner.delete(key)
        except StoreError:  # under retention: the bytes stay, unreadable without their key
            return "shredded"
        return "deleted"

    def rewrap(self) -> int:
        """Every data key re-wrapped under the cipher's current key (key rotation)."""
        count = 0
        for name in list(self.data_keys.keys()):
            if name.endswith(KEY_SUFFIX):
                self.data_keys.put(name, self._cipher.rotate(self.data_keys.get(name)))
                count += 1
        return count

    def __repr__(self) -> str:
        return f"SealedEvidenceLocker({self.inner!r})"
