"""A takedown batch's evidence bundle in S3 under Object Lock (real radosgw): every file of the
bundle is locked in COMPLIANCE mode and cannot be deleted, and `verify` re-hashes it from the
bucket through the audited locker."""

from __future__ import annotations

import uuid
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer
from jikimi.evidence.bundle import build_bundle
from jikimi.evidence.bundle_verify import verify_bundle
from jikimi.takedown import build_batch
from kernel.errors import StoreError
from search.evidence.audited import AuditedEvidence
from search.evidence.s3_locker import S3EvidenceLocker
from tests import evidence_site, radosgw_server
from tests.evidence_site import seeded_settings
from tests.radosgw_server import Radosgw

radosgw = radosgw_server.radosgw  # the session's S3 server (fixture)
demo_site = evidence_site.demo_site  # fixture


def test_a_bundle_is_locked_in_s3_and_verifies_from_the_bucket(
        radosgw: Radosgw, demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, _ = seeded_settings(
        tmp_path, demo_site.base_url, s3=radosgw.s3_settings(),
        evidence={"uri": f"s3://jikimi-evidence-tests/{uuid.uuid4().hex}", "retention_days": 1})
    with closing(registry.open_store(settings)) as store:
        for hit in store.hits():
            store.set_review_state(hit.hit_id, "confirmed", reviewer="account:op")
        batch = build_batch(store, settings, "account:td")
        locker = registry.open_evidence(settings)  # sealed objects in the locked bucket
        assert isinstance(locker.inner, S3EvidenceLocker) and locker.immutable
        evidence = AuditedEvidence(locker, store, "account:td")
        report = build_bundle(store, evidence, settings, batch.batch_id, allow_private=True)
        assert report.captured > 0
        for key in report.keys.values():
            assert locker.status(key).mode == "COMPLIANCE"
            with pytest.raises(StoreError):
                locker.delete(key)
        verified = verify_bundle(report.prefix.rstrip("/"), evidence)
        assert verified.ok, verified.problems
        reads = [e for e in store.audit_events() if e.action == "evidence.read"]
    assert {e.subject for e in reads} >= set(report.keys.values())
