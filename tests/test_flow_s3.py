"""`jikimi run` with the S3 blob store on the demo site: the crawler (Scrapy, in its child
process) leaves media in S3, enrichment reads it there, and the alerts are the same as with the
embedded default: exactly the pages that show the demo person. Media is kept (media.keep_media)
so the test can see that every crawled item really went through the bucket."""

from __future__ import annotations

import json
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from jikimi.cli import main
from jikimi.demo.site import ENROLL_PHOTO, PAGES_WITH_PERSON, build_site, photo_bytes, serve
from jikimi.registry import open_blob_uri, open_store
from kernel.records import incoming_key
from kernel.settings import Settings, load_settings
from tests import radosgw_server
from tests.radosgw_server import Radosgw
from tests.review_steps import confirm_queue

radosgw = radosgw_server.radosgw  # the session's S3 server (fixture)


def test_run_with_s3_blobs_alerts_the_demo_pages(
    radosgw: Radosgw, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blob_uri = f"s3://jikimi-flow/{uuid.uuid4().hex}"
    for name, value in radosgw.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("JIKIMI_BLOBS__URI", blob_uri)
    monkeypatch.setenv("JIKIMI_MEDIA__KEEP_MEDIA", "true")
    build_site(tmp_path / "site")
    server = serve(tmp_path / "site")
    try:
        data = ["--data-dir", str(tmp_path / "data")]
        photo = tmp_path / ENROLL_PHOTO
        photo.write_bytes(photo_bytes(ENROLL_PHOTO))
        assert main([*data, "enroll", "--name", "Demo Person", str(photo)]) == 0
        capsys.readouterr()
        assert main([*data, "run", "--url", f"{server.base_url}/index.html",
                     "--allow-private"]) == 0
        summary = json.loads(capsys.readouterr().out)
        confirmed, _ = confirm_queue(load_settings(data_dir=tmp_path / "data"))
        assert confirmed == 3
        assert main([*data, "alerts", "--json"]) == 0
        alerts = json.loads(capsys.readouterr().out)
    finally:
        server.stop()
    assert sorted(a["page_url"].removeprefix(server.base_url + "/") for a in alerts) == sorted(
        PAGES_WITH_PERSON)
    assert summary  # the run reported its stages
    settings = Settings(data_dir=tmp_path / "data", s3=radosgw.s3_settings())
    with closing(open_store(settings)) as store:
        media = store.list_media()
    assert len(media) >= 6 and all(m.status == "enriched" for m in media)
    blobs = open_blob_uri(blob_uri, settings)
    assert list(blobs.keys()) == sorted(incoming_key(m.media_id) for m in media)
