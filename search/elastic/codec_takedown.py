"""Takedown batches and items ⇄ Elasticsearch documents.

An item document also carries its batch's creation time (`batch_created_at`), so the items of
one URL across batches come back oldest batch first from one sorted search, without a join.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from kernel.takedown import (
    CheckResult,
    EscalationStep,
    ItemOrigin,
    TakedownBatch,
    TakedownItem,
    TakedownStatus,
    recipients_from_json,
    recipients_to_json,
)
from search.elastic.codec import checked_json, dt_from_doc, dt_to_doc, opt_dt_from_doc


def _opt_dt(value: datetime | None) -> str | None:
    return None if value is None else dt_to_doc(value)


def batch_to_doc(batch: TakedownBatch) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id, "created_by": batch.created_by,
        "created_at": dt_to_doc(batch.created_at),
        "filters": checked_json(batch.filters, "takedown filters"),
        "item_count": batch.item_count, "legal_basis": batch.legal_basis,
        "recipients": checked_json(recipients_to_json(batch.recipients), "recipients"),
    }


def batch_from_doc(doc: dict[str, Any]) -> TakedownBatch:
    return TakedownBatch(
        batch_id=doc["batch_id"], created_by=doc["created_by"],
        created_at=dt_from_doc(doc["created_at"]), filters=dict(doc.get("filters") or {}),
        item_count=int(doc["item_count"]), legal_basis=doc.get("legal_basis") or "",
        recipients=recipients_from_json(dict(doc.get("recipients") or {})),
    )


def item_to_doc(item: TakedownItem, batch_created_at: datetime | str) -> dict[str, Any]:
    created = batch_created_at if isinstance(batch_created_at, str) else \
        dt_to_doc(batch_created_at)
    return {
        "item_id": item.item_id, "batch_id": item.batch_id, "batch_created_at": created,
        "media_url": item.media_url, "page_url": item.page_url, "host": item.host,
        "media_sha256": item.media_sha256, "hit_ids": list(item.hit_ids),
        "status": item.status, "sent_at": _opt_dt(item.sent_at),
        "removed_at": _opt_dt(item.removed_at), "refused_at": _opt_dt(item.refused_at),
        "note": item.note, "acknowledged_at": _opt_dt(item.acknowledged_at),
        "sent_to": item.sent_to, "escalation": item.escalation, "origin": item.origin,
        "family_of": item.family_of, "checked_at": _opt_dt(item.checked_at),
        "check_result": item.check_result,
    }


def item_from_doc(doc: dict[str, Any]) -> TakedownItem:
    return TakedownItem(
        batch_id=doc["batch_id"], media_url=doc["media_url"], page_url=doc["page_url"],
        host=doc["host"], media_sha256=doc["media_sha256"],
        hit_ids=list(doc.get("hit_ids") or []), status=cast(TakedownStatus, doc["status"]),
        sent_at=opt_dt_from_doc(doc.get("sent_at")),
        removed_at=opt_dt_from_doc(doc.get("removed_at")),
        refused_at=opt_dt_from_doc(doc.get("refused_at")), note=doc.get("note"),
        item_id=doc["item_id"], acknowledged_at=opt_dt_from_doc(doc.get("acknowledged_at")),
        sent_to=doc.get("sent_to"),
        escalation=cast(EscalationStep, doc.get("escalation") or "hosting"),
        origin=cast(ItemOrigin, doc.get("origin") or "review"), family_of=doc.get("family_of"),
        checked_at=opt_dt_from_doc(doc.get("checked_at")),
        check_result=cast("CheckResult | None", doc.get("check_result")),
    )
