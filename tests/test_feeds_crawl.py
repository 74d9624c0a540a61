"""Crawls that start from a feed or a sitemap index, through the real child-process crawler:
what they read and attribute, and incremental re-crawls by `lastmod`/`updated` (the fixture
server's request log says what was fetched again)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.demo.site import photo_bytes
from jikimi.flow import crawl_job
from kernel.settings import Settings
from tests.crawl_site import FixtureSite, Route, crawl_settings
from tests.feed_fixtures import DAY, PERSON, TROUBLED_ENTRY, SyndicatedSite
from tests.render_fixtures import need_chromium


def run(server: FixtureSite, settings: Settings, start: str) -> tuple[CrawlReport, set[str]]:
    server.clear_log()
    site = SiteDefinition(name="syndicated", start_urls=[f"{server.base}{start}"], max_depth=1,
                          delay=0, concurrency=4)
    report = crawl(crawl_job(site, settings), progress=lambda line: None)
    return report, set(server.paths())


def pages_of(settings: Settings, photo: str) -> set[str]:
    store = registry.open_store(settings)
    try:
        sightings = store.sightings(hashlib.sha256(photo_bytes(photo)).hexdigest())
        return {"/" + s.page_url.split("/", 3)[3] for s in sightings}
    finally:
        store.close()


def entry_pages(paths: set[str]) -> set[str]:
    return {p for p in paths if p.endswith(".html")}


def test_an_rss_feed_is_crawled_and_then_only_what_changed(tmp_path: Path) -> None:
    with FixtureSite() as server:
        fixture = SyndicatedSite(server.base)
        server.routes.update(fixture.routes())
        settings = crawl_settings(str(tmp_path))
        report, paths = run(server, settings, "/feed.rss")
        assert report.sources == {"feed": 1, "html": 3} and report.pages == 4
        assert report.errors == [] and report.unchanged_entries == 0
        assert entry_pages(paths) == {"/posts/1.html", "/posts/2.html", "/posts/3.html"}
        assert "/m/talk.mp3" not in paths  # audio enclosure
        assert "/posts/deeper.html" not in paths  # entries are one hop below the feed
        assert pages_of(settings, PERSON) == {"/posts/2.html"}
        assert pages_of(settings, "impostor_1.jpg") == {"/posts/3.html"}  # enclosure
        assert pages_of(settings, "person_b_2.jpg") == {"/posts/3.html"}  # media:thumbnail

        again, paths = run(server, settings, "/feed.rss")
        assert entry_pages(paths) == set() and "/feed.rss" in paths
        assert again.unchanged_entries == 3 and again.pages == 1 and again.errors == []
        assert "3 unchanged entries" in again.summary()

        fixture.dates["/posts/2.html"] = DAY + timedelta(hours=1)
        server.routes.update(fixture.routes())
        changed, paths = run(server, settings, "/feed.rss")
        assert entry_pages(paths) == {"/posts/2.html"}
        assert changed.unchanged_entries == 2


def test_an_atom_feed_gives_its_entries_pages_and_inline_images(tmp_path: Path) -> None:
    with FixtureSite() as server:
        server.routes.update(SyndicatedSite(server.base).routes())
        settings = crawl_settings(str(tmp_path))
        report, paths = run(server, settings, "/feed.atom")
    assert report.sources == {"feed": 1, "html": 2} and report.errors == []
    assert entry_pages(paths) == {"/threads/1.html", "/threads/2.html"}
    assert pages_of(settings, PERSON) == {"/threads/2.html"}
    assert pages_of(settings, "person_b_2.jpg") == {"/threads/1.html"}  # in the entry's HTML


def test_a_sitemap_index_is_crawled_incrementally_past_broken_sitemaps(tmp_path: Path) -> None:
    with FixtureSite() as server:
        fixture = SyndicatedSite(server.base, troubles=True)
        server.routes.update(fixture.routes())
        settings = crawl_settings(str(tmp_path))
        report, paths = run(server, settings, "/sitemap_index.xml")
        # the index, pages.xml, more.xml.gz, the bomb and the broken one
        assert report.sources["sitemap"] == 5
        assert entry_pages(paths) == {"/pages/1.html", "/pages/2.html", "/pages/undated.html",
                                      "/pages/3.html", TROUBLED_ENTRY, "/posts/1.html"}
        assert pages_of(settings, PERSON) == {"/pages/2.html"}  # its <image:loc> only
        assert pages_of(settings, "person_b_1.jpg") == {"/pages/1.html", "/pages/3.html",
                                                        "/posts/1.html"}
        errors = "\n".join(report.errors)
        assert len(report.errors) == 3, errors
        assert f"sitemap {server.base}/sitemaps/bomb.xml.gz: gzip: unpacks to more than" in errors
        assert f"sitemap {server.base}/sitemaps/broken.xml: malformed XML at line 1" in errors
        assert f"{server.base}/m/unavailable.jpg: http 503" in errors

        again, paths = run(server, settings, "/sitemap_index.xml")
        # undated entries every time; the troubled page again (its image failed); the rest not
        assert entry_pages(paths) == {"/pages/undated.html", TROUBLED_ENTRY, "/posts/1.html"}
        assert again.unchanged_entries == 3
        assert "/sitemaps/more.xml.gz" in paths  # sitemaps themselves are read every time

        fixture.dates["/pages/3.html"] = DAY + timedelta(days=1)  # in the gzipped sitemap
        server.routes.update(fixture.routes())
        _, paths = run(server, settings, "/sitemap_index.xml")
        assert entry_pages(paths) == {"/pages/3.html", "/pages/undated.html", TROUBLED_ENTRY,
                                      "/posts/1.html"}


def test_a_robots_txt_start_url_leads_to_its_sitemaps(tmp_path: Path) -> None:
    with FixtureSite() as server:
        server.routes.update(SyndicatedSite(server.base).routes())
        settings = crawl_settings(str(tmp_path))
        report, paths = run(server, settings, "/robots.txt")
    assert report.sources == {"robots": 1, "sitemap": 3, "html": 4}
    assert entry_pages(paths) == {"/pages/1.html", "/pages/2.html", "/pages/undated.html",
                                  "/pages/3.html"}
    assert pages_of(settings, PERSON) == {"/pages/2.html"}


def test_sitemap_indexes_stay_on_site_and_within_their_caps(tmp_path: Path) -> None:
    with FixtureSite() as server:
        offsite = f"http://localhost:{server.port}"  # the same server under another host name
        fixture = SyndicatedSite(server.base)
        chain = [f"/nest/{n}.xml" for n in range(5)]  # each index lists the next one
        for here, below in zip(chain, chain[1:], strict=False):
            server.routes[here] = Route(fixture.index([below]).encode(), "text/xml")
        top = fixture.index([]).replace(
            "</sitemapindex>",
            f"<sitemap><loc>{server.base}{chain[1]}</loc></sitemap>"
            f"<sitemap><loc>{offsite}/sitemaps/pages.xml</loc></sitemap>"
            f"<sitemap><loc>{server.base}/sitemaps/pages.xml</loc></sitemap></sitemapindex>")
        server.routes |= fixture.routes()
        server.routes["/nest/0.xml"] = Route(top.encode(), "text/xml")
        report, paths = run(server, crawl_settings(str(tmp_path / "a")), "/nest/0.xml")
        assert {"/nest/0.xml", "/nest/1.xml", "/nest/2.xml", "/nest/3.xml"} <= paths
        assert "/nest/4.xml" not in paths  # /nest/3.xml is the 4th index deep: not followed
        assert [e for e in report.errors if "nested" in e] == [
            f"sitemap {server.base}/nest/3.xml: sitemap indexes nested more than 3 deep; "
            "not followed"]
        assert [p for p in server.log if p.headers.get("host", "").startswith("localhost")] == []
        assert "/pages/1.html" in paths  # the on-site child sitemap's entries

        capped, paths = run(server, crawl_settings(str(tmp_path / "b"),
                                                   max_sitemaps_per_crawl=1), "/nest/0.xml")
        assert "/nest/1.xml" in paths and "/sitemaps/pages.xml" not in paths
        assert capped.cut == {"sitemaps_per_crawl": 2}  # pages.xml, then /nest/1.xml's child
        assert "2 cut by max_sitemaps_per_crawl" in capped.summary()


@pytest.mark.parametrize(("start", "pages", "documents"), [
    ("/feed.rss", {"/posts/1.html", "/posts/2.html", "/posts/3.html"},
     {"feed": 1}),  # served as text/html: the browser reads its tags as HTML
    ("/sitemap_index.xml", {"/pages/1.html", "/pages/2.html", "/pages/undated.html",
                            "/pages/3.html"},
     {"sitemap": 3}),  # text/xml: the browser's XML viewer; child sitemaps are never rendered
])
def test_a_browser_rendered_site_still_reads_its_feeds_and_sitemaps(
        tmp_path: Path, start: str, pages: set[str], documents: dict[str, int]) -> None:
    need_chromium()
    with FixtureSite() as server:
        server.routes.update(SyndicatedSite(server.base).routes())
        site = SiteDefinition(name="rendered", start_urls=[f"{server.base}{start}"], max_depth=1,
                              delay=0, concurrency=4, render="browser")
        settings = crawl_settings(str(tmp_path))
        report = crawl(crawl_job(site, settings), progress=lambda line: None)
        paths = set(server.paths())
    assert report.errors == []
    assert entry_pages(paths) == pages
    assert report.sources == documents | {"rendered": len(pages)}  # entry pages rendered
    assert len(pages_of(settings, PERSON)) == 1
