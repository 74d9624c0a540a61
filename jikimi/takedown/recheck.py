"""Re-checks: fetch each followed takedown URL again and see what it serves now.

A host's answer ("removed", or silence) is not proof: the URL is. So every URL whose notice went
out (sent, acknowledged, refused) is fetched again through the crawler's guarded fetcher
(`crawlers.refetch`: address guard on every hop, byte cap) and classified:

- gone: 404/410/451, or the host no longer resolves. The item is marked removed
  (`jikimi.takedown.batches.mark`, which also moves the hits to taken_down);
- same: it still serves the bytes of the item's SHA-256;
- changed: it serves other bytes (a "removed" placeholder, another file): recorded only,
  since a person has to look;
- unreachable: timeouts, refused connections, 5xx, 401/403/429: tried again next run.

Removed URLs are fetched again `takedown.recheck_removed_days` after their removal (or their
last conclusive check): one serving the same bytes again came back, and is put back to pending
so the next batch takes it (a re-upload at the same URL). The page is fetched too when the
media URL is gone, so the team sees whether the page still stands (the media may be re-hosted).

One URL's failure never stops the run; every check is audited (`takedown.recheck`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from crawlers.refetch import Fetched, fetch
from jikimi.takedown.marks import mark, sync_taken_down
from kernel.errors import FetchRefused, JikimiError
from kernel.ports import Store
from kernel.records import AuditEvent, utcnow
from kernel.settings import Settings
from kernel.takedown import CheckResult, TakedownItem, TakedownStatus

Fetcher = Callable[..., Fetched]
FOLLOWED: tuple[TakedownStatus, ...] = ("sent", "acknowledged", "refused")
GONE_STATUSES = frozenset({404, 410, 451})  # 451: unavailable for legal reasons
# What urllib / the resolver say when a host name does not exist. "Temporary failure in name
# resolution" is not among them: a resolver outage must not mark every URL removed.
_NO_SUCH_HOST = ("name or service not known", "nodename nor servname", "no address associated",
                 "getaddrinfo failed")
GONE_NOTE = "re-check: the URL no longer serves it ({why})"


@dataclass
class Outcome:
    """What one URL's check found: its class and the reason in a few words."""

    result: CheckResult
    why: str
    error: str | None = None  # set when it is worth an operator's look (guard, size cap)


@dataclass
class RecheckReport:
    """Counts of one run: each outcome, what it changed, and per-URL errors."""

    checked: int = 0
    gone: int = 0
    same: int = 0
    changed: int = 0
    unreachable: int = 0
    marked_removed: int = 0  # followed URLs found gone and marked removed now
    came_back: int = 0  # removed URLs serving the same bytes again: back to pending
    not_due: int = 0  # removed URLs checked recently enough
    errors: list[str] = field(default_factory=list)

    def count(self, result: CheckResult) -> None:
        setattr(self, result, getattr(self, result) + 1)


def recheck(store: Store, settings: Settings, actor: str, *, now: datetime | None = None,
            fetcher: Fetcher = fetch) -> RecheckReport:
    """Fetch every followed URL (and every removed one that is due) again, classify it, record
    the check on the item and act on it (see the module docstring). Never raises for a URL."""
    at = now or utcnow()
    report = RecheckReport()
    for item in store.takedown_items_in([*FOLLOWED, "removed"]):
        if item.status == "removed" and not removed_is_due(item, settings, at):
            report.not_due += 1
            continue
        try:
            _check_one(store, settings, actor, item, at, fetcher, report)
        except JikimiError as exc:  # the store or a mark failed: this URL only
            report.errors.append(f"{item.media_url}: {exc}")
    return report


def removed_is_due(item: TakedownItem, settings: Settings, now: datetime) -> bool:
    """A removed URL is fetched again `recheck_removed_days` after its removal or its last
    conclusive check (an unreachable one is tried again at the next run)."""
    last = [t for t in (item.removed_at,
                        item.checked_at if item.check_result != "unreachable" else None) if t]
    return not last or now - max(last) >= timedelta(days=settings.takedown.recheck_removed_days)


def classify(fetched: Fetched, media_sha256: str) -> Outcome:
    """The class of one answer (after redirects) for an item whose media has this SHA-256."""
    status = fetched.status
    if status in GONE_STATUSES:
        return Outcome("gone", f"HTTP {status}")
    if 200 <= status < 300:
        if hashlib.sha256(fetched.body).hexdigest() == media_sha256:
            return Outcome("same", f"HTTP {status}, same bytes")
        return Outcome("changed", f"HTTP {status}, other bytes ({len(fetched.body)})")
    return Outcome("unreachable", f"HTTP {status}")


def classify_failure(exc: FetchRefused) -> Outcome:
    """No answer: gone when the host no longer exists, else unreachable (tried again)."""
    text = str(exc)
    if any(sign in text.lower() for sign in _NO_SUCH_HOST):
        return Outcome("gone", "no such host")
    if "larger than" in text or text.startswith("refused"):
        return Outcome("unreachable", text, error=text)  # size cap, address guard
    return Outcome("unreachable", text)


def _check_one(store: Store, settings: Settings, actor: str, item: TakedownItem, at: datetime,
               fetcher: Fetcher, report: RecheckReport) -> None:
    outcome = _fetch_and_classify(settings, item.media_url, item.media_sha256, fetcher)
    report.checked += 1
    report.count(outcome.result)
    if outcome.error:
        report.errors.append(f"{item.media_url}: {outcome.error}")
    detail: dict[str, object] = {"batch": item.batch_id, "url": item.media_url,
                                 "was": item.status, "result": outcome.result,
                                 "why": outcome.why}
    store.change_takedown_item(item.item_id, lambda i: replace(
        i, checked_at=at, check_result=outcome.result))
    if outcome.result == "gone" and item.status != "removed":
        page = _fetch_and_classify(settings, item.page_url, "", fetcher)
        detail["page"] = "gone" if page.result == "gone" else \
            "up" if page.result in ("same", "changed") else "unreachable"
        mark(store, item.batch_id, item.item_id, "removed", actor, when=at,
             note=GONE_NOTE.format(why=outcome.why))
        report.marked_removed += 1
        detail["now"] = "removed"
    elif outcome.result == "same" and item.status == "removed":
        store.set_takedown_status(item.item_id, "pending", at,
                                  f"re-check: served again on {at.date()} (re-upload)")
        sync_taken_down(store, item.media_sha256, actor)
        report.came_back += 1
        detail["now"], detail["reupload"] = "pending", True
    store.record_audit(AuditEvent(action="takedown.recheck", actor=actor,
                                  subject=item.item_id, detail=detail))


def _fetch_and_classify(settings: Settings, url: str, media_sha256: str,
                        fetcher: Fetcher) -> Outcome:
    try:
        fetched = fetcher(url, allow_private=settings.evidence.allow_private,
                          max_bytes=settings.takedown.recheck_max_bytes,
                          timeout=settings.evidence.fetch_timeout,
                          user_agent=settings.crawl.user_agent)
    except FetchRefused as exc:
        return classify_failure(exc)
    return classify(fetched, media_sha256)
