"""Issue 14, script-built pages: `render: browser` renders a site's pages in headless Chromium.

A gallery whose `<img>` tags only a script inserts (after fetching a JSON list) yields nothing to
a static crawl and every picture to a rendered one, stored with the gallery as their page. Pages
that never finish (a script that loops forever, an image that never arrives) are cut at the
site's `render_timeout` with a clear error while the rest of the crawl goes on, and the browser
leaves no profile folder and no process behind. A "page" that is really a download is fetched
as a plain request instead, as a static crawl would.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes, page, redirect
from tests.render_fixtures import gallery_routes, need_chromium

PICTURES = {"/m/one.jpg": image_bytes(41), "/m/two.jpg": image_bytes(42)}


def run_crawl(data: Path, site: SiteDefinition) -> CrawlReport:
    return crawl(crawl_job(site, crawl_settings(str(data))), progress=lambda line: None)


def definition(base: str, render: str, *starts: str, timeout: float = 20.0) -> SiteDefinition:
    return SiteDefinition(name="scripted", start_urls=[base + s for s in starts], delay=0,
                          robots="ignore", render=render, render_timeout=timeout)  # type: ignore[arg-type]


def test_a_script_built_gallery_is_found_only_when_rendered(tmp_path: Path) -> None:
    need_chromium()
    with FixtureSite(gallery_routes(PICTURES)) as site:
        static = run_crawl(tmp_path / "static", definition(site.base, "static", "/gallery.html"))
        assert static.pages == 1 and static.media_found == 0  # the HTML alone holds no picture
        assert static.sources == {"html": 1}

        site.routes["/away.html"] = redirect(f"http://localhost:{site.port}/gallery.html")
        rendered = run_crawl(tmp_path / "rendered",
                             definition(site.base, "browser", "/gallery.html", "/away.html"))
    assert rendered.errors == [  # pages never come from another site, rendered or not
        f"page {site.base}/away.html: ignored: the rendered page left the site: "
        f"{site.base}/away.html ended at http://localhost:{site.port}/gallery.html"]
    assert rendered.refused == 0
    assert rendered.pages == 1 and rendered.sources == {"rendered": 1}
    assert rendered.media_found == 2 and rendered.media_new == 2
    settings = crawl_settings(str(tmp_path / "rendered"))
    store = registry.open_store(settings)
    try:
        for path, data in PICTURES.items():
            [sighting] = store.sightings(hashlib.sha256(data).hexdigest())
            assert sighting.media_url == site.base + path
            assert sighting.page_url == site.base + "/gallery.html"
    finally:
        store.close()


def test_pages_that_never_finish_are_cut_at_render_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    need_chromium()
    # The crawl's (and so the browser's) temporary folder; short, as Chromium's socket path
    # under it must fit in 108 bytes.
    scratch = Path(tempfile.mkdtemp(prefix="jkr-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(scratch))
    try:
        _crawl_pages_that_hang(tmp_path, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _crawl_pages_that_hang(tmp_path: Path, scratch: Path) -> None:
    routes = gallery_routes(PICTURES)
    routes["/loop.html"] = page("<p>busy</p><script>for (;;) {}</script>")
    routes["/stall.html"] = page('<img src="/never.jpg"><p>waiting</p>')
    routes["/never.jpg"] = Route(image_bytes(43), "image/jpeg", delay=40.0)
    routes["/download"] = Route(image_bytes(44), "application/octet-stream",  # not a page at all
                                headers={"Content-Disposition": "attachment; filename=a.jpg"})
    started = time.monotonic()
    with FixtureSite(routes) as site:
        report = run_crawl(tmp_path / "data", definition(
            site.base, "browser", "/loop.html", "/stall.html", "/gallery.html", "/download",
            timeout=4.0))
    elapsed = time.monotonic() - started

    cut = "RenderTimedOut: rendering took longer than 4 s (the site's render_timeout)"
    assert sorted(report.errors) == [f"page {site.base}/loop.html: {cut}",
                                     f"page {site.base}/stall.html: {cut}"]
    assert report.sources == {"rendered": 1} and report.media_new == 3  # the rest went on:
    assert report.media_found == 3  # the gallery's two, and the download fetched plainly
    assert elapsed < 35.0  # cut at 4 s each, not at the stalled image's 40 s (generous margin)

    assert [p.name for p in scratch.iterdir()] == []  # no profile folder left behind
    assert not _processes_mentioning(str(scratch))  # and no browser process still running


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{proc.name}: {cmdline[:200]}")
    return found


def test_without_the_browser_each_rendered_page_fails_clearly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("playwright", reason="the playwright package is not installed")
    scratch = Path(tempfile.mkdtemp(prefix="jkr-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(scratch))
    try:
        with FixtureSite(gallery_routes(PICTURES)) as site:
            settings = crawl_settings(str(tmp_path), chromium_path="/nonexistent/chromium")
            report = crawl(crawl_job(definition(site.base, "browser", "/gallery.html"), settings),
                           progress=lambda line: None)
        assert report.errors == [
            f"page {site.base}/gallery.html: BrowserMissing: no browser at /nonexistent/chromium "
            "(crawl.chromium_path): apt-get install chromium"]
        assert list(scratch.iterdir()) == []  # no launch was tried, so nothing was left behind
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
