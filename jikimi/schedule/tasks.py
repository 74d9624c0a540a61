"""The functions Airflow tasks call, one per task: open adapters from settings, run one stage.

Each takes plain values (a site name, a list of media ids, a day) and returns a small JSON-able
dict, because Airflow passes both through XCom: ids and counts, never media. Settings are read
when a task runs (`kernel.settings.get_settings`, i.e. the worker's `JIKIMI_*` environment), not
when a DAG file is parsed. Every function is idempotent, so Airflow may retry any of them.
"""

from __future__ import annotations

import logging
from contextlib import closing
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from jikimi import registry
from jikimi.flow import SitePaused, alert_stage, crawl_stage, enrich_stage, match_stage
from jikimi.schedule.batches import batches, new_media_of_site
from jikimi.schedule.erasure_requests import process_erasure_requests
from jikimi.schedule.export_batch import write_export_batch
from jikimi.schedule.retention import apply_retention as apply
from jikimi.takedown.followup import follow_up
from kernel.errors import JikimiError
from kernel.settings import Settings, get_settings

log = logging.getLogger(__name__)
MAX_ERROR_LINES = 20  # per-item errors returned through XCom; the rest are counted


def crawl_site(site_name: str, settings: Settings | None = None) -> dict[str, Any]:
    """Crawl one site definition from `<data-dir>/sites`. A crawl that fetched no page at all
    (site down, start URL refused) raises, so Airflow retries it later. A paused site is not
    crawled: the answer says `paused` (the DAG's crawl task then skips its run)."""
    settings = settings or get_settings()
    try:
        report = crawl_stage(site_name, None, settings, log.info)
    except SitePaused as exc:
        log.info("%s", exc)
        return {"site": site_name, "paused": True}
    if report.pages == 0:
        first = report.errors[0] if report.errors else "no error recorded"
        raise JikimiError(f"crawl of {site_name} fetched no page ({first})")
    return _capped(report.to_dict(), report.errors_left_out)


def plan_enrichment(site_name: str, settings: Settings | None = None) -> list[list[str]]:
    """Batches of ids of the site's media waiting for enrichment (one mapped task each)."""
    settings = settings or get_settings()
    with closing(registry.open_store(settings)) as store:
        ids = new_media_of_site(store, site_name)
    rules = settings.scheduler
    planned = batches(ids, rules.enrich_batch, rules.max_enrich_batches)
    log.info("%s: %d media to enrich in %d batches", site_name, len(ids), len(planned))
    return planned


def enrich_batch(media_ids: list[str], settings: Settings | None = None) -> dict[str, Any]:
    """Enrich exactly these media (faces, hashes, signals); per-item errors are recorded."""
    settings = settings or get_settings()
    with closing(registry.open_store(settings)) as store:
        report = enrich_stage(settings, store, media_ids=media_ids)
    return _capped(asdict(report), 0)


def match_faces(settings: Settings | None = None) -> dict[str, Any]:
    """Compare every not-yet-matched face with the enrolled templates; record hits and alerts."""
    settings = settings or get_settings()
    with closing(registry.open_store(settings)) as store:
        report = match_stage(settings, store)
    return {"faces": report.faces, "hits": report.hits, "new_hits": report.new_hits,
            "new_alerts": report.new_alerts, "persons": len(report.persons),
            "family_hits": report.family_hits,
            "seconds": round(report.seconds, 3)}


def deliver_alerts(settings: Settings | None = None) -> dict[str, Any]:
    """Deliver pending alerts on every channel (at-least-once; failed channels retry later)."""
    settings = settings or get_settings()
    with closing(registry.open_store(settings)) as store:
        report = alert_stage(settings, store)
    return _capped(asdict(report), 0)


def erase_requested(settings: Settings | None = None) -> dict[str, Any]:
    """Carry out pending erasure requests (see jikimi.schedule.erasure_requests). Raises when
    any request failed, after doing all the others: an erasure must never go unnoticed, and the
    nightly export must wait for it (the person could otherwise still appear in the batch)."""
    settings = settings or get_settings()
    with closing(registry.open_store(settings)) as store:
        report = process_erasure_requests(store, registry.open_blobs(settings), settings)
    if report.errors:
        raise JikimiError(f"{len(report.errors)} erasure request(s) failed (erased "
                          f"{len(report.erased)}): " + "; ".join(report.errors[:5]))
    return _capped(asdict(report), 0)


def export_takedown_batch(day: str, settings: Settings | None = None) -> dict[str, Any]:
    """Write the takedown batch of `day` (YYYY-MM-DD) to the blob store; return its key."""
    settings = settings or get_settings()
    with closing(registry.open_store(settings)) as store:
        batch = write_export_batch(store, registry.open_blobs(settings), settings,
                                   date.fromisoformat(day))
    return asdict(batch)


def apply_retention(now: str | None = None, settings: Settings | None = None) -> dict[str, Any]:
    """Delete what is past its retention at `now` (ISO 8601; default: the current time)."""
    settings = settings or get_settings()
    at = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    with closing(registry.open_store(settings)) as store:
        report = apply(store, registry.open_blobs(settings), settings, at)
    return asdict(report)


FOLLOW_UP_ACTOR = "housekeeping"


def recheck_takedowns(now: str | None = None, settings: Settings | None = None
                      ) -> dict[str, Any]:
    """Fetch every followed takedown URL again (gone ones become removed, removed ones served
    again go back to pending), then escalate unanswered notices. Counts, the first errors, and
    what must be sent next per batch, host and step (item counts, not ids). Idempotent: a second
    run re-checks again but escalates nothing new."""
    settings = settings or get_settings()
    at = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    with closing(registry.open_store(settings)) as store:
        done = follow_up(store, settings, FOLLOW_UP_ACTOR, now=at)
    result = done.summary() | {"error_lines": done.recheck.errors[:MAX_ERROR_LINES]}
    result["next_notices"] = [
        {"batch_id": n.batch_id, "host": n.host, "step": n.step, "items": len(n.item_ids),
         "to": n.to, "note": n.note} for n in done.escalations[:MAX_ERROR_LINES]]
    return result


def _capped(result: dict[str, Any], left_out: int) -> dict[str, Any]:
    errors = list(result.get("errors", []))
    result["errors"] = errors[:MAX_ERROR_LINES]
    result["errors_left_out"] = left_out + max(0, len(errors) - MAX_ERROR_LINES)
    return result
