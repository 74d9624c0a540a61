"""What the nightly housekeeping DAG calls, without Airflow: erasure requests, the takedown batch
in the blob store, and retention of old exports, outbox copies and kept raw media."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from jikimi import registry
from jikimi.erasure import erased_subject
from jikimi.schedule import tasks
from jikimi.schedule.erasure_requests import (
    REQUEST_PREFIX,
    pending_requests,
    process_erasure_requests,
    request_erasure,
)
from jikimi.schedule.export_batch import write_export_batch
from jikimi.schedule.retention import apply_retention
from kernel.ports import FaceIndex
from kernel.records import AuditEvent, FetchRecord
from kernel.settings import Settings
from tests.factories import (
    MODEL_ID,
    make_alert,
    make_face,
    make_hit,
    make_media,
    make_person,
    make_sighting,
    make_template,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


def person_with_hit(store, settings: Settings, data: bytes = b"img") -> tuple[str, str]:
    """An enrolled person whose face was found in one media item, confirmed by an operator and
    alerted through the outbox."""
    person = make_person()
    store.add_person(person, [make_template(person.person_id)])
    media = make_media(data)
    store.upsert_media(media)
    store.add_sighting(make_sighting(media.media_id))
    face = make_face(media.media_id)
    store.save_enrichment(media, [face])
    hit = make_hit(person.person_id, face)
    store.upsert_hit(hit)
    store.set_review_state(hit.hit_id, "confirmed", reviewer="operator-1")
    alert = make_alert(person.person_id, media.media_id)
    store.add_alert(alert)
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    (settings.outbox_dir / f"{alert.alert_id}.json").write_text(
        json.dumps({"person_id": person.person_id}))
    return person.person_id, media.media_id


def test_erasure_requests_are_carried_out_audited_and_kept_when_malformed(settings):
    blobs = registry.open_blobs(settings)
    with closing(registry.open_store(settings)) as store:
        person_id, _ = person_with_hit(store, settings)
        key = request_erasure(blobs, person_id, requested_by="operator-1")
        first = blobs.get(key)
        assert request_erasure(blobs, person_id, requested_by="someone else") == key
        assert blobs.get(key) == first  # filing twice keeps the first request
        request_erasure(blobs, "0" * 32, requested_by="operator-1")  # nobody by that id
        blobs.put(f"{REQUEST_PREFIX}broken.json", b"{not json")

        report = process_erasure_requests(store, blobs, settings)

        assert report.erased == [person_id] and report.already_gone == ["0" * 32]
        assert report.removed["persons"] == 1 and report.removed["alerts"] == 1
        assert len(report.errors) == 1 and "broken.json" in report.errors[0]
        assert store.get_person(person_id) is None and store.hits(person_id) == []
        assert list(settings.outbox_dir.iterdir()) == []
        assert store.audit_events(person_id) == []  # her id is gone from the log
        [erased, event] = store.audit_events(erased_subject(settings, person_id))
        assert erased.action == "person.erased"
        assert isinstance(event, AuditEvent) and event.action == "person.forget"
        assert event.detail["requested_by"] == "operator-1"
        assert pending_requests(blobs) == [f"{REQUEST_PREFIX}broken.json"]  # left for a person

        again = process_erasure_requests(store, blobs, settings)
        assert again.erased == [] and len(again.errors) == 1


def test_export_batch_is_one_object_per_day(settings):
    blobs = registry.open_blobs(settings)
    day = NOW.date()
    with closing(registry.open_store(settings)) as store:
        person_with_hit(store, settings)
        batch = write_export_batch(store, blobs, settings, day)
        assert batch.key == "exports/2026-06-01/takedown-2026-06-01.json" and batch.rows == 1
        person_with_hit(store, settings, data=b"other")
        again = write_export_batch(store, blobs, settings, day)  # a retried or re-run task
    assert again.key == batch.key and again.rows == 2
    assert list(blobs.keys("exports/")) == [batch.key]
    assert json.loads(blobs.get(batch.key))["count"] == 2
    csv_settings = settings.model_copy(deep=True)
    csv_settings.scheduler.export_format = "csv"
    result = tasks.export_takedown_batch("2026-06-02", csv_settings)
    assert result["key"].endswith("2026-06-02/takedown-2026-06-02.csv") and result["rows"] == 2
    assert blobs.get(result["key"]).decode().startswith("host,media_url")


def test_retention_deletes_only_what_is_past_its_time(settings):
    settings.media.keep_media = True
    blobs = registry.open_blobs(settings)
    old, recent = NOW - timedelta(days=200), NOW - timedelta(days=2)
    for key in ("exports/2026-01-01/takedown-2026-01-01.json",
                "exports/2026-05-30/takedown-2026-05-30.json", "exports/readme.txt"):
        blobs.put(key, b"batch")
    with closing(registry.open_store(settings)) as store:
        person_id, matched = person_with_hit(store, settings)  # its alert: pending, today
        sent_old = make_alert(person_id, "a" * 64, created_at=old)
        sent_new = make_alert(person_id, "b" * 64, created_at=recent)
        pending_old = make_alert(person_id, "c" * 64, created_at=old)
        withdrawn_old = make_alert(person_id, "d" * 64, created_at=old)
        for alert, status in ((sent_old, "sent"), (sent_new, "sent"), (pending_old, "pending"),
                              (withdrawn_old, "withdrawn")):
            store.add_alert(alert)
            store.set_alert_status(alert.alert_id, status)
            (settings.outbox_dir / f"{alert.alert_id}.json").write_text("{}")
        stale = make_media(b"stranger", last_seen=old, first_seen=old, blob_key="kept/stale")
        fresh = make_media(b"fresh", last_seen=recent, blob_key="kept/fresh")
        for media in (stale, fresh):
            store.upsert_media(media)
            blobs.put(media.blob_key or "", b"bytes")
        blobs.put(f"kept/{matched}", b"evidence")
        store.save_enrichment(make_media(b"img", blob_key=f"kept/{matched}", last_seen=old), [])

        [todays] = [a.alert_id for a in store.alerts(person_id) if a.media_id == matched]
        report = apply_retention(store, blobs, settings, NOW + timedelta(days=10))

    assert report.exports_deleted == 1 and report.kept_media_deleted == 1
    assert sorted(blobs.keys("exports/")) == [
        "exports/2026-05-30/takedown-2026-05-30.json", "exports/readme.txt"]
    assert sorted(blobs.keys("kept/")) == sorted(["kept/fresh", f"kept/{matched}"])
    assert report.outbox_deleted == 2
    assert sorted(p.stem for p in settings.outbox_dir.iterdir()) == sorted(
        [todays, sent_new.alert_id, pending_old.alert_id])


def test_retention_deletes_stranger_media_with_faces_and_kept_bytes(settings):
    settings.media.keep_media = True
    settings.scheduler.stranger_media_retention_days = 180
    settings.scheduler.kept_media_retention_days = 1000  # this test is about the record's age
    blobs = registry.open_blobs(settings)
    old, recent = NOW - timedelta(days=181), NOW - timedelta(days=179)
    with closing(registry.open_store(settings)) as store:
        _, matched = person_with_hit(store, settings, data=b"victim")
        strangers = []
        for n, seen in enumerate((old, old, recent)):
            media = make_media(f"stranger {n}".encode(), first_seen=seen, last_seen=seen,
                               blob_key=f"kept/stranger-{n}")
            store.upsert_media(media)
            store.add_sighting(make_sighting(media.media_id, n, first_seen=seen, last_seen=seen))
            store.save_enrichment(media, [make_face(media.media_id, i, seed=10 * n + i)
                                          for i in range(2)])
            store.record_fetch(FetchRecord(f"https://example.org/{n}.jpg", media.media_id))
            blobs.put(media.blob_key or "", b"kept bytes")
            strangers.append(media)
        blobs.put(f"kept/{matched}", b"evidence")
        store.save_enrichment(make_media(b"victim", blob_key=f"kept/{matched}"), [])
        index = registry.open_face_search(settings, store)
        assert isinstance(index, FaceIndex) and index.sync()["added"] == 6 + 1

        report = apply_retention(store, blobs, settings, NOW)
        again = apply_retention(store, blobs, settings, NOW)

        gone, kept = [m.media_id for m in strangers[:2]], strangers[2].media_id
        assert (report.stranger_media_deleted, report.stranger_faces_deleted,
                report.stranger_sightings_deleted, report.stranger_blobs_deleted,
                report.stranger_media_refused) == (2, 4, 2, 2, 0)
        assert report.index_faces_purged == 4  # their vectors left the face index's files
        assert (again.stranger_media_deleted, again.stranger_blobs_deleted) == (0, 0)
        assert all(store.get_media(media_id) is None for media_id in gone)
        assert store.get_fetch("https://example.org/0.jpg") is None
        assert {f.media_id for f in store.faces(MODEL_ID)} == {kept, matched}
        assert store.get_media(matched) is not None and store.sightings(matched) != []
        assert sorted(blobs.keys("kept/")) == sorted(["kept/stranger-2", f"kept/{matched}"])
        assert store.expired_media(NOW + timedelta(days=1000), 10) == [kept]  # never `matched`


def test_retention_sweeps_raw_bytes_a_crash_left_behind(settings):
    blobs = registry.open_blobs(settings)
    with closing(registry.open_store(settings)) as store:
        done = make_media(b"done", status="enriched")
        store.upsert_media(done)
        store.save_enrichment(done, [])
        waiting = make_media(b"waiting")
        store.upsert_media(waiting)
        for media in (done, waiting):
            blobs.put(f"incoming/{media.media_id}", b"raw")
    result = tasks.apply_retention("2026-06-01T00:00:00", settings)
    assert result["incoming_swept"] == 1
    assert list(blobs.keys("incoming/")) == [f"incoming/{waiting.media_id}"]


def test_erase_and_plan_tasks_open_their_adapters_from_settings(settings):
    blobs = registry.open_blobs(settings)
    with closing(registry.open_store(settings)) as store:
        person_id, _ = person_with_hit(store, settings)
        waiting = make_media(b"waiting")
        store.upsert_media(waiting)
        store.add_sighting(make_sighting(waiting.media_id, site="gallery"))
    request_erasure(blobs, person_id, requested_by="operator-1")
    result = tasks.erase_requested(settings)
    assert result["erased"] == [person_id] and result["errors_left_out"] == 0
    assert tasks.plan_enrichment("gallery", settings) == [[waiting.media_id]]
    assert tasks.plan_enrichment("elsewhere", settings) == []
    json.dumps(result)  # what a task returns goes through XCom as JSON
