"""Create jikimi's S3 buckets once (a one-shot of infra/compose.yaml; safe to re-run).

Why a script and not the application: Object Lock can only be switched on when a bucket is
created, and creating buckets is a deployment step that needs broader rights than jikimi's
day-to-day key should keep. Connection settings are boto3's own environment variables
(`AWS_ENDPOINT_URL_S3`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`),
and it waits up to `S3_WAIT_SECONDS` for the server to answer. The buckets: `S3_MEDIA_BUCKET`,
`S3_EVIDENCE_BUCKET` (Object Lock on) and `S3_EXPORT_BUCKET` (objects expire after
`S3_EXPORT_EXPIRY_DAYS`).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, EndpointConnectionError

_MISSING = {"404", "NoSuchBucket"}


def _client() -> Any:
    # Path-style addressing: radosgw and most non-AWS servers have no wildcard DNS for buckets.
    return boto3.client("s3", config=Config(s3={"addressing_style": "path"}))


def wait_for_s3(s3: Any, timeout: float) -> None:
    """Wait until the server answers (radosgw needs ~20 s after its container starts)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            s3.list_buckets()
            return
        except (EndpointConnectionError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(3)


def ensure_bucket(s3: Any, name: str, *, object_lock: bool = False) -> str:
    """Create `name` unless it exists; a bucket that exists without a needed lock is an error."""
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in _MISSING:
            raise
        args: dict[str, Any] = {"Bucket": name, "ObjectLockEnabledForBucket": object_lock}
        region = s3.meta.region_name
        if region and region != "us-east-1":  # AWS wants the region named outside us-east-1
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**args)
        return "created"
    if object_lock:
        try:
            lock = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
        except ClientError:
            lock = {}
        if lock.get("ObjectLockEnabled") != "Enabled":
            raise SystemExit(f"bucket {name} exists without Object Lock: evidence cannot go there")
    return "exists"


def expire_after(s3: Any, name: str, days: int) -> None:
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-export-batches",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": days},
                }
            ]
        },
    )


def main() -> int:
    s3 = _client()
    wait_for_s3(s3, float(os.environ.get("S3_WAIT_SECONDS", "300")))
    media = os.environ["S3_MEDIA_BUCKET"]
    evidence = os.environ["S3_EVIDENCE_BUCKET"]
    exports = os.environ["S3_EXPORT_BUCKET"]
    print(f"media bucket {media}: {ensure_bucket(s3, media)}")
    print(f"evidence bucket {evidence}: {ensure_bucket(s3, evidence, object_lock=True)}")
    print(f"export bucket {exports}: {ensure_bucket(s3, exports)}")
    days = int(os.environ.get("S3_EXPORT_EXPIRY_DAYS", "30"))
    expire_after(s3, exports, days)
    print(f"export batches expire after {days} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
