"""Evidence in S3 against a real radosgw: Object Lock COMPLIANCE (no delete, no shortening),
legal hold, SSE-KMS and SSE-C, preservation end to end from the demo site, and export batches
handed out by presigned URL."""

from __future__ import annotations

import base64
import json
import os
import urllib.request
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from jikimi import registry
from jikimi.cli import main
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.erasure import forget_person
from jikimi.evidence.preserve import preserve_hit
from jikimi.evidence.review import hold_capture, show_capture
from kernel.errors import ConfigError, StoreError
from kernel.settings import Settings
from search.evidence.audited import AuditedEvidence
from search.evidence.s3_locker import S3EvidenceLocker
from tests import evidence_site, radosgw_server
from tests.evidence_site import seeded_settings
from tests.radosgw_server import Radosgw

radosgw = radosgw_server.radosgw  # the session's S3 server (fixture)
demo_site = evidence_site.demo_site  # fixture

BUCKET = "jikimi-evidence-tests"


def _settings(radosgw: Radosgw, tmp_path: Path, **evidence: object) -> Settings:
    return Settings.model_validate(
        {
            "data_dir": tmp_path,
            "s3": radosgw.s3_settings(),
            "evidence": {
                "uri": f"s3://{BUCKET}/{uuid.uuid4().hex}",
                "retention_days": 1,
                **evidence,
            },
        }
    )


def _locker(settings: Settings) -> S3EvidenceLocker:
    locker = registry.open_evidence(settings).inner  # the bucket itself, under the envelope
    assert isinstance(locker, S3EvidenceLocker) and locker.immutable
    return locker


def test_locked_evidence_cannot_be_deleted_or_shortened(radosgw: Radosgw, tmp_path: Path) -> None:
    locker = _locker(_settings(radosgw, tmp_path))
    locker.put("media/abc", b"evidence bytes", "image/jpeg")
    locker.put("media/abc", b"evidence bytes", "image/jpeg")  # content-addressed: stored once
    status = locker.status("media/abc")
    assert status.mode == "COMPLIANCE" and not status.legal_hold and status.retain_until
    assert abs(status.retain_until - (datetime.now(UTC) + timedelta(days=1))) < timedelta(minutes=5)
    with pytest.raises(StoreError, match="AccessDenied"):
        locker.delete("media/abc")
    with pytest.raises(StoreError, match="AccessDenied"):
        locker.extend_retention("media/abc", datetime.now(UTC) + timedelta(hours=1))
    later = (status.retain_until + timedelta(days=2)).replace(microsecond=0)
    locker.extend_retention("media/abc", later)
    assert locker.status("media/abc").retain_until == later
    client, bucket = locker.blobs.client, locker.blobs.bucket
    full = locker.blobs.object_key("media/abc")
    versions = client.list_object_versions(Bucket=bucket, Prefix=full)["Versions"]
    assert len(versions) == 1
    with pytest.raises(Exception, match="AccessDenied"):
        client.delete_object(Bucket=bucket, Key=full, VersionId=versions[0]["VersionId"])
    client.delete_object(Bucket=bucket, Key=full)  # only adds a delete marker
    assert not locker.blobs.exists("media/abc")
    assert locker.exists("media/abc") and locker.get("media/abc") == b"evidence bytes"


def test_legal_hold_set_and_released(radosgw: Radosgw, tmp_path: Path) -> None:
    locker = _locker(_settings(radosgw, tmp_path))
    locker.put("pages/p.html", b"<html></html>", "text/html")
    locker.set_legal_hold("pages/p.html", True)
    assert locker.status("pages/p.html").legal_hold
    with pytest.raises(StoreError):
        locker.delete("pages/p.html")
    locker.set_legal_hold("pages/p.html", False)
    assert not locker.status("pages/p.html").legal_hold
    with pytest.raises(StoreError):  # still under COMPLIANCE retention
        locker.delete("pages/p.html")


def test_sse_kms_encrypts_and_reads_back(radosgw: Radosgw, tmp_path: Path) -> None:
    locker = _locker(_settings(radosgw, tmp_path, kms_key_id=radosgw.kms_key_id))
    locker.put("media/kms", b"kms protected", "image/jpeg")
    head = locker.blobs.client.head_object(
        Bucket=locker.blobs.bucket, Key=locker.blobs.object_key("media/kms")
    )
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == radosgw.kms_key_id
    assert locker.get("media/kms") == b"kms protected"
    bad = _locker(_settings(radosgw, tmp_path, kms_key_id="no-such-key"))
    with pytest.raises(StoreError):
        bad.put("media/kms2", b"x", "image/jpeg")


def test_sse_c_needs_the_key_to_read(radosgw: Radosgw, tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    settings = _settings(radosgw, tmp_path, sse_customer_key=key)
    locker = _locker(settings)
    locker.put("media/ssec", b"customer key protected", "image/jpeg")
    assert locker.get("media/ssec") == b"customer key protected"
    assert locker.status("media/ssec").mode == "COMPLIANCE"
    with pytest.raises(StoreError):
        locker.blobs.get("media/ssec")  # no key
    other = settings.model_copy(deep=True)
    other.evidence.sse_customer_key = SecretStr(base64.b64encode(os.urandom(32)).decode())
    wrong = S3EvidenceLocker(locker.blobs, other.evidence)
    with pytest.raises(StoreError):
        wrong.get("media/ssec")


@pytest.mark.parametrize(
    "evidence",
    [
        {"kms_key_id": "k", "sse_customer_key": base64.b64encode(b"k" * 32).decode()},
        {"sse_customer_key": base64.b64encode(b"short").decode()},
        {"sse_customer_key": "not base64!"},
    ],
)
def test_bad_encryption_settings_are_config_errors(
    radosgw: Radosgw, tmp_path: Path, evidence: dict[str, str]
) -> None:
    with pytest.raises(ConfigError):
        registry.open_evidence(_settings(radosgw, tmp_path, **evidence))


def test_preserve_end_to_end_into_locked_encrypted_s3(
    radosgw: Radosgw, demo_site: FixtureServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence_uri = f"s3://{BUCKET}/{uuid.uuid4().hex}"
    settings, hits = seeded_settings(
        tmp_path,
        demo_site.base_url,
        s3=radosgw.s3_settings(),
        evidence={"uri": evidence_uri, "retention_days": 1, "kms_key_id": radosgw.kms_key_id},
    )
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-park")
        report = preserve_hit(store, evidence, settings, hits.matching.hit_id)
        assert report.ok and report.immutable
        key = report.captures[0].key or ""
        shown = show_capture(evidence, key)
        assert [c["sha256_ok"] for c in shown["verified"]] == [True, True]
        assert {lock["mode"] for lock in shown["locks"].values()} == {"COMPLIANCE"}
        media_key = shown["record"]["media"]["key"]
        assert evidence.locker.get(media_key) == photo_bytes("person_a_2.jpg")
        assert hold_capture(evidence, key, True) == [key, media_key, shown["record"]["page"]["key"]]
        assert evidence.status(media_key).legal_hold
        with pytest.raises(StoreError):
            evidence.locker.delete(media_key)
        hold_capture(evidence, key, False)
        actions = {(e.action, e.actor) for e in store.audit_events()}
    for action in (
        "evidence.write",
        "evidence.read",
        "evidence.preserve",
        "evidence.hold",
        "evidence.release",
    ):
        assert (action, "operator-park") in actions
    env = {f"JIKIMI_{k.removeprefix('JIKIMI_')}": v for k, v in radosgw.env().items()}
    os.environ.update(
        env
        | {"JIKIMI_EVIDENCE__URI": evidence_uri, "JIKIMI_EVIDENCE__KMS_KEY_ID": radosgw.kms_key_id}
    )
    try:
        assert (
            main(["--data-dir", str(tmp_path), "evidence", "show", key, "--operator", "cli-op"])
            == 0
        )
        assert json.loads(capsys.readouterr().out)["key"] == key
    finally:
        for name in [*env, "JIKIMI_EVIDENCE__URI", "JIKIMI_EVIDENCE__KMS_KEY_ID"]:
            os.environ.pop(name, None)


def test_export_to_s3_prints_a_presigned_url(
    radosgw: Radosgw,
    demo_site: FixtureServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeded_settings(tmp_path, demo_site.base_url)
    for name, value in radosgw.env().items():
        monkeypatch.setenv(name, value)
    target = f"s3://jikimi-exports/{uuid.uuid4().hex}"
    assert (
        main(
            [
                "--data-dir",
                str(tmp_path),
                "export",
                "--format",
                "csv",
                "--to",
                target,
                "--expires",
                "120",
            ]
        )
        == 0
    )
    published = json.loads(capsys.readouterr().out)
    assert published["rows"] == 3 and published["uri"].startswith(target + "/jikimi-export-")
    assert published["expires_s"] == 120 and "X-Amz-Expires=120" in published["url"]
    with urllib.request.urlopen(published["url"], timeout=10) as response:
        body = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/csv")
    assert body.startswith("host,media_url,") and demo_site.base_url in body


def test_large_evidence_goes_up_in_locked_encrypted_parts(radosgw: Radosgw, tmp_path: Path) -> None:
    settings = _settings(
        radosgw, tmp_path, sse_customer_key=base64.b64encode(os.urandom(32)).decode()
    )
    settings.s3.multipart_threshold = settings.s3.multipart_chunksize = 5 * 1024 * 1024
    locker = _locker(settings)
    data = os.urandom(11 * 1024 * 1024)
    locker.put("media/video", data, "video/mp4")
    status = locker.status("media/video")
    assert status.mode == "COMPLIANCE" and status.retain_until
    assert locker.get("media/video") == data
    with pytest.raises(StoreError):
        locker.blobs.get("media/video")  # SSE-C: unreadable without the key
    with pytest.raises(StoreError, match="AccessDenied"):
        locker.delete("media/video")


def test_forget_crypto_shreds_evidence_the_lock_keeps(
    radosgw: Radosgw, demo_site: FixtureServer, tmp_path: Path
) -> None:
    """Finding 6 on Object Lock: the locked bytes cannot be deleted, so erasure deletes their
    data key; the ciphertext stays in the bucket and can never be read again."""
    settings, hits = seeded_settings(
        tmp_path, demo_site.base_url, s3=radosgw.s3_settings(),
        evidence={"uri": f"s3://{BUCKET}/{uuid.uuid4().hex}", "retention_days": 1})
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-park")
        key = preserve_hit(store, evidence, settings, hits.matching.hit_id).captures[0].key or ""
        stored = evidence.locker.inner.get(key)  # type: ignore[attr-defined]
        assert b"captured_at" not in stored  # ciphertext in the bucket
        removed = forget_person(store, settings, hits.matching.person_id, "operator-park")
    assert removed["evidence_shredded"] == 3 and removed["evidence_deleted"] == 0
    locker = registry.open_evidence(settings)
    assert locker.inner.exists(key)  # still locked in place
    with pytest.raises(StoreError, match="erased"):
        locker.get(key)
