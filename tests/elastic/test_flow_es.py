"""The whole flow through the CLI with `JIKIMI_STORE__BACKEND=elasticsearch` on osmem-server:
`jikimi es migrate`, enroll, run (crawl → enrich → match → alert), retroactive enrollment,
export and forget give the same alerts as the embedded store on the demo's fixture site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jikimi.cli import main
from jikimi.demo.site import PAGES_WITH_PERSON, build_site, photo_bytes, serve
from kernel.settings import load_settings
from tests.review_steps import confirm_queue

IGNORED = {"person_id", "alert_id", "created_at"}  # person ids are random per enrollment


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("site")
    build_site(root)
    server = serve(root)
    yield server
    server.stop()


def jikimi(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> Any:
    rc = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out) if out.strip() else None


def flow(capsys: pytest.CaptureFixture[str], data: Path, photos: Path,
         url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
    """Enroll A, run, then enroll B (retroactive); alerts after each, with person labels."""
    a = jikimi(capsys, data, "enroll", "--name", "A", str(photos / "person_a_1.jpg"))
    summary = jikimi(capsys, data, "run", "--url", url, "--allow-private")
    assert summary["new_alerts"] == 0 and not summary["errors"]  # review first
    assert jikimi(capsys, data, "alerts", "--json") == []
    assert confirm_queue(load_settings(data_dir=data))[0] == 3
    after_run = jikimi(capsys, data, "alerts", "--json")
    b = jikimi(capsys, data, "enroll", "--name", "B", str(photos / "person_b_1.jpg"))
    confirm_queue(load_settings(data_dir=data))
    after_enroll = jikimi(capsys, data, "alerts", "--json")
    return after_run, after_enroll, {a["person_id"]: "A", b["person_id"]: "B"}


def export(capsys: pytest.CaptureFixture[str], data: Path) -> tuple[int, list[tuple[Any, ...]]]:
    out = data / "batch.json"
    jikimi(capsys, data, "export", "--format", "json", "--out", str(out))
    batch = json.loads(out.read_text())
    return batch["count"], sorted(
        (i["media_url"], i["page_url"], i["sha256"], i["similarity"], i["time_ranges"])
        for host in batch["hosts"] for i in host["items"])


def comparable(alerts: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = [{k: v for k, v in a.items() if k not in IGNORED} | {"person": labels[a["person_id"]]}
            for a in alerts]
    return sorted(rows, key=lambda r: (r["person"], r["media_url"]))


@pytest.mark.slow
def test_the_flow_on_elasticsearch_alerts_like_the_embedded_store(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        site: Any, es_url: str) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("person_a_1.jpg", "person_b_1.jpg"):
        (photos / name).write_bytes(photo_bytes(name))
    url = f"{site.base_url}/index.html"

    sqlite_run, sqlite_enroll, sqlite_labels = flow(capsys, tmp_path / "sqlite", photos, url)
    sqlite_batch = export(capsys, tmp_path / "sqlite")

    for name, value in {"STORE__BACKEND": "elasticsearch", "ELASTICSEARCH__URL": es_url,
                        "ELASTICSEARCH__PLAIN_JSON_HEADERS": "1",
                        "ELASTICSEARCH__INDEX_PREFIX": "flow"}.items():
        monkeypatch.setenv(f"JIKIMI_{name}", value)
    data = tmp_path / "es"
    steps = jikimi(capsys, data, "es", "migrate")
    assert {s["action"] for s in steps} == {"created"}
    status = jikimi(capsys, data, "es", "status")  # exit status 0: every alias is current
    assert {row["alias"]: row["indices"] for row in status}["flow-hits"] == ["flow-hits-v1"]
    es_run, es_enroll, es_labels = flow(capsys, data, photos, url)
    assert not (data / "jikimi.sqlite3").exists()  # everything went to the cluster

    assert comparable(es_run, es_labels) == comparable(sqlite_run, sqlite_labels)
    assert comparable(es_enroll, es_labels) == comparable(sqlite_enroll, sqlite_labels)
    pages = sorted(a["page_url"].split("/", 3)[3] for a in es_run)
    assert pages == sorted(PAGES_WITH_PERSON)
    assert all(a["status"] == "sent" and a["delivered_channels"] == ["outbox"] for a in es_run)

    es_batch = export(capsys, data)
    assert es_batch == sqlite_batch and es_batch[0] >= 5
    person_a = next(p for p, label in es_labels.items() if label == "A")
    erased = jikimi(capsys, data, "forget", person_a)
    assert erased["persons"] == 1 and erased["alerts"] == 3
    left = jikimi(capsys, data, "alerts", "--json")
    assert {es_labels[a["person_id"]] for a in left} <= {"B"}
