"""Takedown batches: the URLs of confirmed hits a takedown team sends, and what became of each.

A team builds a batch from hits an operator confirmed — narrowed by the media's host, the site,
the case (pseudonymous person ref) and the day the hit was confirmed — downloads it as CSV/JSON
(or gets a presigned link), and marks each URL with the date it happened (`marks`). The rows
are the takedown export's (`jikimi.export.sourced_rows`), so a batch can never hold what the
export would not: unreviewed, rejected, not-sexual and escalated hits never appear. A hit
reviewed again after its batch was built (rejected after all) drops out of the batch's
downloads.

Every build, read and mark is in the audit log with the actor (`account:<id>`, `cli:<user>`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date
from typing import Any
from urllib.parse import urlsplit

from jikimi.export import FIELDS, ExportRow, encode_rows, sourced_rows
from kernel.errors import ConfigError, NotFound
from kernel.ports import Store
from kernel.records import AuditEvent, Hit, Sighting, utcnow
from kernel.settings import Settings
from kernel.takedown import FAMILY_REVIEWER, TakedownBatch, TakedownItem

# The export's columns, then where the takedown of each URL stands.
BATCH_FIELDS = [*FIELDS, "status", "sent_at", "removed_at", "refused_at", "item_id"]


@dataclass(frozen=True)
class Filters:
    """What a batch is built from; empty fields do not narrow. Days are UTC, both inclusive,
    and apply to the day the hit was confirmed (reviewed)."""

    host: str = ""  # the media URL's host, where the notice goes
    site: str = ""  # the crawl's site name, or the page's host
    case: str = ""  # the pseudonymous person ref
    since: date | None = None
    until: date | None = None

    def given(self) -> dict[str, str]:
        return {k: (v.isoformat() if isinstance(v, date) else str(v))
                for k, v in asdict(self).items() if v}


def build_batch(store: Store, settings: Settings, actor: str, *, host: str = "",
                site: str = "", case: str = "", since: date | None = None,
                until: date | None = None, legal_basis: str | None = None) -> TakedownBatch:
    """A new batch of the confirmed hits these filters select that no notice went out for
    yet, one item per (media URL, page URL). A URL pair already sent, acknowledged, removed or
    refused in an earlier batch is followed there, not sent twice; one left pending in an
    unsent batch is taken again. Items whose hits were all confirmed by a known item's family
    (re-uploads) are marked `origin="family"`. NotFound when nothing is left (no empty
    batches)."""
    filters = Filters(host.strip().lower(), site.strip(), case.strip(), since, until)
    if since and until and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    by_family: dict[str, bool] = {}
    keep_hit = _hit_filter(store, filters)

    def keep(hit: Hit) -> bool:
        by_family[hit.hit_id] = hit.reviewer == FAMILY_REVIEWER
        return keep_hit(hit)

    rows = sourced_rows(store, settings.video.sample_fps, keep_hit=keep,
                        keep_sighting=_sighting_filter(filters))
    now = utcnow()
    batch_id = f"td-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    grouped: dict[tuple[str, str], TakedownItem] = {}
    for row, hit_ids in rows:
        key = (row.media_url, row.page_url)
        if key in grouped:
            grouped[key].hit_ids = sorted({*grouped[key].hit_ids, *hit_ids})
        elif not _already_sent(store, *key):
            grouped[key] = TakedownItem(batch_id, row.media_url, row.page_url, row.host,
                                        row.sha256, hit_ids, note=_came_back(store, *key))
        if key in grouped and all(by_family.get(h) for h in grouped[key].hit_ids):
            grouped[key].origin = "family"
            grouped[key].family_of = row.family_id or None
        elif key in grouped:
            grouped[key].origin, grouped[key].family_of = "review", None
    if not grouped:
        raise NotFound("no confirmed hit matches these filters that was not sent already: "
                       "nothing to put in a batch")
    batch = TakedownBatch(batch_id, actor, now, filters.given(), len(grouped),
                          legal_basis=legal_basis or settings.takedown.legal_basis)
    store.add_takedown_batch(batch, list(grouped.values()))
    store.record_audit(AuditEvent(action="takedown.build", actor=actor, subject=batch_id,
                                  detail={"filters": batch.filters, "items": len(grouped)}))
    return batch


def _already_sent(store: Store, media_url: str, page_url: str) -> bool:
    """Whether the pair's latest item (oldest batch first) is being followed: anything but
    pending. A removed URL found serving again is put back to pending by the re-check."""
    mine = [i for i in store.takedown_items_by_url(media_url) if i.page_url == page_url]
    return bool(mine) and mine[-1].status != "pending"


def _came_back(store: Store, media_url: str, page_url: str) -> str | None:
    """The note for a pair that was removed and found serving the same bytes again by the
    re-check (`jikimi.takedown.recheck`): the new line is a re-upload at the same URL."""
    mine = [i for i in store.takedown_items_by_url(media_url) if i.page_url == page_url]
    last = mine[-1] if mine else None
    if last is None or last.removed_at is None or last.check_result != "same" or \
            last.checked_at is None:
        return None
    return (f"re-upload: removed {last.removed_at.date()}, served again "
            f"{last.checked_at.date()} (batch {last.batch_id})")


def _hit_filter(store: Store, filters: Filters) -> Callable[[Hit], bool]:
    people = None
    if filters.case:
        people = {p.person_id for p in store.list_persons() if p.ref == filters.case}

    def keep(hit: Hit) -> bool:
        day = (hit.reviewed_at or hit.created_at).astimezone(UTC).date()
        return (people is None or hit.person_id in people) and \
            (filters.since is None or day >= filters.since) and \
            (filters.until is None or day <= filters.until)

    return keep


def _sighting_filter(filters: Filters) -> Callable[[Sighting], bool]:
    def keep(sighting: Sighting) -> bool:
        host = (urlsplit(sighting.media_url).hostname or "").lower()
        page_host = (urlsplit(sighting.page_url).hostname or "").lower()
        return (not filters.host or host == filters.host) and \
            (not filters.site or filters.site in (sighting.site, page_host))

    return keep


def list_batches(store: Store, actor: str) -> list[TakedownBatch]:
    batches = store.takedown_batches()
    store.record_audit(AuditEvent(action="takedown.list", actor=actor, subject="batches",
                                  detail={"shown": len(batches)}))
    return batches


def batch_view(store: Store, batch_id: str, actor: str, sample_fps: float = 1.0
               ) -> tuple[TakedownBatch, list[dict[str, Any]]]:
    """The batch and one row per item: the export's columns (empty when its hits are no longer
    confirmed: `withdrawn`), its status, dates and note. Audited as a read."""
    batch = _batch(store, batch_id)
    rows = _item_rows(store, batch_id, sample_fps)
    store.record_audit(AuditEvent(action="takedown.view", actor=actor, subject=batch_id,
                                  detail={"items": len(rows)}))
    return batch, rows


def batch_export(store: Store, batch_id: str, fmt: str, actor: str, *,
                 sample_fps: float = 1.0, via: str = "download") -> tuple[int, bytes]:
    """The batch as CSV/JSON bytes (`BATCH_FIELDS`) and its number of rows; withdrawn items
    are left out. Audited as a read, with how it left (`via`)."""
    batch = _batch(store, batch_id)
    rows = [r for r in _item_rows(store, batch_id, sample_fps) if not r["withdrawn"]]
    for row in rows:
        for field in ("sent_at", "removed_at", "refused_at"):
            row[field] = row[field].isoformat() if row[field] else ""
    about = {"batch_id": batch.batch_id, "created_at": batch.created_at.isoformat(),
             "filters": batch.filters}
    data = encode_rows(rows, BATCH_FIELDS, fmt, about)
    store.record_audit(AuditEvent(action="takedown.read", actor=actor, subject=batch_id,
                                  detail={"format": fmt, "rows": len(rows), "via": via}))
    return len(rows), data


def _batch(store: Store, batch_id: str) -> TakedownBatch:
    batch = store.get_takedown_batch(batch_id)
    if batch is None:
        raise NotFound(f"no takedown batch {batch_id!r}")
    return batch


def _item_rows(store: Store, batch_id: str, sample_fps: float) -> list[dict[str, Any]]:
    items = store.takedown_items(batch_id)
    wanted = {h for item in items for h in item.hit_ids}
    pairs = {(item.media_url, item.page_url) for item in items}
    found: dict[tuple[str, str], list[tuple[ExportRow, list[str]]]] = {}
    for row, hit_ids in sourced_rows(
            store, sample_fps, keep_hit=lambda h: h.hit_id in wanted,
            keep_sighting=lambda s: (s.media_url, s.page_url) in pairs):
        found.setdefault((row.media_url, row.page_url), []).append((row, hit_ids))
    rows = []
    for item in items:
        mine = [r for r, ids in found.get((item.media_url, item.page_url), [])
                if set(ids) & set(item.hit_ids)]
        base = _merged(mine) if mine else {f: "" for f in FIELDS} | {
            "host": item.host, "media_url": item.media_url, "page_url": item.page_url,
            "sha256": item.media_sha256}
        rows.append(base | {
            "item_id": item.item_id, "status": item.status, "sent_at": item.sent_at,
            "removed_at": item.removed_at, "refused_at": item.refused_at, "note": item.note,
            "withdrawn": not mine})
    return rows


def _merged(rows: list[ExportRow]) -> dict[str, Any]:
    """One row for a URL pair that several people's confirmed hits share: the best match's,
    with every case ref and time range."""
    best = asdict(max(rows, key=lambda r: r.similarity))
    best["person_ref"] = "; ".join(sorted({r.person_ref for r in rows if r.person_ref}))
    best["time_ranges"] = "; ".join(dict.fromkeys(r.time_ranges for r in rows if r.time_ranges))
    return best
