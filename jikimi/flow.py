"""The embedded flow: crawl → enrich → match → alert, one stage after the other.

Matching ends with re-upload detection (`jikimi.takedown.reuploads`): freshly matched media that
re-uploads media an operator already confirmed is confirmed by its family, so the next takedown
batch takes its URLs without another review. The Airflow matching task calls `match_stage` too.

The crawl stage refuses a paused site unless asked explicitly (`even_if_paused`), and records
every crawl's counts as a `crawl.finished` audit event for the site's statistics
(`jikimi.site_stats`).

Each stage is a library function that takes its stores as arguments; this module only opens
them through the registry and chains the stages. Airflow tasks call the same stage functions.
Every stage is idempotent, so `run` after a crash simply continues where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from crawlers.job import CrawlJob
from crawlers.netguard import check_url
from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition, find_site, site_from_url
from enrichment.analyze import EnrichSettings
from enrichment.stage import EnrichReport, enrich_media_ids, enrich_pending
from jikimi import registry
from jikimi.alerts import DeliveryReport, deliver_pending
from jikimi.crawl_log import record_crawl, record_crawl_failure
from jikimi.review import alert_bands
from jikimi.takedown.reuploads import confirm_reuploads
from kernel import chaos
from kernel.errors import ConfigError, JikimiError
from kernel.ports import Store
from kernel.settings import Settings
from search.matching import MatchReport, match_new_faces

Progress = Callable[[str], None]
FLOW_ACTOR = "jikimi:flow"  # the audit log's actor for what the pipeline itself decides


@dataclass
class RunSummary:
    pages: int = 0
    media_found: int = 0
    media_new: int = 0
    enriched: int = 0
    faces: int = 0
    hits: int = 0
    new_alerts: int = 0
    family_hits: int = 0  # re-uploads of confirmed media, confirmed by their family
    for_review: int = 0  # hits that wait for an operator's decision before anyone is alerted
    alerts_sent: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def crawl_job(site: SiteDefinition, settings: Settings) -> CrawlJob:
    """The crawl of `site` with this deployment's crawl settings and its store and blob store."""
    if settings.blob_uri.startswith("memory://"):
        raise ConfigError(
            f"blob store {settings.blob_uri} lives in one process and the crawler runs in a child "
            "process: use a file:// blob store"
        )
    return CrawlJob(site, settings.crawl, settings.video.max_bytes,
                    partial(registry.open_crawl_sinks, settings), video=settings.video)


class SitePaused(ConfigError):
    """The site is paused (`paused: true`): no crawl unless asked for explicitly."""


def crawl_stage(
    site_ref: str | None, url: str | None, settings: Settings, progress: Progress | None,
    *, even_if_paused: bool = False,
) -> CrawlReport:
    if url:
        site = site_from_url(url)
    else:
        site = find_site(site_ref or "", settings.sites_dir, settings.crawl)
    if site.paused and not even_if_paused:
        raise SitePaused(f"site {site.name!r} is paused: resume it (portal /sites, or "
                         "`paused: false` in its file), or crawl it once with --even-if-paused")
    try:
        for start in site.start_urls:  # fail fast, with one clear line, on a refused start URL
            check_url(start, allow_private=settings.crawl.allow_private)
        report = crawl(crawl_job(site, settings), progress=progress)
    except JikimiError as exc:
        if not url:  # a named site's crawls are kept for `jikimi sites list` and /sites
            record_crawl_failure(settings, site.name, str(exc))
        raise
    if not url:
        record_crawl(settings, report)
    return report


def enrich_stage(
    settings: Settings, store: Store, progress: Progress | None = None,
    media_ids: Sequence[str] | None = None,
) -> EnrichReport:
    """Enrich every pending item, or exactly `media_ids` (one batch of a scheduler's fan-out)."""
    blobs, engine = registry.open_blobs(settings), registry.open_face_engine(settings)
    suite = registry.open_signal_suite(settings)
    sections = EnrichSettings(settings.media, settings.video)
    tools = partial(registry.open_enrichment_tools, settings)  # for worker processes
    if media_ids is not None:
        return enrich_media_ids(store, blobs, engine, suite, sections, media_ids, tools=tools)
    return enrich_pending(store, blobs, engine, suite, sections, progress=progress, tools=tools)


@dataclass
class MatchStageReport(MatchReport):
    family_hits: int = 0  # hits confirmed by their family (re-uploads), included in no count above


def match_stage(
    settings: Settings, store: Store, progress: Progress | None = None
) -> MatchStageReport:
    """Match new faces, then confirm re-uploads of confirmed media among the matched media."""
    report = match_new_faces(store, settings.faces, settings.matching, progress=progress,
                             alert_bands=alert_bands(settings.review))
    chaos.point("match.reuploads")
    family = confirm_reuploads(store, sorted(report.media_ids), actor=FLOW_ACTOR)
    decided = report.review_ids & {hit.hit_id for hit in family}  # no operator needed now
    report.to_review -= len(decided)
    report.review_ids -= decided
    if progress and family:
        progress(f"match: {len(family)} re-uploads of confirmed media confirmed by family")
    return MatchStageReport(**vars(report), family_hits=len(family))


def alert_stage(settings: Settings, store: Store) -> DeliveryReport:
    return deliver_pending(store, registry.open_notifiers(settings), settings)


def run_once(
    settings: Settings, *, site_ref: str | None = None, url: str | None = None,
    progress: Progress | None = None, even_if_paused: bool = False,
) -> RunSummary:
    """Crawl one site, then enrich, match and alert everything pending."""
    started = time.monotonic()
    summary = RunSummary()
    crawl_report = crawl_stage(site_ref, url, settings, progress, even_if_paused=even_if_paused)
    summary.pages, summary.media_found = crawl_report.pages, crawl_report.media_found
    summary.media_new = crawl_report.media_new
    summary.errors += crawl_report.errors
    store = registry.open_store(settings)
    try:
        enrich = enrich_stage(settings, store, progress)
        summary.enriched, summary.faces = enrich.enriched, enrich.faces
        summary.errors += enrich.errors
        match = match_stage(settings, store, progress)
        summary.hits, summary.new_alerts = match.hits, match.new_alerts
        summary.for_review, summary.family_hits = match.to_review, match.family_hits
        delivery = alert_stage(settings, store)
        summary.alerts_sent = delivery.sent
        summary.errors += delivery.errors
    finally:
        store.close()
    summary.seconds = round(time.monotonic() - started, 2)
    return summary
