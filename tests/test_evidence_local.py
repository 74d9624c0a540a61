"""Evidence preservation with the embedded default (a local folder, no lock) against the demo
site: captures, verification against the hit, audit events, refusals, and the CLI."""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from jikimi.commands.review import cli_actor
from jikimi.demo.site import FixtureServer, photo_bytes
from jikimi.evidence.preserve import preserve_hit
from jikimi.evidence.review import hold_capture, read_record, show_capture
from kernel.errors import ConfigError, FetchRefused, NotFound, StoreError
from search.blobs.local import LocalBlobStore
from search.evidence.audited import AuditedEvidence
from search.evidence.local_locker import LocalEvidenceLocker
from tests import evidence_site
from tests.evidence_site import seeded_settings, sha256

demo_site = evidence_site.demo_site  # fixture


def test_preserve_captures_media_page_and_record(demo_site: FixtureServer, tmp_path: Path) -> None:
    settings, hits = seeded_settings(tmp_path, demo_site.base_url)
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "operator-kim")
        assert isinstance(registry.open_evidence(settings).inner, LocalEvidenceLocker)
        report = preserve_hit(store, evidence, settings, hits.matching.hit_id)
        assert report.ok and not report.immutable
        (capture,) = report.captures
        assert capture.media_matches_hit and capture.media_sha256 == hits.matching.media_id
        record = read_record(evidence, capture.key or "")
        photo = photo_bytes("person_a_2.jpg")
        assert record["media"]["sha256"] == sha256(photo) == record["expected_media_sha256"]
        assert record["media"]["url"] == f"{demo_site.base_url}/media/person_a_2.jpg"
        assert record["media"]["status"] == 200 and record["media"]["bytes"] == len(photo)
        assert ["Content-type", "image/jpeg"] in record["media"]["headers"]  # as sent
        assert record["media"]["content_type"] == "image/jpeg"
        assert record["page"]["final_url"] == f"{demo_site.base_url}/gallery/2.html"
        assert record["operator"] == "operator-kim" and record["tool"].startswith("jikimi ")
        assert record["captured_at"].endswith("Z")
        assert evidence.locker.get(record["media"]["key"]) == photo
        page = evidence.locker.get(record["page"]["key"])
        assert b"person_a_2.jpg" in page and sha256(page) == record["page"]["sha256"]
        events = store.audit_events()
    actions = [(e.action, e.subject) for e in events]
    assert ("evidence.write", record["media"]["key"]) in actions
    assert ("evidence.write", record["page"]["key"]) in actions
    assert ("evidence.write", capture.key) in actions
    assert ("evidence.read", capture.key) in actions  # read_record above was audited
    assert ("evidence.preserve", hits.matching.hit_id) in actions
    assert {e.actor for e in events} == {"operator-kim"}


def test_mismatch_and_missing_media_are_recorded_clearly(
    demo_site: FixtureServer, tmp_path: Path
) -> None:
    settings, hits = seeded_settings(tmp_path, demo_site.base_url)
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "rule:auto")
        replaced = preserve_hit(store, evidence, settings, hits.replaced.hit_id)
        (capture,) = replaced.captures
        assert not replaced.ok and capture.key and capture.media_matches_hit is False
        assert capture.media_sha256 == sha256(photo_bytes("impostor_1.jpg"))
        record = read_record(evidence, capture.key)
        assert record["media_matches_hit"] is False
        assert record["expected_media_sha256"] == hits.replaced.media_id
        gone = preserve_hit(store, evidence, settings, hits.gone.hit_id)
        assert not gone.ok and gone.captures[0].key is None
        assert "HTTP 404" in (gone.captures[0].error or "")
        summary = [
            e for e in store.audit_events(hits.gone.hit_id) if e.action == "evidence.preserve"
        ]
        assert summary and summary[0].detail["ok"] is False
        with pytest.raises(NotFound):
            preserve_hit(store, evidence, settings, "no-such-hit")


def test_private_addresses_are_refused_unless_allowed(
    demo_site: FixtureServer, tmp_path: Path
) -> None:
    settings, hits = seeded_settings(tmp_path, demo_site.base_url)
    settings.evidence.allow_private = False
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "op")
        report = preserve_hit(store, evidence, settings, hits.matching.hit_id)
        assert not report.ok and "non-public address" in (report.captures[0].error or "")
        assert list(evidence.locker.keys()) == []


def test_local_locker_is_write_once_and_honours_holds(tmp_path: Path) -> None:
    locker = LocalEvidenceLocker(LocalBlobStore(tmp_path / "evidence"))
    locker.put("media/abc", b"bytes", "image/jpeg")
    locker.put("media/abc", b"bytes", "image/jpeg")  # same content: no-op
    with pytest.raises(StoreError, match="write-once"):
        locker.put("media/abc", b"other", "image/jpeg")
    locker.set_legal_hold("media/abc", True)
    assert locker.status("media/abc").legal_hold and locker.status("media/abc").mode is None
    with pytest.raises(StoreError, match="legal hold"):
        locker.delete("media/abc")
    assert list(locker.keys()) == ["media/abc"]  # hold markers are not evidence keys
    locker.set_legal_hold("media/abc", False)
    locker.delete("media/abc")
    assert not locker.exists("media/abc")
    with pytest.raises(StoreError):
        locker.put("legal-hold/x", b"x", "text/plain")


def test_anonymous_access_is_refused(tmp_path: Path) -> None:
    locker = LocalEvidenceLocker(LocalBlobStore(tmp_path / "evidence"))
    with pytest.raises(ConfigError):
        AuditedEvidence(locker, None, "  ")  # type: ignore[arg-type]


def test_cli_preserve_show_hold(
    demo_site: FixtureServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, hits = seeded_settings(tmp_path, demo_site.base_url)
    base = ["--data-dir", str(tmp_path), "evidence"]
    assert (
        main([*base, "preserve", hits.matching.hit_id, "--operator", "kim", "--allow-private"]) == 0
    )
    key = json.loads(capsys.readouterr().out)["captures"][0]["key"]
    assert main([*base, "show", key, "--operator", "lee", "--out", str(tmp_path / "out")]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [c["sha256_ok"] for c in shown["verified"]] == [True, True]
    media_file = tmp_path / "out" / shown["record"]["media"]["key"].replace("/", "_")
    assert media_file.read_bytes() == photo_bytes("person_a_2.jpg")
    assert main([*base, "hold", key, "--on", "--operator", "lee"]) == 0
    assert len(json.loads(capsys.readouterr().out)["keys"]) == 3
    with closing(registry.open_store(settings)) as store:
        evidence = AuditedEvidence(registry.open_evidence(settings), store, "lee")
        assert all(lock["legal_hold"] for lock in show_capture(evidence, key)["locks"].values())
        hold_capture(evidence, key, False)
        events = store.audit_events()
    assert any(
        e.action == "evidence.read" and e.actor == "lee" and e.subject == key for e in events
    )
    # the CLI records the OS user as the actor, never the free-text --operator (only a note)
    assert any(e.action == "evidence.hold" and e.actor == cli_actor()
               and e.detail["note"] == "lee" for e in events)
    assert not any(e.actor in ("kim", "lee") for e in events if e.action == "evidence.write")
    assert any(e.action == "evidence.release" for e in events)
    assert main([*base, "show", "captures/" + "0" * 64 + ".json", "--operator", "x"]) == 2
    assert (
        main(
            [
                "--data-dir",
                str(tmp_path),
                "evidence",
                "preserve",
                hits.matching.hit_id,
                "--operator",
                "kim",
            ]
        )
        == 1
    )  # no --allow-private: loopback refused
    assert FetchRefused  # the refusal is reported per capture, not raised
