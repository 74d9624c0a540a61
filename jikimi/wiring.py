"""Wiring: turn settings into adapters. The only module that names concrete backends.

Blob stores are chosen by URI scheme (like Scrapy's feed storages): `file://` → local folder,
`memory://` → in-process dict (tests), `s3://bucket/prefix` → S3 (boto3). Evidence lockers
likewise by `evidence.uri`: `s3://` (Object Lock) or a local folder. Stores by `store.backend`.
Face engines by `faces.engine`; synthetic-media signals by `signals.*`. Imports are local so
that an unused backend's dependencies are never loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse
from urllib.request import url2pathname

from jikimi.crypto import TemplateCipher
from jikimi.errors import ConfigError
from jikimi.ports import BlobStore, FaceEngine, Notifier, Store
from jikimi.settings import Settings, get_settings

if TYPE_CHECKING:
    from enrichment.signals.suite import SignalSuite
    from search.evidence.locker import EvidenceLocker
    from search.s3_blobs import S3BlobStore


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
    if settings.store.backend == "elasticsearch":
        from search.elastic.store import ElasticStore

        return ElasticStore.open(settings.elasticsearch, open_cipher(settings))
    raise ConfigError(f"unknown store backend: {settings.store.backend}")


def open_blobs(settings: Settings) -> BlobStore:
    return open_blob_uri(settings.blob_uri, settings)


def open_blob_uri(uri: str, settings: Settings | None = None) -> BlobStore:
    """The blob store a URI names; `s3://` ones connect with `settings.s3` (default: env)."""
    parsed = urlparse(uri)
    if parsed.scheme in {"", "file"}:
        from search.local_blobs import LocalBlobStore

        return LocalBlobStore(url2pathname(parsed.path) if parsed.scheme else uri)
    if parsed.scheme == "memory":
        from search.memory_blobs import MemoryBlobStore

        return MemoryBlobStore.named(parsed.netloc or "default")
    if parsed.scheme == "s3":
        return _open_s3_blobs(uri, settings or get_settings(), object_lock=False)
    raise ConfigError(f"unsupported blob store URI scheme: {parsed.scheme!r} in {uri}")


def _open_s3_blobs(uri: str, settings: Settings, *, object_lock: bool) -> S3BlobStore:
    from search.s3_blobs import S3BlobStore
    from search.s3_client import ensure_bucket, make_client, parse_s3_uri, transfer_config

    location = parse_s3_uri(uri)
    client = make_client(settings.s3)
    if settings.s3.create_buckets:
        ensure_bucket(client, location.bucket, object_lock=object_lock)
    return S3BlobStore(client, location, transfer_config(settings.s3))


def open_evidence(settings: Settings) -> EvidenceLocker:
    """The evidence locker: S3 with Object Lock for `s3://`, a local folder (no lock) otherwise."""
    uri = settings.evidence_uri
    if urlparse(uri).scheme == "s3":
        from search.evidence.s3_locker import S3EvidenceLocker

        blobs = _open_s3_blobs(uri, settings, object_lock=True)
        return S3EvidenceLocker(blobs, settings.evidence)
    from search.evidence.local_locker import LocalEvidenceLocker

    return LocalEvidenceLocker(open_blob_uri(uri, settings))


def open_face_engine(settings: Settings) -> FaceEngine:
    from enrichment.faces import build_engine

    return build_engine(settings)


def open_signal_suite(settings: Settings) -> SignalSuite:
    from enrichment.signals.suite import build_signal_suite

    return build_signal_suite(settings)


def open_notifiers(settings: Settings) -> list[Notifier]:
    from jikimi.alerts import build_notifiers

    return build_notifiers(settings)
