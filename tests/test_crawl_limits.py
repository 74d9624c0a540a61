"""Crawl limits and per-site rules: link traps, robots.txt, follow/deny, headers, child failures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi.flow import crawl_job
from kernel.errors import ConfigError, JikimiError
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes, page

_MONTH = re.compile(r"^/cal/(\d{4})-(\d{2})$")


def calendar(path: str) -> Route | None:
    """An endless calendar: every month links to the previous and next month, forever.

    Its "next" link is labelled but not declared (rel=next), so it is an ordinary link hop.
    """
    match = _MONTH.match(path.split("?", 1)[0])
    if match is None:
        return None
    index = int(match.group(1)) * 12 + int(match.group(2)) - 1
    prev_month, next_month = (f"/cal/{i // 12:04d}-{i % 12 + 1:02d}"
                              for i in (index - 1, index + 1))
    week = "" if "?" in path else f'<a href="{path}?view=week">week</a>'
    return page(f'<a href="{prev_month}">prev</a><a href="{next_month}">next</a>{week}')


def paginated_calendar(path: str) -> Route | None:
    """An endless calendar declaring its next month as pagination (rel=next)."""
    match = _MONTH.match(path)
    if match is None:
        return None
    index = int(match.group(1)) * 12 + int(match.group(2))
    return page("", f'<link rel="next" href="/cal/{index // 12:04d}-{index % 12 + 1:02d}">')


def calendar_pages(server: FixtureSite) -> list[str]:
    return [p for p in server.paths() if p.startswith("/cal/")]


def test_depth_limit_cuts_an_endless_calendar(tmp_path: Path) -> None:
    with FixtureSite(dynamic=calendar) as server:
        site = SiteDefinition(name="cal", start_urls=[f"{server.base}/cal/2024-06"],
                              max_depth=2, max_pages=1000, delay=0, robots="ignore")
        report = crawl(crawl_job(site, crawl_settings(str(tmp_path))), progress=lambda _: None)
        months = {p for p in calendar_pages(server) if "?" not in p}
    assert months == {"/cal/2024-04", "/cal/2024-05", "/cal/2024-06", "/cal/2024-07",
                      "/cal/2024-08"}
    assert report.pages == len(calendar_pages(server)) == 5 + 3  # + week views of depth <= 1
    assert report.errors == []


def test_page_limit_cuts_an_endless_paginated_calendar(tmp_path: Path) -> None:
    with FixtureSite(dynamic=paginated_calendar) as server:
        site = SiteDefinition(name="cal", start_urls=[f"{server.base}/cal/2024-06"],
                              max_depth=10_000, max_pages=7, delay=0, robots="ignore")
        lines: list[str] = []
        report = crawl(crawl_job(site, crawl_settings(str(tmp_path))), progress=lines.append)
        fetched = calendar_pages(server)
    assert len(fetched) == len(set(fetched)) == report.pages == 7
    assert lines[-1].startswith("cal: 7 pages")


def site_with_rules(server: FixtureSite) -> dict[str, Route]:
    return {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/index.html": page('<a href="/private/a.html">a</a><a href="/keep/b.html">b</a>'
                            '<a href="/keep/no/c.html">c</a><a href="/other/d.html">d</a>'
                            '<img src="/private/p.jpg"><img src="/ads/banner.jpg">'),
        "/private/a.html": page("private"),
        "/private/p.jpg": Route(image_bytes(1), "image/jpeg"),
        "/ads/banner.jpg": Route(image_bytes(2), "image/jpeg"),
        "/keep/b.html": page("kept"),
        "/keep/no/c.html": page("denied"),
        "/other/d.html": page("not followed"),
    }


def test_robots_txt_can_be_ignored_per_site_and_follow_deny_apply(tmp_path: Path) -> None:
    with FixtureSite() as server:
        server.routes.update(site_with_rules(server))
        site = SiteDefinition(
            name="rules", start_urls=[f"{server.base}/index.html"], robots="ignore", delay=0,
            follow=["/keep/", "/private/"], deny=["/no/", "/ads/"], headers={"X-Test": "yes"},
        )
        settings = crawl_settings(str(tmp_path), user_agent="jikimi-test/1")
        report = crawl(crawl_job(site, settings), progress=lambda _: None)
        paths = server.paths()
        ua = {e.headers.get("user-agent") for e in server.log}
        custom = {e.headers.get("x-test") for e in server.log}
    assert "/robots.txt" not in paths
    assert {"/private/a.html", "/private/p.jpg", "/keep/b.html"} <= set(paths)
    assert not {"/keep/no/c.html", "/other/d.html", "/ads/banner.jpg"} & set(paths)
    assert ua == {"jikimi-test/1"} and custom == {"yes"}
    assert report.robots_denied == 0 and report.media_new == 1


def test_robots_txt_is_obeyed_for_pages_and_media_by_default(tmp_path: Path) -> None:
    with FixtureSite() as server:
        server.routes.update(site_with_rules(server))
        site = SiteDefinition(name="rules", start_urls=[f"{server.base}/index.html"], delay=0)
        report = crawl(crawl_job(site, crawl_settings(str(tmp_path))), progress=lambda _: None)
        paths = server.paths()
    assert paths[0] == "/robots.txt"
    assert not [p for p in paths if p.startswith("/private/")]
    assert report.robots_denied == 2  # one page, one media
    assert "/ads/banner.jpg" in paths and report.errors == []


def test_a_failing_child_is_one_clear_error(tmp_path: Path) -> None:
    site = SiteDefinition(name="x", start_urls=["http://127.0.0.1:9/"], delay=0)
    settings = crawl_settings(str(tmp_path))
    settings.blobs.uri = "gopher://nowhere"
    with pytest.raises(ConfigError, match=r"^crawl of x failed: unsupported blob store URI"):
        crawl(crawl_job(site, settings), progress=lambda _: None)
    settings.blobs.uri = "memory://crawl"
    with pytest.raises(ConfigError, match="child process"):
        crawl(crawl_job(site, settings), progress=lambda _: None)
    settings.blobs.uri = None
    settings.store.sqlite_path = tmp_path  # a directory: the database cannot open
    with pytest.raises(JikimiError, match=r"^crawl of x failed"):
        crawl(crawl_job(site, settings), progress=lambda _: None)
