"""Forum templates end to end: one local copy per engine (tests/forum_fixtures), crawled through
`jikimi.cli.main` with the site's `template:`, enriched and matched; and the same crawl without
the template, to show that the template is what finds the full-size files.

On every board the enrolled person appears only in attachment 13, on page 2 of "Holiday
photos" (tests/forum_site.py); the other attachments show strangers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi.cli import main
from jikimi.demo.site import photo_bytes
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, crawl_settings
from tests.forum_engines import ENGINES
from tests.forum_site import PERSON_ATTACHMENT, PHOTOS, Engine, forum_site


def site_fields(engine: Engine, server: FixtureSite, template: str | None) -> dict[str, Any]:
    # Threads sit two hops from the start page; an attachment's link is one hop further.
    return {"name": "forum", "start_urls": [server.base + engine.index], "template": template,
            "max_depth": 2, "delay": 0, "concurrency": 4}


def thumbnails(engine: Engine) -> set[str]:
    return {path for n in PHOTOS for path in engine.thumbs(n)}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ENGINES))
def test_the_template_crawl_alerts_the_person_on_her_thread_page(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    engine = ENGINES[name]
    (tmp_path / "a.jpg").write_bytes(photo_bytes("person_a_1.jpg"))
    data = ["--data-dir", str(tmp_path / "data")]

    def jikimi(*args: str) -> Any:
        assert main([*data, *args]) == 0, capsys.readouterr()
        return json.loads(capsys.readouterr().out)

    with forum_site(engine) as server:
        site_file = tmp_path / "forum.yaml"
        site_file.write_text(yaml.safe_dump(site_fields(engine, server, name)))
        jikimi("enroll", "--name", "Ana Secretname", str(tmp_path / "a.jpg"))
        report = jikimi("crawl", str(site_file), "--allow-private")
        jikimi("enrich")
        matched = jikimi("match")
        paths = server.paths()
    assert report["errors"] == []
    assert report["sources"][f"forum:{name}"] == len(engine.thread_pages()) == 3
    assert set(engine.thread_pages()) <= set(paths)  # the thread's later page included
    assert {engine.full(n) for n in PHOTOS} <= set(paths)  # every full-size attachment …
    assert not thumbnails(engine) & set(paths)  # … and none of their thumbnails
    assert not set(engine.traps) & set(paths)  # no login, reply, report, member, sort, search
    assert not [p for p in paths if "sid=" in p or "s=0123" in p]  # no session-id duplicates
    assert matched["hits"] == 1
    [hit] = jikimi("review", "list", "--json")
    assert hit["page_url"] == server.base + engine.person_page
    assert hit["media_url"] == server.base + engine.full(PERSON_ATTACHMENT)
    capsys.readouterr()
    assert main([*data, "review", "decide", hit["hit_id"], "--confirm"]) == 0
    capsys.readouterr()
    [alert] = jikimi("alerts", "--json")
    assert alert["page_url"] == server.base + engine.person_page
    assert alert["media_url"] == server.base + engine.full(PERSON_ATTACHMENT)


# Without the template the crawler cannot tell an attachment link from a page: XenForo, phpBB
# and vBulletin link the full file without a file extension, one hop past max_depth; WordPress
# names Jetpack's original only in data-orig-file. Discourse's originals carry an extension, so
# there the generic crawl finds them too, but also fetches every optimized copy.
MISSED_WITHOUT_TEMPLATE = {"xenforo": True, "phpbb": True, "vbulletin": True,
                           "wordpress": True, "discourse": False}


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_without_the_template_the_same_crawl_misses_what_the_template_finds(
        name: str, tmp_path: Path) -> None:
    engine = ENGINES[name]
    requested: dict[str | None, set[str]] = {}
    for template in (name, None):
        with forum_site(engine) as server:
            fields = site_fields(engine, server, template)
            settings = crawl_settings(str(tmp_path / str(template)))
            report = crawl(crawl_job(SiteDefinition.model_validate(fields), settings))
            requested[template] = set(server.paths())
        assert report.pages >= len(engine.thread_pages())
    person = engine.full(PERSON_ATTACHMENT)
    assert person in requested[name]
    assert (person not in requested[None]) is MISSED_WITHOUT_TEMPLATE[name]
    assert thumbnails(engine) & requested[None]  # the generic crawl takes the thumbnails …
    assert set(engine.traps) & requested[None]  # … and walks into trap links
    assert not (thumbnails(engine) | set(engine.traps)) & requested[name]
