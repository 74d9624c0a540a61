"""One DAG per site definition: crawl the site on its own cron schedule, then enrich, match, alert.

The DAGs are generated from the YAML files in `<data-dir>/sites` (see crawlers/sites.py); adding a
file adds a DAG on the next parse. Each run:

    crawl ─► plan ─► enrich × N (mapped over batches of media ids, `gpu` pool) ─► match ─► alert

A paused site (`paused: true`, set in the portal) keeps its DAG and history but has no schedule;
a run started anyway (by hand, or scheduled before the pause was parsed) skips its crawl.

Tasks are thin: each imports and calls one function of `jikimi.schedule.tasks` inside its body
and passes ids and counts through XCom, never media. All of them are idempotent (content-hash ids,
upserts, "new"-status checks), so Airflow's retries and re-runs are safe. Matching and delivery
share the one-slot `scheduler.match_pool` with the matching DAG, so they never run twice at once.
Matching runs when there was nothing to enrich (the mapped task is then skipped) but not after a
failure: the run then fails visibly, media of a failed batch stays "new" for the next run, and the
matching DAG (every 30 min) matches and delivers what the other batches found.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG, TriggerRule, dag, task

if TYPE_CHECKING:
    from kernel.settings import SchedulerSettings

START = datetime(2026, 1, 1, tzinfo=UTC)


def build_site_dag(
    site_ref: str, site_name: str, dag_id: str, schedule: str | None, rules: SchedulerSettings
) -> DAG:
    """The DAG of one site. `rules` is `Settings.scheduler` (pools, queue, timeouts); `schedule`
    None for a paused site."""

    @dag(
        dag_id=dag_id,
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,  # two crawls of one site at once would only fetch everything twice
        dagrun_timeout=timedelta(minutes=rules.crawl_timeout_minutes + 240),
        default_args={"owner": "jikimi"},
        tags=["jikimi", "site"] + ([] if schedule else ["paused"]),
        doc_md=f"Crawl site `{site_name}` (`{site_ref}.yaml`), enrich, match and alert."
        + ("" if schedule else " **Paused** in jikimi: no schedule until resumed."),
    )
    def site_flow() -> None:
        # A site that is down now may be up later: few, widely spaced retries.
        @task(retries=2, retry_delay=timedelta(minutes=15),
              execution_timeout=timedelta(minutes=rules.crawl_timeout_minutes))
        def crawl(ref: str) -> dict[str, Any]:
            from airflow.sdk.exceptions import AirflowSkipException

            from jikimi.schedule.tasks import crawl_site

            result = crawl_site(ref)
            if result.get("paused"):  # the rest of the run is skipped with it
                raise AirflowSkipException(f"site {ref} is paused")
            return result

        @task(retries=3, retry_delay=timedelta(minutes=1),
              execution_timeout=timedelta(minutes=10))
        def plan(name: str) -> list[list[str]]:
            from jikimi.schedule.tasks import plan_enrichment

            return plan_enrichment(name)

        # GPU work: bounded by the pool (GPU memory), routed to GPU workers by the queue; a
        # transient failure (worker lost, CUDA out of memory) is retried with back-off.
        @task(pool=rules.gpu_pool, queue=rules.gpu_queue, retries=3,
              retry_delay=timedelta(minutes=2), retry_exponential_backoff=2.0,
              max_retry_delay=timedelta(minutes=30), execution_timeout=timedelta(minutes=60))
        def enrich(media_ids: list[str]) -> dict[str, Any]:
            from jikimi.schedule.tasks import enrich_batch

            return enrich_batch(media_ids)

        @task(pool=rules.match_pool, trigger_rule=TriggerRule.NONE_FAILED, retries=3,
              retry_delay=timedelta(minutes=2), execution_timeout=timedelta(minutes=30))
        def match() -> dict[str, Any]:
            from jikimi.schedule.tasks import match_faces

            return match_faces()

        @task(pool=rules.match_pool, retries=3, retry_delay=timedelta(minutes=5),
              execution_timeout=timedelta(minutes=30))
        def alert() -> dict[str, Any]:
            from jikimi.schedule.tasks import deliver_alerts

            return deliver_alerts()

        planned = plan(site_name)
        crawl(site_ref) >> planned
        enrich.expand(media_ids=planned) >> match() >> alert()

    return site_flow()


def build_all() -> dict[str, DAG]:
    """Every site's DAG, keyed by DAG id; reads settings and site files, nothing more."""
    from jikimi.schedule.sites import scheduled_sites
    from kernel.settings import get_settings

    settings = get_settings()
    sites, _problems = scheduled_sites(settings)  # broken files are logged and left out
    return {
        site.dag_id: build_site_dag(site.ref, site.name, site.dag_id, site.timetable,
                                    settings.scheduler)
        for site in sites
    }


globals().update(build_all())
