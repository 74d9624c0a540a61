"""S3 blob store against a real radosgw: the shared BlobStore contract unchanged, plus what only
S3 has: listing pages, multipart uploads, URI wiring and presigned URLs (expiry, tampering)."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from jikimi.registry import open_blob_uri, open_blobs
from kernel.errors import ConfigError, StoreError
from kernel.settings import Settings
from search.blobs.s3 import S3BlobStore
from search.blobs.s3_client import make_client, parse_s3_uri, transfer_config
from tests import radosgw_server
from tests.contracts.blob_contract import BlobStoreContract
from tests.radosgw_server import Radosgw

radosgw = radosgw_server.radosgw  # the session's S3 server (fixture)

MiB = 1024 * 1024


class TestS3Blobs(BlobStoreContract):
    @pytest.fixture
    def blobs(self, radosgw: Radosgw) -> S3BlobStore:
        return radosgw.blobs()


def _http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_listing_pages_through_many_keys(radosgw: Radosgw) -> None:
    blobs = radosgw.blobs()
    blobs.page_size = 7
    names = sorted(f"incoming/{i:03d}" for i in range(40)) + ["other/x"]
    for name in names:
        blobs.put(name, name.encode())
    assert list(blobs.keys("incoming/")) == names[:-1]
    assert list(blobs.keys()) == names
    assert list(blobs.keys("incoming/03")) == [f"incoming/03{i}" for i in range(10)]


def test_large_media_goes_up_in_parts(radosgw: Radosgw) -> None:
    blobs = radosgw.blobs(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    data = os.urandom(12 * MiB + 123)
    blobs.put("videos/big.mp4", data)
    head = blobs.client.head_object(Bucket=blobs.bucket, Key=blobs.object_key("videos/big.mp4"))
    assert head["ETag"].strip('"').endswith("-3")  # a multipart ETag names its part count
    assert blobs.get("videos/big.mp4") == data
    small = b"small"
    blobs.put("images/small.jpg", small)
    head = blobs.client.head_object(Bucket=blobs.bucket, Key=blobs.object_key("images/small.jpg"))
    assert "-" not in head["ETag"]


def test_wiring_opens_s3_uri_and_prefix_isolates(radosgw: Radosgw, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, s3=radosgw.s3_settings(), blobs={"uri": "s3://jikimi-wired/run-1"}
    )
    wired = open_blobs(settings)
    assert isinstance(wired, S3BlobStore)
    assert wired.uri == "s3://jikimi-wired/run-1/"
    name = uuid.uuid4().hex
    wired.put(f"incoming/{name}", b"media bytes")
    other = open_blob_uri("s3://jikimi-wired/run-2", settings)
    assert not other.exists(f"incoming/{name}")
    root = open_blob_uri("s3://jikimi-wired", settings)
    assert root.get(f"run-1/incoming/{name}") == b"media bytes"


def test_missing_bucket_is_a_clear_error(radosgw: Radosgw, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, s3=radosgw.s3_settings(create_buckets=False))
    blobs = open_blob_uri(f"s3://no-such-{uuid.uuid4().hex[:12]}/p", settings)
    with pytest.raises(StoreError, match="NoSuchBucket"):
        blobs.put("k", b"x")


@pytest.mark.parametrize(
    "uri", ["s3://", "s3:///prefix", "s3://b/a//c", "s3://b/../x", "s3://b/p?x=1"]
)
def test_bad_s3_uris_are_refused(uri: str) -> None:
    with pytest.raises(ConfigError):
        parse_s3_uri(uri)


def test_wrong_credentials_are_refused(radosgw: Radosgw) -> None:
    blobs = radosgw.blobs()
    blobs.put("k", b"secret media")
    wrong = radosgw.s3_settings(secret_access_key="not-the-secret")
    intruder = S3BlobStore(make_client(wrong), parse_s3_uri(blobs.uri), transfer_config(wrong))
    with pytest.raises(StoreError, match="SignatureDoesNotMatch|AccessDenied"):
        intruder.get("k")
    with pytest.raises(StoreError, match="SignatureDoesNotMatch|AccessDenied"):
        intruder.put("k", b"overwritten")
    assert blobs.get("k") == b"secret media"


def test_presigned_url_works_expires_and_refuses_tampering(radosgw: Radosgw) -> None:
    blobs = radosgw.blobs()
    blobs.put("exports/batch.csv", b"host,media_url\n")
    url = blobs.presigned_get_url(
        "exports/batch.csv", 60, content_type="text/csv", filename="batch.csv"
    )
    assert _http_get(url) == (200, b"host,media_url\n")
    signature = url.rsplit("X-Amz-Signature=", 1)[1][:64]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    status, body = _http_get(url.replace(signature, flipped))
    assert status == 403 and b"SignatureDoesNotMatch" in body
    status, _ = _http_get(
        url.replace("exports%2Fbatch.csv", "exports%2Fother.csv").replace(
            "exports/batch.csv", "exports/other.csv"
        )
    )
    assert status == 403
    short = blobs.presigned_get_url("exports/batch.csv", 2)
    assert _http_get(short)[0] == 200
    time.sleep(3.5)
    status, body = _http_get(short)
    assert status == 403, body
    unsigned = url.split("?", 1)[0]
    assert _http_get(unsigned)[0] == 403
