"""`jikimi erasure-request` and `jikimi housekeeping`: the nightly DAG's work without Airflow."""

from __future__ import annotations

import json
from contextlib import closing

from jikimi import registry
from jikimi.cli import main
from jikimi.schedule.erasure_requests import REQUEST_PREFIX
from kernel.settings import Settings
from tests.factories import make_person, make_template


def jikimi(capsys, data, *args: str) -> tuple[int, dict]:
    rc = main(["--data-dir", str(data), *args])
    out = capsys.readouterr().out
    return rc, json.loads(out) if out.strip() else {}


def test_erasure_request_is_carried_out_by_housekeeping(capsys, tmp_path):
    settings = Settings(data_dir=tmp_path)
    person = make_person()
    with closing(registry.open_store(settings)) as store:
        store.add_person(person, [make_template(person.person_id)])

    rc, out = jikimi(capsys, tmp_path, "erasure-request", person.person_id, "--by", "helpdesk")
    assert rc == 0 and out["request"] == f"{REQUEST_PREFIX}{person.person_id}.json"
    rc, out = jikimi(capsys, tmp_path, "housekeeping", "--day", "2026-06-01")

    assert rc == 0 and out["erasure"]["erased"] == [person.person_id]
    assert out["export"]["key"] == "exports/2026-06-01/takedown-2026-06-01.json"
    assert set(out["retention"]) >= {"exports_deleted", "outbox_deleted"}
    with closing(registry.open_store(settings)) as store:
        assert store.get_person(person.person_id) is None


def test_a_failed_request_holds_the_export_back(capsys, tmp_path):
    blobs = registry.open_blobs(Settings(data_dir=tmp_path))
    blobs.put(f"{REQUEST_PREFIX}mangled.json", b"\xff not json")
    rc, out = jikimi(capsys, tmp_path, "housekeeping")
    assert rc == 1 and "mangled.json" in out["erasure"]["error"]
    assert "export" not in out and list(blobs.keys("exports/")) == []
    assert "retention" in out  # retention still runs
    assert main(["--data-dir", str(tmp_path), "housekeeping", "--day", "June 1"]) == 2
    assert main(["--data-dir", str(tmp_path), "erasure-request", "../etc"]) == 2
