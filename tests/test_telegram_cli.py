"""End to end through the CLI: enroll, run a Telegram site file, review, alert, takedown batch.

The enrolled person appears in an album (post 12), from 0:02 to 0:04 of a video (post 15) and
in the thumbnail of a video too big for the preview (post 17); every hit, alert and takedown
line must name the post, and the video's hit its time range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jikimi.demo.site import CLIP_PERSON_RANGE, photo_bytes
from tests.cli_runner import cli_runner
from tests.crawl_site import FixtureSite
from tests.telegram_fixture import TelegramPreview, site_yaml


def test_the_person_is_hit_on_her_posts_with_the_videos_time_range_and_letters_name_the_post(
        tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "a.jpg").write_bytes(photo_bytes("person_a_1.jpg"))
    jikimi = cli_runner(capsys, tmp_path / "data")

    with FixtureSite() as server:
        preview = TelegramPreview(server.base, f"http://localhost:{server.port}")
        server.dynamic = preview.route
        site_file = tmp_path / "share-channels.yaml"
        site_file.write_text(site_yaml(server.base), encoding="utf-8")
        jikimi("enroll", "--name", "Ana Secretname", str(tmp_path / "a.jpg"))
        summary = jikimi("run", str(site_file), "--allow-private")
        assert summary["pages"] == 3 and summary["errors"] == []
        hits = jikimi("hits", "--json")
        for row in jikimi("review", "list", "--json"):
            jikimi("review", "decide", row["hit_id"], "--confirm")
        alerts = jikimi("alerts", "--json")
        jikimi("takedown", "build", "--json")
        lines = jikimi("takedown", "status", "--json")

    her_posts = {preview.post_url(n) for n in (12, 15, 17)}
    assert {row["page_url"] for row in hits} == her_posts
    media = {row["page_url"]: row["media_url"].rsplit("/", 1)[1] for row in hits}
    assert media == {preview.post_url(12): "person_a_2.jpg", preview.post_url(15): "clip.mp4",
                     preview.post_url(17): "big-thumb.jpg"}
    video = [row for row in hits if row["kind"] == "video"]
    assert [row["time_ranges"] for row in video] == [[list(CLIP_PERSON_RANGE)]]
    assert {alert["page_url"] for alert in alerts} == her_posts
    assert {line["page_url"] for line in lines} == her_posts
    assert {line["media_url"] for line in lines} == {
        preview.media_url(name) for name in ("person_a_2.jpg", "clip.mp4", "big-thumb.jpg")}
