"""What the scheduler runs: library functions behind the Airflow DAGs in `dags/`.

Airflow tasks stay thin — each imports and calls one function from :mod:`jikimi.schedule.tasks` —
so everything they do is plain library code, tested without Airflow, and reusable from cron or the
CLI. Tasks exchange ids and small counts, never media.
"""
