"""Streams through the whole flow and the CLI: enroll, `run --url … --allow-private`, review, alert.

Five pages each embed one stream of the demo clip (the demo person from 0:02 to 0:04): HLS, HLS
under AES-128, an HLS master whose larger variant is beyond `video.max_pixels`, DASH with a
SegmentTemplate and DASH with a SegmentList, named by a `<video>`, a `<source>`, a player
script, a `data-setup` attribute and a link. Each must give one hit and, once confirmed, one
alert naming its own page and the time range 0:02–0:04.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jikimi.demo.site import photo_bytes
from tests import stream_fixtures as streams
from tests.cli_runner import cli_runner
from tests.crawl_site import FixtureSite
from tests.test_streams_crawl import stream_routes

EMBEDDING_PAGES = {  # stream URL -> the page that embeds it
    "/hls/index.m3u8": "/hls.html", "/aes/index.m3u8": "/aes.html",
    "/var/master.m3u8": "/master.html", "/dash/manifest.mpd": "/dash.html",
    "/list/manifest.mpd": "/list.html",
}


@pytest.mark.slow
def test_each_stream_alerts_the_enrolled_person_on_its_page_with_the_time_range(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIKIMI_VIDEO__MAX_PIXELS", str(320 * 240))  # the 640×480 variant: no
    (tmp_path / "enroll.jpg").write_bytes(photo_bytes("person_a_1.jpg"))
    jikimi = cli_runner(capsys, tmp_path / "data")

    with FixtureSite(stream_routes()) as site:
        person = jikimi("enroll", "--name", "Stream Person", str(tmp_path / "enroll.jpg"))
        summary = jikimi("run", "--url", f"{site.base}/index.html", "--allow-private")
        assert not [p for p in site.paths() if p.startswith("/var/large")]
    assert summary["media_new"] == 5 and summary["errors"] == []
    assert summary["hits"] >= 5 and summary["for_review"] == summary["hits"]  # review first

    hits = jikimi("hits", "--json")  # one per (person, video track)
    assert len(hits) == 5
    assert {h["media_url"].removeprefix(site.base): h["page_url"].removeprefix(site.base)
            for h in hits} == EMBEDDING_PAGES
    for hit in hits:
        assert hit["kind"] == "video" and hit["person_id"] == person["person_id"]
        assert hit["time_ranges"] == [list(streams.PERSON_RANGE)], hit["media_url"]
        assert hit["frame_times"] == [2.0, 3.0, 4.0] and hit["duration"] == pytest.approx(7.0)

    for row in jikimi("review", "list", "--json"):
        jikimi("review", "decide", row["hit_id"], "--confirm")
    alerts = jikimi("alerts", "--json")
    assert sorted(a["page_url"].removeprefix(site.base) for a in alerts) == sorted(
        EMBEDDING_PAGES.values())
    outbox = [json.loads(p.read_text(encoding="utf-8"))
              for p in sorted((tmp_path / "data" / "outbox").glob("*.json"))]
    assert len(outbox) == 5
    for message in outbox:
        assert message["payload"]["time_ranges"] == [list(streams.PERSON_RANGE)]
        assert "Appears in the video at: 0:02–0:04" in message["text"]
