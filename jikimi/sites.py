"""The sites an NGO crawls, for the people who look after them: `jikimi sites list|check` and
the portal's site pages call these two functions and render what they return.

:func:`list_sites` reads every site file in `<data-dir>/sites` (a broken one is listed with its
problem, as the scheduler skips it) and adds each site's recent crawls from the audit log
(`jikimi.crawl_log`): the last crawl's time, outcome and counts, and the media new to the store
per day over the last week. :func:`check_site` fetches one start page as a crawl would and
previews what it would take (`crawlers.site_check`); it stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from crawlers.site_check import SiteCheck, check_page
from crawlers.sites import SiteDefinition, find_site, load_site
from jikimi.crawl_log import CrawlRecord, crawl_history
from kernel.errors import ConfigError
from kernel.ports import HitStore
from kernel.settings import Settings

TREND_DAYS = 7
__all__ = ["SiteCheck", "SiteSummary", "check_site", "list_sites"]


@dataclass
class SiteSummary:
    """One site file and its recent crawls. `problem` is set (and the rest left empty) when the
    file does not load; `auth` says whether the site names secrets, never what they are."""

    name: str
    file: str
    kind: str = ""
    schedule: str = ""
    paused: bool = False
    auth: bool = False
    start_url: str = ""
    last_crawl_at: datetime | None = None
    last_crawl_status: str | None = None  # "finished" | "failed" | None (never crawled)
    last_pages: int = 0
    last_media_found: int = 0
    last_media_new: int = 0
    last_errors: int = 0
    last_error: str | None = None  # the first error line of the last crawl
    crawls: int = 0  # crawls recorded
    new_media_per_day: dict[str, int] = field(default_factory=dict)  # ISO day (UTC) -> count
    problem: str | None = None


def list_sites(settings: Settings, store: HitStore, *, today: date | None = None
               ) -> list[SiteSummary]:
    """Every site file in `settings.sites_dir`, sorted by file name, with its recent crawls."""
    folder = Path(settings.sites_dir)
    if not folder.is_dir():
        return []
    day = today or datetime.now(UTC).date()
    summaries = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"}):
        try:
            site = load_site(path)
        except ConfigError as exc:
            summaries.append(SiteSummary(name=path.stem, file=str(path), problem=str(exc)))
            continue
        summaries.append(_summary(site, path, crawl_history(store, site.name), day))
    return summaries


def check_site(settings: Settings, site: str | SiteDefinition, *, shown: int = 20) -> SiteCheck:
    """Fetch the site's first start URL once, as its crawl would, and preview what the crawl
    would take; `site` is a definition, a name in `<data-dir>/sites` or a YAML file path."""
    if isinstance(site, str):
        site = find_site(site, settings.sites_dir, settings.crawl)
    return check_page(site, settings.crawl, shown=shown)


def _summary(site: SiteDefinition, path: Path, history: list[CrawlRecord], today: date
             ) -> SiteSummary:
    summary = SiteSummary(name=site.name, file=str(path), kind=site.kind,
                          schedule=site.schedule, paused=site.paused, auth=site.auth is not None,
                          start_url=site.start_urls[0], crawls=len(history))
    days = [today - timedelta(days=n) for n in range(TREND_DAYS - 1, -1, -1)]
    per_day = dict.fromkeys(days, 0)
    for record in history:
        recorded_on = record.at.astimezone(UTC).date()
        if recorded_on in per_day:
            per_day[recorded_on] += record.media_new
    summary.new_media_per_day = {d.isoformat(): n for d, n in per_day.items()}
    if history:
        last = history[-1]
        summary.last_crawl_at, summary.last_crawl_status = last.at, last.status
        summary.last_pages, summary.last_media_found = last.pages, last.media_found
        summary.last_media_new, summary.last_errors = last.media_new, last.errors
        summary.last_error = last.first_error
    return summary
