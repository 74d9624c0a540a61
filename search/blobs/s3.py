"""Blobs in an S3 bucket under a prefix (`s3://bucket/prefix`): raw media and exports at scale.

The same key rules as every blob store (`search.blobs.keys`), so a key valid on a laptop's folder
is valid in S3. Large bodies (videos) go up as multipart uploads above `s3.multipart_threshold`,
in parallel parts, so a 500 MB video neither needs one giant request nor restarts from zero on a
transient error; small ones are a single PUT. S3 lists keys in UTF-8 byte order, which is the code
point order the contract asks for. Deleting a missing key is a no-op in S3, as the port wants.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from kernel.errors import NotFound
from search.blobs.keys import validate_blob_key
from search.blobs.s3_client import S3Client, S3Location, is_not_found, store_error

_CALL_ERRORS = (ClientError, BotoCoreError)


class S3BlobStore:
    def __init__(
        self, client: S3Client, location: S3Location, transfer: TransferConfig,
        *, page_size: int = 1000,
    ) -> None:
        self.client = client
        self.page_size = page_size  # keys per listing request (S3's maximum is 1000)
        self.bucket = location.bucket
        self.prefix = location.prefix
        self.transfer = transfer
        self.uri = location.uri

    def object_key(self, key: str) -> str:
        """The S3 object key of blob `key` (the store prefix + the validated key)."""
        return self.prefix + validate_blob_key(key)

    def put(self, key: str, data: bytes, **extra: Any) -> None:
        """Store `data` under `key`; `extra` are S3 arguments (ContentType, SSE, Object Lock)."""
        full = self.object_key(key)
        body = bytes(data)
        try:
            if len(body) < self.transfer.multipart_threshold:
                self.client.put_object(Bucket=self.bucket, Key=full, Body=body, **extra)
            else:
                self.client.upload_fileobj(
                    io.BytesIO(body), self.bucket, full, ExtraArgs=extra or None,
                    Config=self.transfer,
                )
        except _CALL_ERRORS as exc:
            raise store_error("put", f"{self.uri}{key}", exc) from None
        except Exception as exc:  # boto3's transfer manager wraps part failures
            raise store_error("multipart upload", f"{self.uri}{key}", exc) from None

    def get(self, key: str, **extra: Any) -> bytes:
        full = self.object_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=full, **extra)
            return bytes(response["Body"].read())
        except _CALL_ERRORS as exc:
            if is_not_found(exc):
                raise NotFound(f"no blob {key!r} in {self.uri}") from None
            raise store_error("get", f"{self.uri}{key}", exc) from None

    def exists(self, key: str) -> bool:
        full = self.object_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=full)
            return True
        except _CALL_ERRORS as exc:
            if is_not_found(exc):
                return False
            raise store_error("head", f"{self.uri}{key}", exc) from None

    def delete(self, key: str) -> None:
        full = self.object_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=full)
        except _CALL_ERRORS as exc:
            if not is_not_found(exc):
                raise store_error("delete", f"{self.uri}{key}", exc) from None

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with `prefix`, sorted; lazily pages through listings of any length
        (a listing error surfaces as StoreError while iterating)."""
        paginator = self.client.get_paginator("list_objects_v2")
        cut = len(self.prefix)
        try:
            pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix,
                                       PaginationConfig={"PageSize": self.page_size})
            for page in pages:
                for item in page.get("Contents", []):
                    yield str(item["Key"])[cut:]
        except _CALL_ERRORS as exc:
            raise store_error("list", f"{self.uri}{prefix}", exc) from None

    def presigned_get_url(
        self, key: str, expires_s: int, *, content_type: str | None = None,
        filename: str | None = None,
    ) -> str:
        """A URL anyone may GET for `expires_s` seconds (signed with this store's credentials)."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": self.object_key(key)}
        if content_type:
            params["ResponseContentType"] = content_type
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        try:
            return str(self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=int(expires_s)))
        except _CALL_ERRORS as exc:
            raise store_error("presign", f"{self.uri}{key}", exc) from None

    def __repr__(self) -> str:
        return f"S3BlobStore({self.uri!r})"
