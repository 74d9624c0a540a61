"""Hand a takedown batch over as an object: written to a blob store, shared by a presigned URL.

`jikimi export --to s3://bucket/prefix` uses this: the batch (the same CSV/JSON as `--out`) goes
to the store under a name with its UTC time and content hash, and stores that can sign URLs (S3)
give a link the receiving platform or NGO can download without credentials until it expires.
Other stores (a folder) just report where the batch was written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from jikimi.export import render_export
from kernel.ports import BlobStore, Store
from kernel.records import utcnow

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@runtime_checkable
class SignsUrls(Protocol):
    def presigned_get_url(
        self, key: str, expires_s: int, *, content_type: str | None = None,
        filename: str | None = None,
    ) -> str: ...


@dataclass
class PublishedExport:
    key: str
    uri: str  # where it lies, e.g. s3://bucket/prefix/jikimi-export-….csv
    rows: int
    url: str | None  # presigned GET URL, when the store can sign one
    expires_s: int | None


def publish_export(
    store: Store, blobs: BlobStore, fmt: str, expires_s: int, sample_fps: float = 1.0,
) -> PublishedExport:
    rows, data = render_export(store, fmt, sample_fps)
    return publish_bytes(blobs, data, fmt, rows, expires_s)


def publish_bytes(blobs: BlobStore, data: bytes, fmt: str, rows: int, expires_s: int,
                  stem: str = "jikimi-export") -> PublishedExport:
    """Put rendered bytes under `<stem>-<UTC time>-<hash>.<fmt>` and sign a URL when the store
    can (a takedown batch passes its own stem: `jikimi takedown show --to`)."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    key = f"{stem}-{stamp}-{hashlib.sha256(data).hexdigest()[:12]}.{fmt}"
    blobs.put(key, data)
    uri = blobs.uri.rstrip("/") + "/" + key
    if isinstance(blobs, SignsUrls):
        url = blobs.presigned_get_url(key, expires_s, content_type=CONTENT_TYPES.get(fmt),
                                      filename=key)
        return PublishedExport(key, uri, rows, url, expires_s)
    return PublishedExport(key, uri, rows, None, None)
