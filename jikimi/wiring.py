"""Wiring: turn settings into adapters. The only module that names concrete backends.

Blob stores are chosen by URI scheme (like Scrapy's feed storages): `file://` → local folder,
`memory://` → in-process dict (tests), later `s3://`. Stores by `store.backend`. Face engines by
`faces.engine`; synthetic-media signals by `signals.*`. Imports are local so that an unused
backend's dependencies are never loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse
from urllib.request import url2pathname

from jikimi.crypto import TemplateCipher
from jikimi.errors import ConfigError
from jikimi.ports import BlobStore, FaceEngine, Notifier, Store
from jikimi.settings import Settings

if TYPE_CHECKING:
    from enrichment.signals.suite import SignalSuite


def open_cipher(settings: Settings) -> TemplateCipher:
    key = settings.security.template_key
    if key is not None:
        return TemplateCipher(key.get_secret_value().encode())
    return TemplateCipher.from_key_file(settings.keys_dir / "template.key")


def open_store(settings: Settings) -> Store:
    if settings.store.backend == "sqlite":
        from search.sqlite_store import SqliteStore

        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStore(settings.sqlite_path, open_cipher(settings))
    raise ConfigError(f"unknown store backend: {settings.store.backend}")


def open_blobs(settings: Settings) -> BlobStore:
    return open_blob_uri(settings.blob_uri)


def open_blob_uri(uri: str) -> BlobStore:
    parsed = urlparse(uri)
    if parsed.scheme in {"", "file"}:
        from search.local_blobs import LocalBlobStore

        return LocalBlobStore(url2pathname(parsed.path) if parsed.scheme else uri)
    if parsed.scheme == "memory":
        from search.memory_blobs import MemoryBlobStore

        return MemoryBlobStore.named(parsed.netloc or "default")
    raise ConfigError(f"unsupported blob store URI scheme: {parsed.scheme!r} in {uri}")


def open_face_engine(settings: Settings) -> FaceEngine:
    from enrichment.faces import build_engine

    return build_engine(settings)


def open_signal_suite(settings: Settings) -> SignalSuite:
    from enrichment.signals.suite import build_signal_suite

    return build_signal_suite(settings)


def open_notifiers(settings: Settings) -> list[Notifier]:
    from jikimi.alerts import build_notifiers

    return build_notifiers(settings)
