"""How takedowns stand per host and per site: what a team needs to see which hosts answer, which
ignore notices, which refuse, and how long removal takes, so it knows where to escalate.

Pure computation over the store's takedown items (every batch) and, for the time to removal,
the audited marks of removed items: an item keeps only the date of its *latest* notice, and a
notice escalated to the registrar would otherwise make a slow host look fast. The only write is
one audit event (`takedown.report`) with the actor. Rows hold host and site names and counts:
never a name, a case ref or a URL.

Counting rules (the same in every row and the totals):
- sent: a notice ever went out (`sent_at` set, or a later mark: acknowledged, removed, refused);
- acknowledged, removed, refused: items whose latest mark is that one (hosts change their minds:
  refused then removed counts as removed);
- still up: latest mark sent or acknowledged, waiting for the host to act;
- time to removal: from the first notice of the item's last removal round to its removal, in
  hours, over removed items that were sent before they were removed; the median of those;
- refusal rate: refused / sent;
- re-uploads: items of origin "family" (a known item found again elsewhere), and items put back
  to pending after a removal (the URL served it again); each item counted once;
- oldest unanswered: hours since the latest notice of the oldest item still marked sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from urllib.parse import urlsplit

from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.takedown import TAKEDOWN_STATUSES, TakedownItem

ANSWERED = ("acknowledged", "removed", "refused")


@dataclass(frozen=True)
class ReportRow:
    """One host's or one site's takedowns (or all of them: the totals)."""

    name: str
    items: int
    sent: int
    acknowledged: int
    removed: int
    refused: int
    still_up: int
    reuploads: int
    median_hours_to_removal: float | None  # None: nothing sent was removed yet
    refusal_rate: float | None  # None: nothing sent yet
    oldest_unanswered_hours: float | None  # None: no notice waits for an answer


@dataclass(frozen=True)
class TakedownReport:
    made_at: datetime
    by_host: list[ReportRow]
    by_site: list[ReportRow]
    totals: ReportRow


def takedown_report(store: Store, actor: str, *, now: datetime | None = None
                    ) -> TakedownReport:
    """Every takedown item of every batch, counted per host (of the media URL, whom notices go
    to), per site (the crawl's site name where the URL pair was seen, else the page's host) and
    in total; rows sorted by name. Ages are measured at `now` (default: the current time).
    Audited as `takedown.report`."""
    at = now or utcnow()
    items = store.takedown_items_in(TAKEDOWN_STATUSES)
    hours = {i.item_id: h for i in items if (h := _hours_to_removal(store, i)) is not None}
    site_of = _site_finder(store)
    report = TakedownReport(
        made_at=at,
        by_host=_rows(items, lambda i: i.host, hours, at),
        by_site=_rows(items, site_of, hours, at),
        totals=_row("", items, hours, at))
    store.record_audit(AuditEvent(
        action="takedown.report", actor=actor, subject="takedown",
        detail={"items": len(items), "hosts": len(report.by_host),
                "sites": len(report.by_site)}))
    return report


def was_sent(item: TakedownItem) -> bool:
    return item.sent_at is not None or item.status in ANSWERED


def is_reupload(item: TakedownItem) -> bool:
    return item.origin == "family" or (item.status == "pending" and item.removed_at is not None)


def _rows(items: list[TakedownItem], key: Callable[[TakedownItem], str],
          hours: dict[str, float], now: datetime) -> list[ReportRow]:
    groups: dict[str, list[TakedownItem]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return [_row(name, groups[name], hours, now) for name in sorted(groups)]


def _row(name: str, items: list[TakedownItem], hours: dict[str, float],
         now: datetime) -> ReportRow:
    def count(statuses: Iterable[str]) -> int:
        wanted = set(statuses)
        return sum(1 for i in items if i.status in wanted)

    sent = sum(1 for i in items if was_sent(i))
    refused = count(["refused"])
    removal = [hours[i.item_id] for i in items if i.item_id in hours]
    waiting = [now - i.sent_at for i in items if i.status == "sent" and i.sent_at is not None]
    return ReportRow(
        name=name, items=len(items), sent=sent, acknowledged=count(["acknowledged"]),
        removed=count(["removed"]), refused=refused, still_up=count(["sent", "acknowledged"]),
        reuploads=sum(1 for i in items if is_reupload(i)),
        median_hours_to_removal=float(median(removal)) if removal else None,
        refusal_rate=refused / sent if sent else None,
        oldest_unanswered_hours=max(waiting).total_seconds() / 3600 if waiting else None)


def _hours_to_removal(store: Store, item: TakedownItem) -> float | None:
    """Hours from the first notice of the last removal round to the removal, or None when the
    item is not removed or no notice went out before it was removed. The round starts after
    the previous audited removal (a re-upload sent again is timed from its new notice)."""
    if item.status != "removed" or item.removed_at is None:
        return None
    removed_at = item.removed_at
    marks = _audited_marks(store, item.item_id)
    since = max((at for status, at in marks if status == "removed" and at < removed_at),
                default=None)
    sends = [at for status, at in marks if status == "sent"]
    if item.sent_at is not None:
        sends.append(item.sent_at)
    sends = [at for at in sends if at <= removed_at and (since is None or at > since)]
    if not sends:
        return None
    return (removed_at - min(sends)).total_seconds() / 3600


def _audited_marks(store: Store, item_id: str) -> list[tuple[str, datetime]]:
    """(status, when) of each `takedown.mark` of the item in the audit log."""
    marks = []
    for event in store.audit_events(item_id):
        at, status = event.detail.get("at"), event.detail.get("status")
        if event.action == "takedown.mark" and isinstance(at, str) and isinstance(status, str):
            marks.append((status, datetime.fromisoformat(at)))
    return marks


def _site_finder(store: Store) -> Callable[[TakedownItem], str]:
    """The crawl site where the item's URL pair was seen, else the page's host (the media or
    its sightings may be gone: erased or expired). Sightings are read once per media."""
    seen: dict[str, dict[tuple[str, str], str]] = {}

    def site(item: TakedownItem) -> str:
        if item.media_sha256 not in seen:
            seen[item.media_sha256] = {(s.media_url, s.page_url): s.site
                                       for s in store.sightings(item.media_sha256)}
        found = seen[item.media_sha256].get((item.media_url, item.page_url))
        return found or (urlsplit(item.page_url).hostname or "").lower()

    return site
