"""The DAGs under Airflow 3.3: they import through DagBag, are set up deliberately, and `dag.test()`
runs the whole flow — crawl → enrich (mapped batches) → match → alert — on the demo's fixture site
with the embedded adapters (SQLite, local folders), alerting exactly the pages the embedded
`jikimi run` alerts; the housekeeping DAG exports, erases on request and keeps nothing extra.

Runs in the Airflow venv (see conftest.py); the person is enrolled from the demo's licensed photo.
"""

from __future__ import annotations

import json
import socket
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import DAG

from jikimi import registry
from jikimi.demo.site import ENROLL_PHOTO, PAGES_WITH_PERSON, FixtureServer, build_site, photo_bytes
from jikimi.demo.site import serve as serve_site
from jikimi.erasure import erased_subject
from jikimi.flow import run_once
from jikimi.review import decide, review_queue
from kernel.settings import Settings, get_settings, load_settings

DAGS = Path(__file__).resolve().parents[1]
POOLS_FILE = DAGS.parent / "infra" / "airflow" / "pools.json"
SITE_DAG = "jikimi_site_fixture"
DOWN_DAG = "jikimi_site_down"
SITE_SCHEDULE = "15 */4 * * *"
DAG_FILES = {"jikimi_sites.py", "jikimi_matching.py", "jikimi_housekeeping.py"}


def site_yaml(base_url: str) -> str:
    return (f"name: fixture\nstart_urls: ['{base_url}/index.html']\nmax_depth: 3\n"
            f"max_pages: 50\ndelay: 0\nconcurrency: 4\nschedule: '{SITE_SCHEDULE}'\n")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def site(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = tmp_path_factory.mktemp("site")
    build_site(root)
    server = serve_site(root)
    (data_dir / "sites").mkdir(parents=True, exist_ok=True)
    (data_dir / "sites" / "fixture.yaml").write_text(site_yaml(server.base_url), encoding="utf-8")
    (data_dir / "sites" / "down.yaml").write_text(  # nothing listens there
        f"start_urls: ['http://127.0.0.1:{closed_port()}/']\nmax_pages: 1\n", encoding="utf-8")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dagbag(site: FixtureServer) -> DagBag:
    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="session")
def runnable(site: FixtureServer) -> dict[str, DAG]:
    """The DAGs with retries off, so a failing task fails `dag.test()` at once instead of
    waiting out its retry delay (the deployed retries are checked on `dagbag`)."""
    dags = DagBag(dag_folder=str(DAGS)).dags
    for dag in dags.values():
        for task in dag.tasks:
            task.retries = 0
    return dags


@pytest.fixture(scope="session")
def person_id(site: FixtureServer) -> str:
    return enroll_demo_person(get_settings())


def enroll_demo_person(settings: Settings) -> str:
    from jikimi.enrollment import enroll

    with tempfile.TemporaryDirectory() as tmp:  # the photo exists only for this call
        photo = Path(tmp) / ENROLL_PHOTO
        photo.write_bytes(photo_bytes(ENROLL_PHOTO))
        with closing(registry.open_store(settings)) as store:
            result = enroll(store, registry.open_face_engine(settings), settings,
                            name="Demo Person", photos=[photo])
    return result.person_id


def confirm_queue(settings: Settings) -> list[str]:
    """The operator's step: confirm every hit awaiting review; the pages they were on."""
    with closing(registry.open_store(settings)) as store:
        queue = review_queue(store, settings)
        for row in queue:
            decide(store, str(row["hit_id"]), "confirm", "test-operator")
    return sorted({urlsplit(str(row["page_url"])).path.lstrip("/") for row in queue})


def alerted(settings: Settings, person: str) -> set[tuple[str, str]]:
    """(media id, page path) of every alert for the person."""
    with closing(registry.open_store(settings)) as store:
        return {(a.media_id, urlsplit(a.page_url).path.lstrip("/"))
                for a in store.alerts(person_id=person)}


def test_every_dag_file_imports_without_errors(dagbag: DagBag, data_dir: Path) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {SITE_DAG, DOWN_DAG, "jikimi_match_alert", "jikimi_housekeeping"}
    assert {Path(d.fileloc).name for d in dagbag.dags.values()} == DAG_FILES  # tests/ ignored
    assert getattr(dagbag.dags[SITE_DAG].timetable, "expression", None) == SITE_SCHEDULE  # own cron
    assert not (data_dir / "jikimi.sqlite3").exists()  # parsing opened no store: no work


def test_broken_site_file_leaves_the_other_sites_scheduled(
    dagbag: DagBag, data_dir: Path
) -> None:
    broken = data_dir / "sites" / "broken.yaml"
    broken.write_text("name: broken\nstart_urls: [ftp://example.org/]\n", encoding="utf-8")
    try:
        again = DagBag(dag_folder=str(DAGS))
    finally:
        broken.unlink()
    assert again.import_errors == {}
    assert set(again.dag_ids) == set(dagbag.dag_ids)


def test_tasks_have_retries_timeouts_and_existing_pools(dagbag: DagBag) -> None:
    from airflow.models.pool import Pool

    pools = json.loads(POOLS_FILE.read_text(encoding="utf-8"))
    for name in pools:
        assert Pool.get_pool(name) is not None  # the pools file imports into Airflow
    for dag in dagbag.dags.values():
        assert dag.catchup is False and dag.max_active_runs == 1
        for task in dag.tasks:
            assert (task.retries or 0) >= 1, task.task_id
            assert task.execution_timeout is not None, task.task_id
            assert task.pool in pools or task.pool == "default_pool", task.pool
    site_dag = dagbag.dags[SITE_DAG]
    assert site_dag.task_dict["enrich"].pool == "gpu"
    assert site_dag.task_dict["match"].pool == "jikimi_match"
    assert site_dag.task_dict["alert"].pool == "jikimi_match"
    assert dagbag.dags["jikimi_match_alert"].task_dict["alert"].pool == "jikimi_match"


def test_site_dag_alerts_the_same_pages_as_the_embedded_run(
    runnable: dict[str, DAG], site: FixtureServer, person_id: str, tmp_path: Path
) -> None:
    settings = get_settings()
    run = runnable[SITE_DAG].test()
    assert run.state == "success"
    enrich = [ti for ti in run.get_task_instances() if ti.task_id == "enrich"]
    assert len(enrich) == 3 and {ti.state for ti in enrich} == {"success"}  # 8 media, batch 3
    with closing(registry.open_store(settings)) as store:
        assert store.media_to_enrich() == []
        assert store.alerts(person_id=person_id) == []  # review first: nobody alerted yet
    assert confirm_queue(settings) == sorted(PAGES_WITH_PERSON)
    assert runnable["jikimi_match_alert"].test().state == "success"  # delivers them
    with closing(registry.open_store(settings)) as store:
        alerts = store.alerts(person_id=person_id)
    assert {a.status for a in alerts} == {"sent"}
    assert len(list(settings.outbox_dir.glob("*.json"))) == len(alerts)
    via_airflow = alerted(settings, person_id)
    assert sorted(page for _, page in via_airflow) == sorted(PAGES_WITH_PERSON)

    embedded = load_settings(data_dir=tmp_path / "embedded")
    embedded.faces.cache_dir = settings.model_cache_dir
    other = enroll_demo_person(embedded)
    summary = run_once(embedded, url=f"{site.base_url}/index.html")
    assert summary.new_alerts == 0 and summary.for_review == summary.hits
    assert confirm_queue(embedded) == sorted(PAGES_WITH_PERSON)
    assert alerted(embedded, other) == via_airflow  # same media, same pages


def test_site_dag_runs_again_without_new_work(runnable: dict[str, DAG], person_id: str) -> None:
    settings = get_settings()
    before = alerted(settings, person_id)
    run = runnable[SITE_DAG].test()
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["enrich"] == "skipped"  # nothing new: the mapping has no batch
    assert states["match"] == states["alert"] == "success"
    assert alerted(settings, person_id) == before


def test_a_site_that_is_down_fails_its_run_visibly(runnable: dict[str, DAG]) -> None:
    run = runnable[DOWN_DAG].test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states.pop("crawl") == "failed"
    assert set(states.values()) == {"upstream_failed"}  # nothing runs on a failed crawl


def test_matching_dag_runs(runnable: dict[str, DAG], person_id: str) -> None:
    run = runnable["jikimi_match_alert"].test()
    assert run.state == "success"
    with closing(registry.open_store(get_settings())) as store:
        assert store.alerts(status="pending") == []


def test_housekeeping_exports_then_erases_on_request(
    runnable: dict[str, DAG], person_id: str
) -> None:
    from jikimi.schedule.erasure_requests import pending_requests, request_erasure

    settings = get_settings()
    blobs = registry.open_blob_uri(settings.blob_uri)
    housekeeping = runnable["jikimi_housekeeping"]
    run = housekeeping.test()
    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == dict.fromkeys(("erase", "export", "retention", "recheck"), "success")
    [key] = [k for k in blobs.keys(settings.scheduler.export_prefix)]
    batch = json.loads(blobs.get(key))
    pages = {urlsplit(item["page_url"]).path.lstrip("/")
             for host in batch["hosts"] for item in host["items"]}
    assert pages == set(PAGES_WITH_PERSON)

    request_erasure(blobs, person_id, requested_by="test")
    assert housekeeping.test(logical_date=None).state == "success"  # as a manual run
    assert pending_requests(blobs) == []
    with closing(registry.open_store(settings)) as store:
        assert store.get_person(person_id) is None and store.alerts(person_id=person_id) == []
        assert store.audit_events(person_id) == []  # redacted: only a keyed hash stands for her
        assert [e.action for e in store.audit_events(erased_subject(settings, person_id))] == [
            "person.erased", "person.forget"]
    assert list(settings.outbox_dir.glob("*.json")) == []
    assert json.loads(blobs.get(key))["count"] == 0  # the day's batch, rewritten without her
