"""Marks: what happened to one URL of a batch (sent, acknowledged, removed, refused) and when,
whom a sent notice went to, and the hits' `taken_down` state that follows from the marks.

A mark is a fact a takedown team records (or the re-check finds, or a sent notice implies); the
store applies it through `kernel.takedown.with_status`, so every store keeps the date of each
kind of mark. Once every URL where a media item was seen stands removed, its confirmed hits
become `taken_down` (and `confirmed` again if a URL is marked otherwise later). Every mark is in
the audit log with the actor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from kernel.errors import ConfigError, NotFound
from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.takedown import MARKS, EscalationStep, TakedownItem, TakedownStatus, with_status

NOTE_MAX = 500

def record_sent(store: Store, item_id: str, address: str, step: EscalationStep,
                actor: str, at: datetime | None = None) -> TakedownItem:
    """A notice about this item went to `address` at escalation `step`: mark it sent (with
    the media's taken-down state kept in step) and remember to whom. Audited."""
    when = at or utcnow()
    stored = store.change_takedown_item(item_id, lambda i: replace(
        with_status(i, "sent", when), sent_to=address, escalation=step))
    store.record_audit(AuditEvent(
        action="takedown.mark", actor=actor, subject=item_id,
        detail={"batch": stored.batch_id, "status": "sent", "at": when.isoformat(),
                "to": address, "step": step}))
    sync_taken_down(store, stored.media_sha256, actor)
    return stored


def mark(store: Store, batch_id: str, item: str, status: TakedownStatus | str, actor: str,
         when: datetime | date | None = None, note: str | None = None) -> list[TakedownItem]:
    """Mark one URL of a batch sent, removed or refused on `when` (default: now). `item` is an
    item id, else a media URL, else a page URL (every item of that page). Returns the items
    as stored. NotFound for an unknown batch or URL; ConfigError for a bad status, a date in
    the future or an overlong note."""
    if status not in MARKS:
        raise ConfigError(f"unknown takedown status {status!r}: use one of {', '.join(MARKS)}")
    chosen_status = cast(TakedownStatus, status)
    at = as_moment(when) if when is not None else utcnow()
    if at > utcnow() + timedelta(days=1):
        raise ConfigError(f"{at.date()} is in the future: mark what has happened")
    if note is not None and len(note) > NOTE_MAX:
        raise ConfigError(f"a note has at most {NOTE_MAX} characters")
    if store.get_takedown_batch(batch_id) is None:
        raise NotFound(f"no takedown batch {batch_id!r}")
    chosen = _choose(store.takedown_items(batch_id), item)
    if not chosen:
        raise NotFound(f"batch {batch_id} has no item or URL {item!r}")
    marked = []
    for one in chosen:
        stored = store.set_takedown_status(one.item_id, chosen_status, at, note or None)
        store.record_audit(AuditEvent(
            action="takedown.mark", actor=actor, subject=one.item_id,
            detail={"batch": batch_id, "status": status, "at": at.isoformat(),
                    "note": bool(note)}))
        marked.append(stored)
    for media_id in sorted({one.media_sha256 for one in chosen}):
        sync_taken_down(store, media_id, actor)
    return marked


def _choose(items: list[TakedownItem], wanted: str) -> list[TakedownItem]:
    for match in (lambda i: i.item_id == wanted, lambda i: i.media_url == wanted,
                  lambda i: i.page_url == wanted):
        chosen = [i for i in items if match(i)]
        if chosen:
            return chosen
    return []


def as_moment(when: datetime | date) -> datetime:
    """A mark's time: a day is its UTC midnight; a naive time is taken to be UTC."""
    if not isinstance(when, datetime):
        return datetime.combine(when, time(), tzinfo=UTC)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def sync_taken_down(store: Store, media_id: str, actor: str) -> None:
    """Confirmed hits of a media item become `taken_down` once every URL pair where it was seen
    stands removed (its latest mark, in any batch, is "removed"), and `confirmed` again when
    one no longer does. The operator's review note and name stay; the change is audited."""
    pairs = {(s.media_url, s.page_url) for s in store.sightings(media_id)}
    removed = bool(pairs) and all(_latest_mark(store, *pair) == "removed" for pair in pairs)
    target, source = ("taken_down", "confirmed") if removed else ("confirmed", "taken_down")
    for hit in store.hits():
        if hit.media_id != media_id or hit.review_state != source:
            continue
        store.set_review_state(hit.hit_id, target, reviewer=hit.reviewer, note=hit.review_note)
        store.record_audit(AuditEvent(action="hit.takedown_state", actor=actor,
                                      subject=hit.hit_id,
                                      detail={"state": target, "media": media_id}))


def _latest_mark(store: Store, media_url: str, page_url: str) -> str:
    marks = [(getattr(i, f"{i.status}_at"), i.status) for i in
             store.takedown_items_by_url(media_url)
             if i.page_url == page_url and i.status != "pending"]
    return max(marks)[1] if marks else "pending"
