"""Every crawl of a site definition, kept as an audit event, so a site's recent crawls can be
shown without a crawl table: `jikimi sites list` and the portal's site pages read them.

The audit log is the store's record of what jikimi did, in SQLite and Elasticsearch alike, and
an event per crawl is small (counts, the first error line, no secret: the crawl report holds
none). `crawl_stage` records each crawl of a named site (`--url` crawls are ad hoc and belong
to no site) as `crawl.finished` with the report's counts, or `crawl.failed` with the one-line
reason when no report came back (a refused start URL, a missing secret, a crashed crawler).
"""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import datetime

from crawlers.report import CrawlReport
from jikimi import registry
from kernel.errors import JikimiError
from kernel.ports import HitStore
from kernel.records import AuditEvent
from kernel.settings import Settings

CRAWL_FINISHED = "crawl.finished"
CRAWL_FAILED = "crawl.failed"
CRAWL_ACTOR = "jikimi:flow"
MAX_ERROR_CHARS = 300
ERROR_LINES = 5  # a few of a crawl's error lines are kept, each cut to MAX_ERROR_CHARS
log = logging.getLogger(__name__)


def site_subject(name: str) -> str:
    """The audit subject of a site's crawls."""
    return f"site:{name}"


@dataclass(frozen=True)
class CrawlRecord:
    """One recorded crawl of a site: when it ended, whether a report came back, its counts."""

    at: datetime
    status: str  # "finished" | "failed"
    pages: int = 0
    media_found: int = 0
    media_new: int = 0
    errors: int = 0
    first_error: str | None = None
    seconds: float = 0.0


def record_crawl(settings: Settings, report: CrawlReport) -> None:
    """Record a finished crawl of the site `report.site`."""
    with closing(registry.open_store(settings)) as store:
        record_crawl_in(store, report)


def record_crawl_in(store: HitStore, report: CrawlReport, *, at: datetime | None = None) -> None:
    """Record a finished crawl of `report.site` in `store`, as of `at` (default: now)."""
    errors = len(report.errors) + report.errors_left_out
    detail = {"pages": report.pages, "media_found": report.media_found,
              "media_new": report.media_new, "media_known": report.media_known,
              "refused": report.refused, "robots_denied": report.robots_denied,
              "errors": errors, "seconds": report.seconds, "sources": dict(report.sources),
              "first_error": report.errors[0][:MAX_ERROR_CHARS] if report.errors else None,
              "error_lines": [line[:MAX_ERROR_CHARS] for line in report.errors[:ERROR_LINES]]}
    event = AuditEvent(action=CRAWL_FINISHED, actor=CRAWL_ACTOR,
                       subject=site_subject(report.site), detail=detail)
    store.record_audit(event if at is None else replace(event, at=at))


def record_crawl_failure(settings: Settings, site: str, reason: str) -> None:
    """Record a crawl of `site` that returned no report; never raises (the crawl's own error is
    the one to show)."""
    try:
        _record(settings, CRAWL_FAILED, site, {"errors": 1,
                                               "first_error": reason[:MAX_ERROR_CHARS]})
    except JikimiError as exc:
        log.warning("could not record the failed crawl of %s: %s", site, exc)


def crawl_history(store: HitStore, site: str) -> list[CrawlRecord]:
    """The site's recorded crawls, oldest first."""
    records = []
    for event in store.audit_events(site_subject(site)):
        if event.action not in (CRAWL_FINISHED, CRAWL_FAILED):
            continue
        detail = event.detail
        records.append(CrawlRecord(
            at=event.at, status="finished" if event.action == CRAWL_FINISHED else "failed",
            pages=int(detail.get("pages", 0)), media_found=int(detail.get("media_found", 0)),
            media_new=int(detail.get("media_new", 0)), errors=int(detail.get("errors", 0)),
            first_error=detail.get("first_error"), seconds=float(detail.get("seconds", 0.0))))
    return sorted(records, key=lambda r: r.at)


def _record(settings: Settings, action: str, site: str, detail: dict[str, object]) -> None:
    with closing(registry.open_store(settings)) as store:
        store.record_audit(AuditEvent(action=action, actor=CRAWL_ACTOR,
                                      subject=site_subject(site), detail=detail))
