"""Finding 6 of the hardening audit, the evidence half: preserved evidence is ciphertext on disk
(each object under its own data key), and `forget` leaves neither readable evidence of hers nor
any id of hers in the audit log, while a legal hold still protects what it holds.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.erasure import erased_subject, forget_person
from jikimi.evidence.preserve import preserve_hit
from jikimi.evidence.review import hold_capture, read_record
from kernel.errors import NotFound, StoreError
from kernel.settings import Settings
from search.evidence.audited import AuditedEvidence
from tests import evidence_site
from tests.evidence_site import Hits, seeded_settings

demo_site = evidence_site.demo_site  # fixture


def preserved(settings: Settings, hits: Hits) -> str:
    """The key of the capture record preserved for the matching hit."""
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-kim")
        report = preserve_hit(store, evidence, settings, hits.matching.hit_id)
    assert report.ok and report.captures[0].key
    return report.captures[0].key


def test_an_evidence_file_read_from_disk_is_ciphertext(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, hits = seeded_settings(tmp_path / "data", demo_site.base_url)
    preserved(settings, hits)
    photo = photo_bytes("person_a_2.jpg")
    files = [p for p in (settings.data_dir / "evidence").rglob("*") if p.is_file()]
    assert len(files) == 3  # media, page, capture record
    for path in files:
        on_disk = path.read_bytes()
        assert photo[:256] not in on_disk and b"<html" not in on_disk.lower()
        assert b"captured_at" not in on_disk and b"person_a_2" not in on_disk
    # through the audited locker the same object reads back as it was, and the read is logged
    media_key = next(p for p in files if "media" in p.parts).relative_to(
        settings.data_dir / "evidence").as_posix()
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-lee")
        assert evidence.read(media_key) == photo
        assert [e.actor for e in store.audit_events(media_key) if e.action == "evidence.read"] \
            == ["operator-lee"]
    # a copy of the evidence and its data keys, without the template key, opens nothing
    copy = tmp_path / "copy"
    shutil.copytree(settings.data_dir, copy, ignore=shutil.ignore_patterns("*.key"))
    thief = Settings.model_validate({"data_dir": copy})
    with pytest.raises(StoreError):
        registry.open_evidence(thief).get(media_key)


def test_forget_leaves_no_id_of_hers_in_the_audit_log_and_no_readable_evidence(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, hits = seeded_settings(tmp_path, demo_site.base_url)
    capture = preserved(settings, hits)
    person_id = hits.matching.person_id
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-kim")
        parts = [capture, *(read_record(evidence, capture)[p]["key"] for p in ("media", "page"))]
        removed = forget_person(store, settings, person_id, "operator-kim")
        assert removed["evidence_deleted"] == 3 and removed["evidence_held"] == 0
        locker = registry.open_evidence(settings)
        for key in parts:
            with pytest.raises(NotFound):
                locker.get(key)
        [erased] = store.audit_events(erased_subject(settings, person_id))
        assert erased.action == "person.erased" and erased.detail["removed"]["hits"] == 3
    her_ids = [person_id, *(h.hit_id for h in (hits.matching, hits.replaced, hits.gone))]
    with closing(sqlite3.connect(settings.sqlite_path)) as db:
        rows = db.execute("SELECT actor, action, subject, detail FROM audit").fetchall()
    assert len(rows) > 5
    text = "\n".join("|".join(row) for row in rows)
    assert not [i for i in her_ids if i in text]
    assert "evidence.preserve" in text  # the fact stays, without her


def test_forget_keeps_evidence_under_legal_hold_and_reports_it(
        demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, hits = seeded_settings(tmp_path, demo_site.base_url)
    capture = preserved(settings, hits)
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-kim")
        held = hold_capture(evidence, capture, True)
        removed = forget_person(store, settings, hits.matching.person_id, "operator-kim")
        assert removed["evidence_held"] == len(held) == 3
        assert evidence.read(capture)  # still readable: the hold wins, and was reported
        blocked = [e for e in store.audit_events() if e.action == "evidence.erase_blocked"]
        assert sorted(e.subject for e in blocked) == sorted(held)
