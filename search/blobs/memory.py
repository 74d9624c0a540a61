"""An in-process blob store for tests and demos: `memory://name` shares one instance per name.

Named instances are process-wide so that code wired separately from the same settings (a stage
that writes raw media, another that reads it) sees the same bytes, just as with a real folder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import ClassVar

from kernel.errors import NotFound
from search.blobs.keys import validate_blob_key


class MemoryBlobStore:
    _registry: ClassVar[dict[str, MemoryBlobStore]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str = "default") -> None:
        self.name = name
        self.uri = f"memory://{name}"
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @classmethod
    def named(cls, name: str) -> MemoryBlobStore:
        """The process-wide store for `name`, created on first use."""
        with cls._registry_lock:
            if name not in cls._registry:
                cls._registry[name] = cls(name)
            return cls._registry[name]

    def put(self, key: str, data: bytes) -> None:
        validate_blob_key(key)
        blob = bytes(data)
        with self._lock:
            self._blobs[key] = blob

    def get(self, key: str) -> bytes:
        validate_blob_key(key)
        with self._lock:
            try:
                return self._blobs[key]
            except KeyError:
                raise NotFound(f"no blob {key!r} in {self.uri}") from None

    def exists(self, key: str) -> bool:
        validate_blob_key(key)
        with self._lock:
            return key in self._blobs

    def delete(self, key: str) -> None:
        validate_blob_key(key)
        with self._lock:
            self._blobs.pop(key, None)

    def keys(self, prefix: str = "") -> Iterator[str]:
        with self._lock:
            matching = sorted(key for key in self._blobs if key.startswith(prefix))
        return iter(matching)

    def __repr__(self) -> str:
        return f"MemoryBlobStore({self.name!r})"
