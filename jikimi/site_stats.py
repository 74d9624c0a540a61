"""Per-site statistics from what crawls record: the last crawl, new media per day, errors.

Every crawl of a named site (`jikimi crawl|run SITE`, the scheduler's crawl task, the demo)
ends by writing its report's counts to the audit log as `crawl.finished` (or `crawl.failed`)
on subject `site:<name>` (`jikimi.crawl_log`, called by `jikimi.flow.crawl_stage`). The
statistics read those events only: the audit log is indexed by subject in every store, so a
site's numbers cost one query, where counting from sightings would read every media item and its
sightings on each page view (the store has no per-site query). "New media" is the report's
`media_new`: media stored for the first time by that site's crawl. Crawls from before this
event existed are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jikimi.crawl_log import CRAWL_FAILED, CRAWL_FINISHED, site_subject
from kernel.ports import HitStore
from kernel.records import AuditEvent

__all__ = ["DayCount", "LastCrawl", "SiteStats", "site_stats", "site_subject"]

@dataclass(frozen=True)
class LastCrawl:
    at: datetime
    pages: int
    media_found: int
    media_new: int
    errors: int
    error_lines: list[str]
    seconds: float


@dataclass(frozen=True)
class DayCount:
    day: date
    media_new: int
    crawls: int


@dataclass(frozen=True)
class SiteStats:
    name: str
    last_crawl: LastCrawl | None
    days: list[DayCount] = field(default_factory=list)  # oldest first, today last

    @property
    def media_new_total(self) -> int:
        return sum(d.media_new for d in self.days)

    @property
    def media_new_peak(self) -> int:
        return max((d.media_new for d in self.days), default=0)

    def to_dict(self) -> dict[str, Any]:
        last = self.last_crawl
        return {
            "name": self.name,
            "last_crawl": None if last is None else {
                "at": last.at.isoformat(), "pages": last.pages,
                "media_found": last.media_found, "media_new": last.media_new,
                "errors": last.errors, "error_lines": last.error_lines,
                "seconds": last.seconds},
            "new_media_per_day": [{"day": d.day.isoformat(), "media_new": d.media_new,
                                   "crawls": d.crawls} for d in self.days],
        }


def site_stats(store: HitStore, name: str, *, now: datetime | None = None,
               days: int = 7) -> SiteStats:
    """The site's last crawl and its new media per UTC day for the last `days` days."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    per_day = {first + timedelta(days=i): [0, 0] for i in range(days)}
    last: AuditEvent | None = None
    for event in store.audit_events(site_subject(name)):
        if event.action not in (CRAWL_FINISHED, CRAWL_FAILED):
            continue
        last = event if last is None or event.at >= last.at else last
        counts = per_day.get(event.at.astimezone(UTC).date())
        if counts is not None:
            counts[0] += int(event.detail.get("media_new", 0))
            counts[1] += 1
    return SiteStats(name, None if last is None else _last_crawl(last),
                     [DayCount(day, n, c) for day, (n, c) in sorted(per_day.items())])


def _last_crawl(event: AuditEvent) -> LastCrawl:
    detail = event.detail
    return LastCrawl(at=event.at, pages=int(detail.get("pages", 0)),
                     media_found=int(detail.get("media_found", 0)),
                     media_new=int(detail.get("media_new", 0)),
                     errors=int(detail.get("errors", 0)),
                     error_lines=[str(x) for x in detail.get("error_lines")
                                  or ([detail["first_error"]] if detail.get("first_error")
                                      else [])],
                     seconds=float(detail.get("seconds", 0.0)))
