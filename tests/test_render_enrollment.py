"""Issue 14: a person whose photo only a script puts on a page is found, and alerted on that page.

The whole flow through the CLI: she enrolls from one photo; a site's gallery inserts her other
photo and a stranger's with a script. Crawled statically the gallery shows nothing; crawled as a
`render: browser` site (a site file in the data folder) it gives one hit, on the gallery page,
and once an operator confirms it her alert names that page and that picture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jikimi.demo.site import photo_bytes
from tests.cli_runner import cli_runner
from tests.crawl_site import FixtureSite, Route
from tests.render_fixtures import gallery_routes, need_chromium


def test_a_person_on_a_script_built_page_is_alerted_on_that_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    need_chromium()
    (tmp_path / "her.jpg").write_bytes(photo_bytes("person_a_1.jpg"))
    data = tmp_path / "data"
    jikimi = cli_runner(capsys, data)

    routes = gallery_routes({"/m/her.jpg": photo_bytes("person_a_2.jpg"),
                             "/m/stranger.jpg": photo_bytes("person_b_1.jpg")})
    routes["/index.html"] = Route(b'<a href="/gallery.html">gallery</a>'
                                  b'<img src="/m/cover.jpg">')
    routes["/m/cover.jpg"] = Route(photo_bytes("person_b_2.jpg"), "image/jpeg")
    with FixtureSite(routes) as site:
        jikimi("enroll", "--name", "Ana Secretname", str(tmp_path / "her.jpg"))
        static = jikimi("run", "--url", f"{site.base}/gallery.html", "--allow-private")
        assert static["media_found"] == 0 and static["hits"] == 0  # the HTML alone shows nobody

        (data / "sites").mkdir(parents=True, exist_ok=True)
        (data / "sites" / "scripted.yaml").write_text(
            f"name: scripted\nstart_urls: ['{site.base}/index.html']\nrender: browser\n"
            "render_timeout: 30\nrobots: ignore\ndelay: 0\n")
        rendered = jikimi("run", "scripted", "--allow-private")
    assert rendered["pages"] == 2 and rendered["media_found"] == 3
    assert rendered["hits"] == 1 and rendered["for_review"] == 1
    assert jikimi("alerts", "--json") == []  # nobody is alerted before review

    [row] = jikimi("review", "list", "--json")
    assert row["page_url"] == f"{site.base}/gallery.html"
    jikimi("review", "decide", row["hit_id"], "--confirm")
    [alert] = jikimi("alerts", "--json")
    assert alert["page_url"] == f"{site.base}/gallery.html"
    assert alert["media_url"] == f"{site.base}/m/her.jpg"
