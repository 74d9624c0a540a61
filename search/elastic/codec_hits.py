"""Records ⇄ Elasticsearch documents for persons, templates, hits, alerts and the audit log.

Names, contacts and template embeddings are encrypted with the store's TemplateCipher exactly as
the SQLite store encrypts them (Fernet tokens), then base64'd for `binary` fields, which
Elasticsearch never indexes: an operator with read access to the index sees ciphertext and can
neither search nor aggregate it. Hit documents also carry, for review in Kibana without joins,
where the media was first seen and its synthetic-media score; reads ignore those fields.
"""

from __future__ import annotations

import base64
from typing import Any, cast

from kernel.records import (
    Alert,
    AlertStatus,
    AuditEvent,
    Hit,
    MatchBand,
    Media,
    Person,
    ReviewState,
    Sighting,
    Template,
)
from search.crypto import TemplateCipher
from search.elastic.codec import checked_json, dt_from_doc, dt_to_doc, host_of, opt_dt_from_doc


def _seal(token: bytes) -> str:
    return base64.b64encode(token).decode("ascii")


def _unseal(text: str) -> bytes:
    return base64.b64decode(text)


# -------------------------------------------------------------------- persons, templates ---
def person_to_doc(person: Person, cipher: TemplateCipher) -> dict[str, Any]:
    def sealed(text: str | None) -> str | None:
        return None if text is None else _seal(cipher.encrypt_text(text))

    return {
        "person_id": person.person_id, "name": sealed(person.name), "ref": person.ref,
        "email": sealed(person.email), "webhook": sealed(person.webhook),
        "created_at": dt_to_doc(person.created_at),
        "webhook_secret": sealed(person.webhook_secret),
    }


def person_from_doc(doc: dict[str, Any], cipher: TemplateCipher) -> Person:
    def opened(text: str | None) -> str | None:
        return None if text is None else cipher.decrypt_text(_unseal(text))

    return Person(
        person_id=doc["person_id"], name=cipher.decrypt_text(_unseal(doc["name"])),
        ref=doc["ref"], email=opened(doc.get("email")), webhook=opened(doc.get("webhook")),
        created_at=dt_from_doc(doc["created_at"]),
        webhook_secret=opened(doc.get("webhook_secret")),
    )


def template_to_doc(template: Template, cipher: TemplateCipher) -> dict[str, Any]:
    return {
        "template_id": template.template_id, "person_id": template.person_id,
        "model_id": template.model_id,
        "embedding": _seal(cipher.encrypt_vector(template.embedding)),
        "created_at": dt_to_doc(template.created_at),
    }


def template_from_doc(doc: dict[str, Any], cipher: TemplateCipher) -> Template:
    return Template(
        template_id=doc["template_id"], person_id=doc["person_id"], model_id=doc["model_id"],
        embedding=cipher.decrypt_vector(_unseal(doc["embedding"])),
        created_at=dt_from_doc(doc["created_at"]),
    )


# ----------------------------------------------------------------------------------- hits ---
def frame_times(times: list[float] | set[float]) -> list[float]:
    """Sorted, de-duplicated, millisecond-rounded: what the SQLite store keeps too."""
    return sorted({round(float(t), 3) for t in times})


def hit_to_doc(hit: Hit, media: Media | None, first: Sighting | None) -> dict[str, Any]:
    return {
        "hit_id": hit.hit_id, "person_id": hit.person_id, "face_id": hit.face_id,
        "media_id": hit.media_id, "model_id": hit.model_id, "template_id": hit.template_id,
        "similarity": float(hit.similarity), "threshold": float(hit.threshold),
        "created_at": dt_to_doc(hit.created_at), "review_state": hit.review_state,
        "reviewer": hit.reviewer, "review_note": hit.review_note,
        "reviewed_at": None if hit.reviewed_at is None else dt_to_doc(hit.reviewed_at),
        "track": hit.track, "frame_times": frame_times(hit.frame_times), "score": hit.score,
        "person_threshold": hit.person_threshold, "band": hit.band,
        # review context (not part of the record): one data view, no joins
        "site": first.site if first else None, "media_url": first.media_url if first else None,
        "page_url": first.page_url if first else None,
        "page_host": host_of(first.page_url) if first else None,
        "media_kind": media.kind if media else None,
        "fake_score": media.fake_score if media else None,
        "score_basis": media.score_basis if media else None,
    }


def hit_from_doc(doc: dict[str, Any]) -> Hit:
    return Hit(
        person_id=doc["person_id"], face_id=doc["face_id"], media_id=doc["media_id"],
        model_id=doc["model_id"], similarity=doc["similarity"], threshold=doc["threshold"],
        template_id=doc["template_id"], created_at=dt_from_doc(doc["created_at"]),
        review_state=cast(ReviewState, doc["review_state"]), hit_id=doc["hit_id"],
        reviewer=doc.get("reviewer"), review_note=doc.get("review_note"),
        reviewed_at=opt_dt_from_doc(doc.get("reviewed_at")), track=doc.get("track"),
        frame_times=list(doc.get("frame_times") or []), score=doc.get("score"),
        person_threshold=doc.get("person_threshold"),
        band=cast(MatchBand | None, doc.get("band")),
    )


# --------------------------------------------------------------------------------- alerts ---
def alert_to_doc(alert: Alert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id, "person_id": alert.person_id, "media_id": alert.media_id,
        "model_id": alert.model_id, "similarity": float(alert.similarity),
        "media_url": alert.media_url, "page_url": alert.page_url,
        "created_at": dt_to_doc(alert.created_at), "status": alert.status,
        "attempts": alert.attempts, "last_error": alert.last_error,
        "delivered_channels": list(alert.delivered_channels), "score": alert.score,
        "person_threshold": alert.person_threshold, "band": alert.band,
    }


def alert_from_doc(doc: dict[str, Any]) -> Alert:
    return Alert(
        person_id=doc["person_id"], media_id=doc["media_id"], similarity=doc["similarity"],
        model_id=doc["model_id"], media_url=doc["media_url"], page_url=doc["page_url"],
        created_at=dt_from_doc(doc["created_at"]), status=cast(AlertStatus, doc["status"]),
        attempts=doc.get("attempts", 0), last_error=doc.get("last_error"),
        delivered_channels=list(doc.get("delivered_channels") or []),
        alert_id=doc["alert_id"], score=doc.get("score"),
        person_threshold=doc.get("person_threshold"),
        band=cast(MatchBand | None, doc.get("band")),
    )


# ---------------------------------------------------------------------------------- audit ---
def audit_to_doc(event: AuditEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id, "action": event.action, "actor": event.actor,
        "subject": event.subject, "at": dt_to_doc(event.at),
        "detail": checked_json(event.detail, f"audit detail of {event.action}"),
    }


def audit_from_doc(doc: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        action=doc["action"], actor=doc["actor"], subject=doc["subject"],
        at=dt_from_doc(doc["at"]), detail=doc.get("detail") or {}, event_id=doc["event_id"],
    )
