"""`jikimi takedown`: build, list, show (stdout, file, blob store) and mark, audited as the OS
user; an S3 target prints a presigned link (tests/test_takedown_s3.py)."""

from __future__ import annotations

import csv
import getpass
import io
import json
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from kernel.settings import Settings
from tests.takedown_fixtures import media_url, page_url, seed


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    with closing(registry.open_store(Settings.model_validate({"data_dir": tmp_path}))) as store:
        seed(store)
    return tmp_path


def run(data_dir: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "takedown", *argv]) == 0
    return capsys.readouterr().out


def test_build_list_show_and_mark(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = json.loads(run(data_dir, capsys, "batch", "--host", "b.example", "--since",
                           "2026-03-02", "--no-lookup", "--json"))
    assert batch["item_count"] == 2 and batch["filters"] == {"host": "b.example",
                                                             "since": "2026-03-02"}
    batch_id = batch["batch_id"]
    assert [h["problems"] for h in batch["hosts"]] == [["recipients not looked up yet"]]
    plain = run(data_dir, capsys, "build", "--case", "CASE-BO", "--no-lookup")  # old name
    assert plain.split()[1:3] == ["1", "items"]
    listed = json.loads(run(data_dir, capsys, "list", "--json"))
    assert {b["batch_id"] for b in listed} == {batch_id, plain.split()[0]}

    marked = json.loads(run(data_dir, capsys, "mark", batch_id, page_url("a2", "b.example"),
                            "--sent", "--on", "2026-03-10", "--note", "form sent"))
    assert [(m["status"], m["sent_at"][:10]) for m in marked] == [("sent", "2026-03-10")]
    run(data_dir, capsys, "mark", batch_id, media_url("b1", "b.example"), "--refused")

    shown = run(data_dir, capsys, "show", batch_id, "--format", "csv")
    rows = {r["media_url"]: r for r in csv.DictReader(io.StringIO(shown))}
    assert rows[media_url("a2", "b.example")]["sent_at"].startswith("2026-03-10")
    assert rows[media_url("b1", "b.example")]["status"] == "refused"
    assert "form sent" not in shown  # notes stay in jikimi

    out = data_dir / "out" / "batch.json"
    run(data_dir, capsys, "show", batch_id, "--format", "json", "--out", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["count"] == 2
    published = json.loads(run(data_dir, capsys, "show", batch_id, "--to",
                               f"file://{data_dir / 'exports'}"))
    assert published["rows"] == 2 and published["key"].startswith(f"jikimi-{batch_id}-")
    assert (data_dir / "exports" / published["key"]).read_bytes().startswith(b"host,")

    with closing(registry.open_store(Settings.model_validate({"data_dir": data_dir}))) as store:
        events = store.audit_events()
    actions = sorted({e.action for e in events if e.action.startswith("takedown.")})
    assert actions == ["takedown.build", "takedown.list", "takedown.mark", "takedown.read"]
    assert {e.actor for e in events if e.action.startswith("takedown.")} == {
        f"cli:{getpass.getuser()}"}
    reads = [e.detail["via"] for e in events if e.action == "takedown.read"]
    assert sorted(reads) == ["blob:file", "file", "stdout"]


def test_errors_are_one_line(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data-dir", str(data_dir), "takedown"]
    assert main([*argv, "batch", "--host", "nowhere.example"]) == 2
    assert "no confirmed hit matches" in capsys.readouterr().err
    assert main([*argv, "show", "td-missing"]) == 2
    assert "no takedown batch" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*argv, "mark", "td-missing", "https://x.example/", "--sent", "--removed"])
