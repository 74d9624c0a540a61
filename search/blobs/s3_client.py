"""One place that turns `S3Settings` into a boto3 client, and `s3://bucket/prefix` into parts.

Non-AWS servers (Ceph radosgw, MinIO) are addressed path-style (`http://host/bucket/key`): their
buckets have no DNS names. Credentials come from settings when given, otherwise from boto3's own
chain (environment, profile, instance role), so production never needs keys in a file. Errors are
turned into `StoreError` with the operation and bucket named and never the credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from kernel.errors import ConfigError, StoreError
from kernel.settings import S3Settings

S3Client = Any  # boto3 ships no type stubs; calls are checked by the tests against radosgw

NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchVersion"})


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ending in "/"

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def parse_s3_uri(uri: str) -> S3Location:
    """`s3://bucket/some/prefix` → S3Location("bucket", "some/prefix/")."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ConfigError(f"not an S3 URI (s3://bucket/prefix): {uri}")
    if parsed.query or parsed.fragment or parsed.params:
        raise ConfigError(f"S3 URI must not carry a query or fragment: {uri}")
    prefix = parsed.path.strip("/")
    if any(part in {"", ".", ".."} for part in prefix.split("/")) and prefix:
        raise ConfigError(f"S3 URI prefix has empty or dot segments: {uri}")
    return S3Location(parsed.netloc, prefix + "/" if prefix else "")


def make_client(settings: S3Settings) -> S3Client:
    style = settings.addressing_style
    if style == "auto":
        style = "path" if settings.endpoint_url else "virtual"
    config = Config(
        region_name=settings.region,
        signature_version="s3v4",
        s3={"addressing_style": style},
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        retries={"max_attempts": settings.max_attempts, "mode": "standard"},
    )
    verify: bool | str = settings.verify_tls
    if settings.verify_tls and settings.ca_bundle is not None:
        verify = str(settings.ca_bundle)
    secret = settings.secret_access_key
    token = settings.session_token
    session = boto3.session.Session(
        aws_access_key_id=settings.access_key_id or None,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        aws_session_token=token.get_secret_value() if token else None,
        region_name=settings.region,
    )
    endpoint = settings.endpoint_url or None  # an empty variable (compose files) means AWS
    return session.client("s3", endpoint_url=endpoint, config=config, verify=verify)


def transfer_config(settings: S3Settings) -> TransferConfig:
    """Multipart above `multipart_threshold`, in `multipart_chunksize` parts, a few threads."""
    return TransferConfig(
        multipart_threshold=settings.multipart_threshold,
        multipart_chunksize=settings.multipart_chunksize,
        max_concurrency=settings.max_concurrency,
    )


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND_CODES


def store_error(what: str, where: str, exc: BaseException) -> StoreError:
    """A one-line StoreError for a failed S3 call (code and message, never credentials)."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        detail = f"{err.get('Code', '?')}: {err.get('Message') or 'no message'}"
    else:
        detail = f"{type(exc).__name__}: {exc}"
    if error_code(exc) == "NoSuchBucket":
        detail += " (create the bucket, or set s3.create_buckets for development)"
    return StoreError(f"S3 {what} failed for {where}: {detail}")


def ensure_bucket(client: S3Client, bucket: str, *, object_lock: bool = False) -> None:
    """Create `bucket` if it is missing (Object Lock can only be enabled at creation)."""
    try:
        client.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if not is_not_found(exc) and error_code(exc) != "NoSuchBucket":
            raise store_error("head bucket", bucket, exc) from None
    except BotoCoreError as exc:
        raise store_error("head bucket", bucket, exc) from None
    try:
        client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=object_lock)
    except ClientError as exc:
        if error_code(exc) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise store_error("create bucket", bucket, exc) from None
    except BotoCoreError as exc:
        raise store_error("create bucket", bucket, exc) from None
