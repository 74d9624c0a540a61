"""Per-item failures (HTTP errors, timeouts, broken pages) are reported and the crawl goes on."""

from __future__ import annotations

from pathlib import Path

from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes, page


def test_failed_items_are_recorded_and_the_rest_is_stored(tmp_path: Path) -> None:
    routes = {
        "/index.html": page(
            '<img src="/missing.jpg"><img src="/broken.jpg"><img src="/slow.jpg">'
            '<img src="/fine.jpg"><a href="/gone.html">gone</a><a href="/next.html">next</a>'),
        "/broken.jpg": Route(b"server error", "text/plain", 500),
        "/slow.jpg": Route(image_bytes(2), "image/jpeg", delay=1.5),
        "/fine.jpg": Route(image_bytes(3), "image/jpeg"),
        "/next.html": page('<img src="/later.png">'),
        "/later.png": Route(image_bytes(4, "PNG"), "image/png"),
    }
    with FixtureSite(routes) as server:
        site = SiteDefinition(name="errs", start_urls=[f"{server.base}/index.html"], delay=0,
                              robots="ignore")
        settings = crawl_settings(str(tmp_path), download_timeout=0.5)
        report = crawl(crawl_job(site, settings), progress=lambda _: None)
        broken_tries = server.paths().count("/broken.jpg")
    base = server.base
    assert f"{base}/missing.jpg: http 404" in report.errors
    assert f"{base}/broken.jpg: http 500" in report.errors
    assert f"{base}/slow.jpg: timeout" in report.errors
    assert f"page {base}/gone.html: http 404" in report.errors
    assert broken_tries == 2  # one retry for a server error, then it is recorded
    assert report.media_new == 2 and report.pages == 2
    store = registry.open_store(settings)
    try:
        for name, error in (("missing.jpg", "http 404"), ("slow.jpg", "timeout")):
            record = store.get_fetch(f"{base}/{name}")
            assert record is not None and record.media_id is None and record.error == error
    finally:
        store.close()
