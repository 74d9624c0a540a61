"""Contract for the HitStore half of a Store: hits, review, alerts, deliveries.

Mixed into `StoreContract`; a subclass supplies a `store` fixture (an empty store).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kernel.errors import JikimiError, NotFound
from kernel.ports import Store
from kernel.records import AuditEvent
from tests.factories import make_alert, make_face, make_hit


class HitStoreContract:
    def test_upsert_hit_keeps_row_and_best_similarity(self, store: Store) -> None:
        face = make_face("m1")
        hit = make_hit("p1", face, similarity=0.5)
        assert store.upsert_hit(hit) is True
        store.set_review_state(hit.hit_id, "confirmed")
        assert store.upsert_hit(make_hit("p1", face, similarity=0.45)) is False
        assert store.hits()[0].similarity == pytest.approx(0.5)
        better = make_hit("p1", face, similarity=0.7, template_id="p1-t3")
        assert store.upsert_hit(better) is False
        [got] = store.hits()
        assert (got.hit_id, got.review_state, got.template_id) == (hit.hit_id, "confirmed",
                                                                   "p1-t3")
        assert got.similarity == pytest.approx(0.7)
        assert got.created_at == hit.created_at

    def test_track_hit_merges_frame_times_and_keeps_best_frame(self, store: Store) -> None:
        frames = [make_face("v1", 0, frame_ts=float(t), track=2) for t in range(4)]
        first = make_hit("p1", frames[1], similarity=0.5, track=2, frame_times=[1.0])
        assert store.upsert_hit(first) is True
        assert store.upsert_hit(make_hit("p1", frames[3], similarity=0.7, track=2,
                                         frame_times=[3.0, 0.0])) is False
        assert store.upsert_hit(make_hit("p1", frames[2], similarity=0.6, track=2,
                                         frame_times=[2.0])) is False
        [got] = store.hits()
        assert (got.hit_id, got.track, got.frame_times, got.face_id) == (
            first.hit_id, 2, [0.0, 1.0, 2.0, 3.0], frames[3].face_id)
        assert got.similarity == pytest.approx(0.7)
        other_track = make_hit("p1", frames[0], track=3, frame_times=[0.0])
        assert store.upsert_hit(other_track) is True and len(store.hits()) == 2

    def test_calibrated_fields_round_trip_on_hits_and_alerts(self, store: Store) -> None:
        hit = make_hit("p1", make_face("m1"), similarity=0.5, score=3.25,
                       person_threshold=0.47, band="likely")
        store.upsert_hit(hit)
        assert store.upsert_hit(make_hit("p1", make_face("m1"), similarity=0.6, score=4.0,
                                         person_threshold=0.47, band="strong")) is False
        [got] = store.hits()
        assert (got.score, got.person_threshold, got.band) == (4.0, 0.47, "strong")
        alert = make_alert("p1", "m1", score=4.0, person_threshold=0.47, band="strong")
        store.add_alert(alert)
        [stored] = store.alerts()
        assert (stored.score, stored.person_threshold, stored.band) == (4.0, 0.47, "strong")

    def test_audit_log_is_append_only_and_idempotent(self, store: Store) -> None:
        at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        read = AuditEvent("evidence.read", "op@ngo.example", "ev/abc", at=at,
                          detail={"reason": "takedown request"})
        store.record_audit(read)
        store.record_audit(read)
        later = AuditEvent("hit.review", "op@ngo.example", "hit-1",
                           at=datetime(2026, 1, 2, 4, 0, tzinfo=UTC))
        store.record_audit(later)
        assert store.audit_events() == [read, later]
        assert store.audit_events("ev/abc") == [read]
        assert store.audit_events("nothing") == []

    def test_hits_round_trip_and_filter(self, store: Store) -> None:
        hit = make_hit("p1", make_face("m1"))
        store.upsert_hit(hit)
        store.upsert_hit(make_hit("p2", make_face("m1")))
        assert store.hits("p1") == [hit]
        assert {h.person_id for h in store.hits()} == {"p1", "p2"}
        assert store.hits("nobody") == []

    def test_review_state(self, store: Store) -> None:
        hit = make_hit("p1", make_face("m1"))
        store.upsert_hit(hit)
        before = datetime.now(UTC).replace(microsecond=0)
        store.set_review_state(hit.hit_id, "taken_down", reviewer="rev@example.org",
                               note="host removed it")
        [got] = store.hits()
        assert (got.review_state, got.reviewer, got.review_note) == (
            "taken_down", "rev@example.org", "host removed it")
        assert got.reviewed_at is not None and got.reviewed_at >= before
        assert got.reviewed_at.tzinfo is not None
        store.set_review_state(hit.hit_id, "rejected")
        assert (store.hits()[0].review_state, store.hits()[0].reviewer) == ("rejected", None)
        with pytest.raises(NotFound):
            store.set_review_state("nope", "confirmed")
        with pytest.raises(JikimiError):
            store.set_review_state(hit.hit_id, "maybe")

    def test_one_alert_per_person_and_media(self, store: Store) -> None:
        alert = make_alert("p1", "m1")
        assert store.add_alert(alert) is True
        assert store.add_alert(alert) is False
        assert store.add_alert(make_alert("p1", "m1", similarity=0.9, page_url="x")) is False
        assert store.add_alert(make_alert("p2", "m1")) is True
        assert store.alerts("p1") == [alert]
        assert len(store.alerts()) == 2

    def test_alert_status_and_filters(self, store: Store) -> None:
        first, second = make_alert("p1", "m1"), make_alert("p1", "m2")
        store.add_alert(first)
        store.add_alert(second)
        store.set_alert_status(first.alert_id, "sent")
        store.set_alert_status(first.alert_id, "sent")
        assert [a.alert_id for a in store.alerts(status="sent")] == [first.alert_id]
        assert [a.alert_id for a in store.alerts("p1", "pending")] == [second.alert_id]
        assert store.alerts("p2", "pending") == []
        with pytest.raises(NotFound):
            store.set_alert_status("nope", "sent")
        with pytest.raises(JikimiError):
            store.set_alert_status(first.alert_id, "exploded")

    def test_record_delivery(self, store: Store) -> None:
        alert = make_alert("p1", "m1")
        store.add_alert(alert)
        when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        store.record_delivery(alert.alert_id, "smtp", ok=False, error="connection refused",
                              at=when)
        [got] = store.alerts()
        assert (got.attempts, got.last_error, got.delivered_channels) == (
            1, "connection refused", [])
        store.record_delivery(alert.alert_id, "outbox", ok=True)
        store.record_delivery(alert.alert_id, "smtp", ok=True)
        store.record_delivery(alert.alert_id, "outbox", ok=True)
        [got] = store.alerts()
        assert got.attempts == 4
        assert got.delivered_channels == ["outbox", "smtp"]
        assert got.status == "pending"  # status is the caller's decision
        with pytest.raises(NotFound):
            store.record_delivery("nope", "smtp", ok=True)

    def test_stats(self, store: Store) -> None:
        empty = store.stats()
        assert set(empty) == {"media", "media_error", "sightings", "faces", "persons",
                              "templates", "hits", "alerts", "alerts_pending"}
        assert set(empty.values()) == {0}
        store.upsert_hit(make_hit("p1", make_face("m1")))
        store.add_alert(make_alert("p1", "m1"))
        sent = make_alert("p1", "m2")
        store.add_alert(sent)
        store.set_alert_status(sent.alert_id, "sent")
        counts = store.stats()
        assert (counts["hits"], counts["alerts"], counts["alerts_pending"]) == (1, 2, 1)
