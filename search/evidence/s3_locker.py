"""Evidence in S3 with Object Lock (COMPLIANCE) and optional SSE-KMS or SSE-C encryption.

COMPLIANCE mode is the point: until the retention date passes, no credential (the bucket owner's
included) can delete an object version or move its date earlier, so a hoster's claim that the
evidence was altered can be answered by the storage itself. The bucket must have been created
with Object Lock enabled (`s3.create_buckets` does that; existing buckets cannot be converted).
Every write is checked to be locked: radosgw 16 drops the lock headers of multipart uploads, so
those are locked right after. A plain DELETE on a versioned bucket only adds a delete marker;
reads here fall back to the newest real version, so hiding an object does not lose it. SSE-C
keys never leave this process except in the request headers S3 needs; losing the key loses the
evidence.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from kernel.errors import ConfigError, NotFound, StoreError
from kernel.ports import LockStatus
from kernel.settings import EvidenceSettings
from search.blobs.s3 import S3BlobStore
from search.blobs.s3_client import is_not_found, store_error

LOCK_MODE = "COMPLIANCE"
_CALL_ERRORS = (ClientError, BotoCoreError)


def encryption_args(settings: EvidenceSettings) -> tuple[dict[str, Any], dict[str, Any]]:
    """(arguments for writes, arguments for reads) that apply the configured encryption."""
    kms, customer = settings.kms_key_id, settings.sse_customer_key
    if kms and customer:
        raise ConfigError("evidence: set kms_key_id or sse_customer_key, not both")
    if kms:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms}, {}
    if customer:
        try:
            key = base64.b64decode(customer.get_secret_value(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError("evidence.sse_customer_key must be base64") from None
        if len(key) != 32:
            raise ConfigError("evidence.sse_customer_key must be 32 bytes (base64-encoded)")
        args = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
        return dict(args), dict(args)
    return {}, {}


class S3EvidenceLocker:
    immutable = True

    def __init__(self, blobs: S3BlobStore, settings: EvidenceSettings) -> None:
        self.blobs = blobs
        self.uri = blobs.uri
        self.retention = timedelta(days=settings.retention_days)
        self._write_args, self._read_args = encryption_args(settings)

    def _full(self, key: str) -> str:
        return self.blobs.object_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if self.exists(key):
            return  # content-addressed: the same key holds the same bytes
        until = datetime.now(UTC).replace(microsecond=0) + self.retention
        self.blobs.put(key, data, ContentType=content_type, ObjectLockMode=LOCK_MODE,
                       ObjectLockRetainUntilDate=until, **self._write_args)
        if self.status(key).mode != LOCK_MODE:
            # Some servers (radosgw 16) drop the lock headers of multipart uploads: lock the
            # stored version explicitly, then check, so no evidence is ever left unlocked.
            self.extend_retention(key, until)
            if self.status(key).mode != LOCK_MODE:
                raise StoreError(f"S3 did not lock evidence {key!r} in {self.uri}")

    def get(self, key: str) -> bytes:
        version = self._version(key)
        client, bucket = self.blobs.client, self.blobs.bucket
        try:
            response = client.get_object(Bucket=bucket, Key=self._full(key), VersionId=version,
                                         **self._read_args)
            return bytes(response["Body"].read())
        except _CALL_ERRORS as exc:
            raise store_error("get evidence", f"{self.uri}{key}", exc) from None

    def exists(self, key: str) -> bool:
        try:
            self._version(key)
            return True
        except NotFound:
            return False

    def keys(self, prefix: str = "") -> Iterator[str]:
        return self.blobs.keys(prefix)

    def status(self, key: str) -> LockStatus:
        version = self._version(key)
        try:
            head = self.blobs.client.head_object(
                Bucket=self.blobs.bucket, Key=self._full(key), VersionId=version,
                **self._read_args)
        except _CALL_ERRORS as exc:
            raise store_error("head evidence", f"{self.uri}{key}", exc) from None
        until = head.get("ObjectLockRetainUntilDate")
        return LockStatus(
            mode=head.get("ObjectLockMode"),
            retain_until=until.astimezone(UTC) if isinstance(until, datetime) else None,
            legal_hold=head.get("ObjectLockLegalHoldStatus") == "ON",
            version_id=version,
        )

    def set_legal_hold(self, key: str, on: bool) -> None:
        self._call("legal hold", key, "put_object_legal_hold",
                   LegalHold={"Status": "ON" if on else "OFF"})

    def extend_retention(self, key: str, until: datetime) -> None:
        self._call("extend retention", key, "put_object_retention",
                   Retention={"Mode": LOCK_MODE, "RetainUntilDate": until})

    def delete(self, key: str) -> None:
        self._call("delete evidence", key, "delete_object")

    def _call(self, what: str, key: str, method: str, **kwargs: Any) -> None:
        version = self._version(key)
        try:
            getattr(self.blobs.client, method)(
                Bucket=self.blobs.bucket, Key=self._full(key), VersionId=version, **kwargs)
        except _CALL_ERRORS as exc:
            raise store_error(what, f"{self.uri}{key}", exc) from None

    def _version(self, key: str) -> str:
        """The newest real version of `key` (past any delete marker); NotFound if none."""
        full = self._full(key)
        client, bucket = self.blobs.client, self.blobs.bucket
        try:
            listing = client.list_object_versions(Bucket=bucket, Prefix=full, MaxKeys=1000)
        except _CALL_ERRORS as exc:
            if is_not_found(exc):
                raise NotFound(f"no evidence {key!r} in {self.uri}") from None
            raise store_error("list versions", f"{self.uri}{key}", exc) from None
        versions = [v for v in listing.get("Versions", []) if v.get("Key") == full]
        if not versions:
            raise NotFound(f"no evidence {key!r} in {self.uri}")
        newest = max(versions, key=lambda v: v["LastModified"])
        version_id = newest.get("VersionId")
        if not version_id or version_id == "null":
            raise StoreError(f"evidence bucket of {self.uri} is not versioned (no Object Lock)")
        return str(version_id)

    def __repr__(self) -> str:
        return f"S3EvidenceLocker({self.uri!r})"
