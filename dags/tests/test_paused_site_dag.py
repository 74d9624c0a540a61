"""A paused site under Airflow 3.3: its DAG stays (so its run history stays) but has no schedule
and a "paused" tag, and a run started anyway skips the crawl and everything that needs it."""

from __future__ import annotations

from pathlib import Path

from airflow.dag_processing.dagbag import DagBag

DAGS = Path(__file__).resolve().parents[1]
PAUSED_DAG = "jikimi_site_resting"


def test_a_paused_site_keeps_its_dag_without_a_schedule_and_skips_its_crawl(
        data_dir: Path) -> None:
    folder = data_dir / "sites"
    folder.mkdir(parents=True, exist_ok=True)
    site = folder / "resting.yaml"
    site.write_text("start_urls: ['http://127.0.0.1:9/']\nschedule: '0 2 * * *'\npaused: true\n",
                    encoding="utf-8")
    try:
        bag = DagBag(dag_folder=str(DAGS))
        assert bag.import_errors == {}
        dag = bag.dags[PAUSED_DAG]
        assert dag.schedule is None and "paused" in dag.tags
        for task in dag.tasks:
            task.retries = 0
        run = dag.test()
    finally:
        site.unlink()
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success"
    assert states["crawl"] == states["plan"] == "skipped"  # nothing fetched from the site
