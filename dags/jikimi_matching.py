"""Matching and alerting on a timer: catch-up for everything the site DAGs did not finish.

Site DAGs match and alert right after their own crawl. This DAG also runs every
`scheduler.match_schedule`, because some work has no crawl to follow: alert channels that failed
are retried on later runs (up to `alerts.max_attempts`), and faces left unmatched by a run that
failed midway are matched. Both tasks share the one-slot `scheduler.match_pool` with the site
DAGs, so matching and delivery never run twice at once (delivery is at-least-once, not more).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG, dag, task

if TYPE_CHECKING:
    from kernel.settings import SchedulerSettings

START = datetime(2026, 1, 1, tzinfo=UTC)


def build_matching_dag(schedule: str, rules: SchedulerSettings) -> DAG:
    @dag(
        dag_id="jikimi_match_alert",
        schedule=schedule,
        start_date=START,
        catchup=False,  # one run catches up everything; missed intervals add nothing
        max_active_runs=1,
        dagrun_timeout=timedelta(hours=2),
        default_args={"owner": "jikimi"},
        tags=["jikimi", "alerts"],
        doc_md="Match unmatched faces with enrolled templates, then deliver pending alerts.",
    )
    def match_alert() -> None:
        @task(pool=rules.match_pool, retries=3, retry_delay=timedelta(minutes=2),
              execution_timeout=timedelta(minutes=30))
        def match() -> dict[str, Any]:
            from jikimi.schedule.tasks import match_faces

            return match_faces()

        # After matching, so new alerts go out in the same run; a failed match fails the run
        # (visibly) and the next run does both.
        @task(pool=rules.match_pool, retries=3, retry_delay=timedelta(minutes=5),
              execution_timeout=timedelta(minutes=30))
        def alert() -> dict[str, Any]:
            from jikimi.schedule.tasks import deliver_alerts

            return deliver_alerts()

        match() >> alert()

    return match_alert()


def _build() -> DAG:
    from kernel.settings import get_settings

    rules = get_settings().scheduler
    return build_matching_dag(rules.match_schedule, rules)


jikimi_match_alert = _build()
