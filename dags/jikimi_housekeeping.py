"""Nightly housekeeping: erasure requests, the takedown export batch, retention, follow-up.

    erase ─┬─► export
           ├─► retention
           └─► recheck

Erasure runs first and the export waits for it: a person who asked to be forgotten must not
appear in the next batch, so a failed erasure (or a malformed request, which fails the task after
every other request is done) holds the export back until an operator sees to it. The export is named
after the run's logical date, so a retry overwrites the same object. Retention runs whatever
happened to erasure (it only deletes what is past its time) and beside the export, so a failed
export still fails the run. `recheck` fetches every sent takedown URL again and escalates those
with no reply (jikimi.takedown.followup); it waits for erasure too, so a forgotten person's URLs
are not followed further, and returns its counts through XCom. See jikimi/schedule/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG, TriggerRule, dag, task

START = datetime(2026, 1, 1, tzinfo=UTC)


def build_housekeeping_dag(schedule: str, match_pool: str = "jikimi_match") -> DAG:
    @dag(
        dag_id="jikimi_housekeeping",
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=timedelta(hours=4),
        default_args={"owner": "jikimi", "retries": 2, "retry_delay": timedelta(minutes=10)},
        tags=["jikimi", "housekeeping"],
        doc_md="Carry out erasure requests, write the takedown batch, apply retention, "
        "re-check and escalate sent takedown URLs.",
    )
    def housekeeping() -> None:
        @task(execution_timeout=timedelta(minutes=30))
        def erase() -> dict[str, Any]:
            from jikimi.schedule.tasks import erase_requested

            return erase_requested()

        @task(execution_timeout=timedelta(minutes=30))
        def export(day: str) -> dict[str, Any]:
            from jikimi.schedule.tasks import export_takedown_batch

            return export_takedown_batch(day)

        # In the matching pool: deleting strangers' faces must not interleave with a match run
        # that could turn one of them into a hit between the store's re-check and the delete.
        @task(pool=match_pool, trigger_rule=TriggerRule.ALL_DONE,
              execution_timeout=timedelta(hours=1))
        def retention() -> dict[str, Any]:
            from jikimi.schedule.tasks import apply_retention

            return apply_retention()

        @task(execution_timeout=timedelta(hours=1))
        def recheck() -> dict[str, Any]:
            from jikimi.schedule.tasks import recheck_takedowns

            return recheck_takedowns()

        # A manual run has no logical date in Airflow 3 (nor `logical_date` in the template
        # context): then the batch is named after the day the run was asked for.
        erased = erase()
        erased >> export("{{ (dag_run.logical_date or dag_run.run_after) | ds }}")
        erased >> retention()
        erased >> recheck()

    return housekeeping()


def _build() -> DAG:
    from kernel.settings import get_settings

    rules = get_settings().scheduler
    return build_housekeeping_dag(rules.housekeeping_schedule, rules.match_pool)


jikimi_housekeeping = _build()
