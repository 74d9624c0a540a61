"""From the command line: a site file whose start URL is a feed or a sitemap index, one
`jikimi run`, and the enrolled person's hit (and, once confirmed, her alert) names the entry page
she is on."""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi.demo.site import ENROLL_PHOTO, photo_bytes
from tests.cli_runner import cli_runner
from tests.crawl_site import FixtureSite
from tests.feed_fixtures import SyndicatedSite


@pytest.mark.parametrize(("start", "her_page"), [
    ("/feed.rss", "/posts/2.html"),
    ("/sitemap_index.xml", "/pages/2.html"),  # named only by that page's <image:loc>
])
def test_the_enrolled_person_is_hit_on_the_right_entry_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], start: str, her_page: str) -> None:
    (tmp_path / "enroll.jpg").write_bytes(photo_bytes(ENROLL_PHOTO))
    jikimi = cli_runner(capsys, tmp_path / "data")

    with FixtureSite() as server:
        server.routes.update(SyndicatedSite(server.base).routes())
        site_file = tmp_path / "syndicated.yaml"
        site_file.write_text(f"name: syndicated\nstart_urls: ['{server.base}{start}']\n"
                             "max_depth: 1\ndelay: 0\n", encoding="utf-8")
        jikimi("enroll", "--name", "Ana Secretname", str(tmp_path / "enroll.jpg"))
        summary = jikimi("run", str(site_file), "--allow-private")
        assert summary["hits"] == 1 and summary["for_review"] == 1
        [row] = jikimi("review", "list", "--json")
        assert row["page_url"] == f"{server.base}{her_page}"
        jikimi("review", "decide", row["hit_id"], "--confirm")
        [alert] = jikimi("alerts", "--json")
        assert alert["page_url"] == f"{server.base}{her_page}"
        assert alert["media_url"].startswith(f"{server.base}/m/a2")
