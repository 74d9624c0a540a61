"""Failures a cron job must see (finding 9): each command's exit status says what happened.

0 done, 1 partial (some items or deliveries failed, listed in the report), 2 usage or config
error, 3 nothing could be done. Each case below exited 0 before.
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import build_parser, main
from jikimi.schedule.erasure_requests import pending_requests
from kernel.settings import Settings
from tests.alerts_servers import free_port
from tests.factories import make_alert, make_person


def test_a_crawl_whose_start_page_cannot_be_fetched_exits_3(tmp_path: Path, capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}/index.html"  # nothing listens there
    code = main(["--data-dir", str(tmp_path), "crawl", "--url", url, "--allow-private"])
    report = json.loads(capsys.readouterr().out)
    assert code == 3
    assert report["pages"] == 0 and report["errors"] == [f"page {url}: connection refused"]


def test_match_with_the_smtp_server_refusing_exits_1_with_the_errors(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JIKIMI_ALERTS__SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JIKIMI_ALERTS__SMTP_PORT", str(free_port()))  # connection refused
    monkeypatch.setenv("JIKIMI_ALERTS__SMTP_TIMEOUT", "5")
    with closing(registry.open_store(Settings(data_dir=tmp_path))) as store:
        person = make_person()
        store.add_person(person, [])
        assert store.add_alert(make_alert(person.person_id, "a" * 64))

    code = main(["--data-dir", str(tmp_path), "match"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["alerts_sent"] == 0 and len(report["delivery_errors"]) == 1


def test_eval_faces_on_a_missing_folder_exits_2(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "no-such-set"
    code = main(["--data-dir", str(tmp_path / "data"), "eval", "faces", str(missing)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == "" and f"no such folder: {missing}" in captured.err


def test_an_erasure_request_for_an_unknown_person_exits_2_and_files_nothing(
    tmp_path: Path, capsys
) -> None:
    code = main(["--data-dir", str(tmp_path), "erasure-request", "nobody-enrolled-this-id"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith("jikimi: error: no enrolled person 'nobody-enrolled-this-id'")
    assert pending_requests(registry.open_blobs(Settings(data_dir=tmp_path))) == []


def test_the_exit_codes_are_in_the_help() -> None:
    text = build_parser().format_help()
    for line in ("0    success", "1    partial", "2    usage or configuration error",
                 "3    nothing could be done"):
        assert line in text
