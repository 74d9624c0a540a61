"""`jikimi takedown show --to s3://…` against a real radosgw: the batch goes to the bucket and a
presigned link downloads it, with each URL's status (skips where radosgw cannot run)."""

from __future__ import annotations

import json
import urllib.request
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from jikimi import registry
from jikimi.cli import main
from kernel.settings import Settings
from tests import radosgw_server
from tests.radosgw_server import Radosgw
from tests.takedown_fixtures import media_url, seed

radosgw = radosgw_server.radosgw  # the session's S3 server (fixture)


def test_a_batch_is_handed_out_by_presigned_link(
        radosgw: Radosgw, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with closing(registry.open_store(Settings.model_validate({"data_dir": tmp_path}))) as store:
        seed(store)
    for name, value in radosgw.env().items():
        monkeypatch.setenv(name, value)
    argv = ["--data-dir", str(tmp_path), "takedown"]
    assert main([*argv, "build", "--host", "a.example", "--json"]) == 0
    batch_id = json.loads(capsys.readouterr().out)["batch_id"]
    assert main([*argv, "mark", batch_id, media_url("a1", "a.example"), "--sent"]) == 0
    capsys.readouterr()
    target = f"s3://jikimi-exports/{uuid.uuid4().hex}"
    assert main([*argv, "show", batch_id, "--format", "csv", "--to", target,
                 "--expires", "120"]) == 0
    published = json.loads(capsys.readouterr().out)
    assert published["uri"].startswith(f"{target}/jikimi-{batch_id}-")
    assert published["rows"] == 2 and "X-Amz-Expires=120" in published["url"]
    with urllib.request.urlopen(published["url"], timeout=10) as response:
        body = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/csv")
    assert body.startswith("host,media_url,") and ",sent," in body
