"""The HitStore half of the SQLite store: hits, their human review, alerts and deliveries.

A hit is kept once per (person, face) and only its best similarity is remembered; an alert exists
at most once per (person, media), ever, enforced by a UNIQUE constraint rather than by callers.
Each delivery attempt is its own row, so the alert's channels, attempts and last error are facts
recorded as they happened, and a channel that succeeded once is never sent to again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import cast, get_args

from kernel.errors import NotFound, StoreError
from kernel.records import Alert, AlertStatus, AuditEvent, Hit, MatchBand, ReviewState, utcnow
from search.sqlite.codec import dt_from_db, dt_to_db, json_from_db, json_to_db, opt_dt_from_db
from search.sqlite.db import SqliteDatabase

_ALERT_STATUSES = set(get_args(AlertStatus))
_REVIEW_STATES = set(get_args(ReviewState))


class SqliteHitStore:
    _db: SqliteDatabase

    # ----------------------------------------------------------------------------- hits ---
    def upsert_hit(self, hit: Hit) -> bool:
        with self._db.transaction() as conn:
            inserted = conn.execute(
                "INSERT INTO hits (hit_id, person_id, face_id, media_id, model_id, similarity, "
                "threshold, template_id, created_at, review_state, track, frame_times, score, "
                "person_threshold, band) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (hit_id) DO NOTHING",
                (hit.hit_id, hit.person_id, hit.face_id, hit.media_id, hit.model_id,
                 float(hit.similarity), float(hit.threshold), hit.template_id,
                 dt_to_db(hit.created_at), hit.review_state, hit.track,
                 _times_to_db(hit.frame_times), hit.score, hit.person_threshold, hit.band),
            ).rowcount
            if not inserted:  # the best frame (highest similarity) speaks for the hit
                conn.execute(
                    "UPDATE hits SET similarity = ?, template_id = ?, face_id = ?, score = ?, "
                    "person_threshold = ?, band = ? WHERE hit_id = ? AND similarity < ?",
                    (float(hit.similarity), hit.template_id, hit.face_id, hit.score,
                     hit.person_threshold, hit.band, hit.hit_id, float(hit.similarity)),
                )
                if hit.frame_times:
                    row = conn.execute(
                        "SELECT frame_times FROM hits WHERE hit_id = ?", (hit.hit_id,)
                    ).fetchone()
                    merged = set(json_from_db(row[0])) | set(hit.frame_times)
                    conn.execute(
                        "UPDATE hits SET frame_times = ? WHERE hit_id = ?",
                        (_times_to_db(merged), hit.hit_id),
                    )
        return bool(inserted)

    def hits(self, person_id: str | None = None) -> list[Hit]:
        sql = "SELECT * FROM hits"
        params: tuple[str, ...] = ()
        if person_id is not None:
            sql, params = sql + " WHERE person_id = ?", (person_id,)
        return [_hit_from_row(row) for row in self._db.query(sql + " ORDER BY created_at, hit_id",
                                                             params)]

    def set_review_state(
        self, hit_id: str, state: str, reviewer: str | None = None, note: str | None = None
    ) -> None:
        if state not in _REVIEW_STATES:
            raise StoreError(f"unknown review state {state!r} (one of {sorted(_REVIEW_STATES)})")
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE hits SET review_state = ?, reviewer = ?, review_note = ?, "
                "reviewed_at = ? WHERE hit_id = ?",
                (state, reviewer, note, dt_to_db(utcnow()), hit_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no hit with id {hit_id}")

    # --------------------------------------------------------------------------- alerts ---
    def add_alert(self, alert: Alert) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO alerts (alert_id, person_id, media_id, similarity, "
                "model_id, media_url, page_url, created_at, status, attempts, last_error, "
                "score, person_threshold, band) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (alert.alert_id, alert.person_id, alert.media_id, float(alert.similarity),
                 alert.model_id, alert.media_url, alert.page_url, dt_to_db(alert.created_at),
                 alert.status, alert.attempts, alert.last_error, alert.score,
                 alert.person_threshold, alert.band),
            )
            return cursor.rowcount == 1

    def alerts(self, person_id: str | None = None, status: str | None = None) -> list[Alert]:
        clauses, params = [], []
        if person_id is not None:
            clauses.append("person_id = ?")
            params.append(person_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.query(f"SELECT * FROM alerts{where} ORDER BY created_at, alert_id", params)
        delivered = self._delivered_channels([row["alert_id"] for row in rows])
        return [_alert_from_row(row, delivered.get(row["alert_id"], [])) for row in rows]

    def record_delivery(
        self, alert_id: str, channel: str, *, ok: bool, error: str | None = None,
        at: datetime | None = None,
    ) -> None:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE alerts SET attempts = attempts + 1, "
                "last_error = CASE WHEN ? THEN last_error ELSE ? END WHERE alert_id = ?",
                (ok, error or f"{channel}: delivery failed", alert_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no alert with id {alert_id}")
            conn.execute(
                "INSERT INTO deliveries (alert_id, channel, ok, error, at) VALUES (?, ?, ?, ?, ?)",
                (alert_id, channel, int(ok), error, dt_to_db(at or utcnow())),
            )

    def set_alert_status(self, alert_id: str, status: str) -> None:
        if status not in _ALERT_STATUSES:
            raise StoreError(f"unknown alert status {status!r} (one of {sorted(_ALERT_STATUSES)})")
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE alerts SET status = ? WHERE alert_id = ?", (status, alert_id)
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no alert with id {alert_id}")

    # ---------------------------------------------------------------------------- audit ---
    def record_audit(self, event: AuditEvent) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO audit (event_id, at, actor, action, subject, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (event.event_id, dt_to_db(event.at), event.actor, event.action, event.subject,
                 json_to_db(event.detail, f"audit detail of {event.action}")),
            )

    def audit_events(self, subject: str | None = None) -> list[AuditEvent]:
        where, params = ("WHERE subject = ?", (subject,)) if subject is not None else ("", ())
        rows = self._db.query(f"SELECT * FROM audit {where} ORDER BY at, event_id", params)
        return [
            AuditEvent(action=row["action"], actor=row["actor"], subject=row["subject"],
                       at=dt_from_db(row["at"]), detail=json_from_db(row["detail"]),
                       event_id=row["event_id"])
            for row in rows
        ]

    def _delivered_channels(self, alert_ids: list[str]) -> dict[str, list[str]]:
        """Channels that succeeded at least once, per alert, in order of first success."""
        delivered: dict[str, list[str]] = {}
        for start in range(0, len(alert_ids), 500):  # stay under SQLite's variable limit
            chunk = alert_ids[start:start + 500]
            rows = self._db.query(
                "SELECT alert_id, channel, MIN(delivery_id) AS first FROM deliveries "
                f"WHERE ok = 1 AND alert_id IN ({', '.join('?' * len(chunk))}) "
                "GROUP BY alert_id, channel ORDER BY first",
                chunk,
            )
            for row in rows:
                delivered.setdefault(row["alert_id"], []).append(row["channel"])
        return delivered


def _hit_from_row(row: sqlite3.Row) -> Hit:
    return Hit(
        person_id=row["person_id"], face_id=row["face_id"], media_id=row["media_id"],
        model_id=row["model_id"], similarity=row["similarity"], threshold=row["threshold"],
        template_id=row["template_id"], created_at=dt_from_db(row["created_at"]),
        review_state=cast(ReviewState, row["review_state"]), hit_id=row["hit_id"],
        reviewer=row["reviewer"], review_note=row["review_note"],
        reviewed_at=opt_dt_from_db(row["reviewed_at"]), track=row["track"],
        frame_times=json_from_db(row["frame_times"]), score=row["score"],
        person_threshold=row["person_threshold"], band=cast(MatchBand | None, row["band"]),
    )


def _times_to_db(times: Iterable[float]) -> str:
    return json_to_db(sorted({round(float(t), 3) for t in times}), "hit frame times")


def _alert_from_row(row: sqlite3.Row, delivered: list[str]) -> Alert:
    return Alert(
        person_id=row["person_id"], media_id=row["media_id"], similarity=row["similarity"],
        model_id=row["model_id"], media_url=row["media_url"], page_url=row["page_url"],
        created_at=dt_from_db(row["created_at"]), status=cast(AlertStatus, row["status"]),
        attempts=row["attempts"], last_error=row["last_error"], delivered_channels=delivered,
        alert_id=row["alert_id"], score=row["score"], person_threshold=row["person_threshold"],
        band=cast(MatchBand | None, row["band"]),
    )
