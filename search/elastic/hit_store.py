"""The HitStore half on Elasticsearch: hits, their review, alerts, deliveries, the audit log.

The rules are the SQLite store's: a hit is kept once per id and only a better frame (higher
similarity) replaces its best-frame fields, while frame times always merge; an alert exists at
most once per (person, media) because its id is derived from that pair and it is written with
`op_type=create`. Review state and alert status are partial updates of top-level fields —
no scripts, so they work on any cluster. Every delivery attempt is its own document, keyed by
the alert and the attempt number the alert's counter gave it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import get_args

from kernel.errors import NotFound, StoreError
from kernel.records import Alert, AlertStatus, AuditEvent, Hit, ReviewState, utcnow
from search.elastic.codec import doc_id, dt_to_doc, media_from_doc, sighting_from_doc
from search.elastic.codec_hits import (
    alert_from_doc,
    alert_to_doc,
    audit_from_doc,
    audit_to_doc,
    frame_times,
    hit_from_doc,
    hit_to_doc,
)
from search.elastic.indices import ElasticIndices, Source
from search.redaction import mentions, redact

_ALERT_STATUSES = set(get_args(AlertStatus))
_REVIEW_STATES = set(get_args(ReviewState))


def _merge_hit(hit: Hit) -> Callable[[Source | None], Source | None]:
    best_frame = {
        "similarity": float(hit.similarity), "template_id": hit.template_id,
        "face_id": hit.face_id, "score": hit.score, "person_threshold": hit.person_threshold,
        "band": hit.band,
    }

    def rule(current: Source | None) -> Source | None:
        if current is None:  # erased meanwhile: a late frame does not resurrect the hit
            return None
        new = dict(current)
        if best_frame["similarity"] > current["similarity"]:  # the best frame speaks for it
            new.update(best_frame)
        if hit.frame_times:
            new["frame_times"] = frame_times(set(current.get("frame_times") or [])
                                             | set(hit.frame_times))
        return new

    return rule


class ElasticHitStore:
    _es: ElasticIndices

    # ----------------------------------------------------------------------------- hits ---
    def upsert_hit(self, hit: Hit) -> bool:
        if self._es.get("hits", hit.hit_id) is None:
            media = self._es.get("media", hit.media_id)
            first = next(self._es.scan(
                "sightings", {"term": {"media_id": hit.media_id}},
                [{"first_seen": "asc"}, {"media_url": "asc"}, {"page_url": "asc"}], page=1), None)
            doc = hit_to_doc(hit, None if media is None else media_from_doc(media),
                             None if first is None else sighting_from_doc(first))
            if self._es.create("hits", hit.hit_id, doc):
                return True
        self._es.change("hits", hit.hit_id, _merge_hit(hit))
        return False

    def hits(self, person_id: str | None = None) -> list[Hit]:
        query = {"match_all": {}} if person_id is None else {"term": {"person_id": person_id}}
        order = [{"created_at": "asc"}, {"hit_id": "asc"}]
        return [hit_from_doc(d) for d in self._es.scan("hits", query, order)]

    def set_review_state(
        self, hit_id: str, state: str, reviewer: str | None = None, note: str | None = None
    ) -> None:
        if state not in _REVIEW_STATES:
            raise StoreError(f"unknown review state {state!r} (one of {sorted(_REVIEW_STATES)})")
        fields = {"review_state": state, "reviewer": reviewer, "review_note": note,
                  "reviewed_at": dt_to_doc(utcnow())}
        if not self._es.patch("hits", hit_id, fields):
            raise NotFound(f"no hit with id {hit_id}")

    # --------------------------------------------------------------------------- alerts ---
    def add_alert(self, alert: Alert) -> bool:
        return self._es.create("alerts", alert.alert_id, alert_to_doc(alert))

    def alerts(self, person_id: str | None = None, status: str | None = None) -> list[Alert]:
        filters: list[Source] = []
        if person_id is not None:
            filters.append({"term": {"person_id": person_id}})
        if status is not None:
            filters.append({"term": {"status": status}})
        order = [{"created_at": "asc"}, {"alert_id": "asc"}]
        docs = self._es.scan("alerts", {"bool": {"filter": filters}}, order)
        return [alert_from_doc(d) for d in docs]

    def record_delivery(
        self, alert_id: str, channel: str, *, ok: bool, error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        def count_attempt(current: Source | None) -> Source:
            if current is None:
                raise NotFound(f"no alert with id {alert_id}")
            delivered = list(current.get("delivered_channels") or [])
            if ok and channel not in delivered:
                delivered.append(channel)  # in order of first success
            return current | {
                "attempts": current.get("attempts", 0) + 1, "delivered_channels": delivered,
                "last_error": current.get("last_error") if ok
                else error or f"{channel}: delivery failed",
            }

        stored = self._es.change("alerts", alert_id, count_attempt)
        assert stored is not None
        attempt = stored["attempts"]
        self._es.put("deliveries", doc_id("delivery", alert_id, str(attempt)), {
            "alert_id": alert_id, "person_id": stored["person_id"], "channel": channel,
            "attempt": attempt, "ok": ok, "error": error, "at": dt_to_doc(at or utcnow()),
        })

    def set_alert_status(self, alert_id: str, status: str) -> None:
        if status not in _ALERT_STATUSES:
            raise StoreError(f"unknown alert status {status!r} (one of {sorted(_ALERT_STATUSES)})")
        if not self._es.patch("alerts", alert_id, {"status": status}):
            raise NotFound(f"no alert with id {alert_id}")

    # ---------------------------------------------------------------------------- audit ---
    def record_audit(self, event: AuditEvent) -> None:
        self._es.create("audit", event.event_id, audit_to_doc(event))

    def audit_events(self, subject: str | None = None) -> list[AuditEvent]:
        query = {"match_all": {}} if subject is None else {"term": {"subject": subject}}
        order = [{"at": "asc"}, {"event_id": "asc"}]
        return [audit_from_doc(d) for d in self._es.scan("audit", query, order)]

    def redact_audit(self, ids: Collection[str]) -> int:
        """Events naming `ids` rewritten with the ids replaced (an erased person's hits)."""
        wanted = [i for i in ids if i]
        changed = 0
        for event in self.audit_events() if wanted else []:
            if mentions(event.subject, wanted) or mentions(json.dumps(event.detail), wanted):
                self._es.put("audit", event.event_id, audit_to_doc(replace(
                    event, subject=redact(event.subject, wanted),
                    detail=redact(event.detail, wanted))))
                changed += 1
        return changed
