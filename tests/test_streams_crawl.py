"""HLS and DASH streams crawled end to end: found on pages, fetched segment by segment through the
real child-process crawler, joined into one stored video the sampler decodes on the clip's clock.

The streams are muxed at test time by FFmpeg (through PyAV) from the demo clip; the site is
served on 127.0.0.1 with `crawl.allow_private` set (the guard tests are in
`test_streams_guard.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from enrichment.video.video_sampling import sample_video
from jikimi import registry
from jikimi.flow import crawl_job
from kernel.records import Media, Sighting, incoming_key
from kernel.settings import Settings, VideoSettings
from tests import stream_fixtures as streams
from tests.crawl_site import FixtureSite, Route, crawl_settings, page

PAGES = {
    "/hls.html": page('<video src="/hls/index.m3u8" controls></video>'),
    "/aes.html": page('<video><source src="/aes/index.m3u8" type="application/x-mpegURL">'
                      '</video>'),
    "/master.html": page("<script>jwplayer('p').setup({\"file\": \"\\/var\\/master.m3u8\"});"
                         "</script>"),
    "/dash.html": page('<video data-setup=\'{"sources": [{"src": "/dash/manifest.mpd"}]}\'>'
                       "</video>"),
    "/list.html": page('<a href="/list/manifest.mpd">watch</a>'),
}
INDEX = page("".join(f'<a href="{p}">{p}</a>' for p in PAGES))


@dataclass
class Crawled:
    report: CrawlReport
    settings: Settings
    paths: list[str]
    base: str

    def media_at(self, url: str) -> tuple[Media, list[Sighting], bytes]:
        store = registry.open_store(self.settings)
        try:
            record = store.get_fetch(self.base + url)
            assert record is not None and record.media_id, (url, record)
            media = store.get_media(record.media_id)
            assert media is not None
            sightings = store.sightings(record.media_id)
        finally:
            store.close()
        body = registry.open_blobs(self.settings).get(incoming_key(media.media_id))
        return media, sightings, body


def stream_routes() -> dict[str, Route]:
    routes = {"/index.html": INDEX, **PAGES}
    # distinct sizes, so that each stream is distinct media (the muxers are deterministic)
    routes |= streams.hls("/hls") | streams.hls("/aes", encrypted=True, size=(304, 228))
    routes |= streams.hls("/var/small", size=(288, 216))
    routes |= streams.hls("/var/large", size=(640, 480))
    routes["/var/master.m3u8"] = streams.master("/var", [
        ("large/index.m3u8", (640, 480), 900_000), ("small/index.m3u8", (320, 240), 300_000)])
    routes |= streams.dash("/dash") | streams.dash("/list", template=False, size=(304, 228))
    return routes


def crawl_site(tmp_path: Path, routes: dict[str, Route], start: str = "/index.html",
               **caps: object) -> Crawled:
    settings = crawl_settings(str(tmp_path), **caps)
    settings.video = VideoSettings(max_pixels=320 * 240)  # the 640×480 variant is too large
    with FixtureSite(routes) as site:
        job = SiteDefinition(name="streams", start_urls=[site.base + start], delay=0)
        report = crawl(crawl_job(job, settings), progress=lambda _: None)
        return Crawled(report, settings, site.paths(), site.base)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    return crawl_site(tmp_path_factory.mktemp("streams"), stream_routes())


def test_every_stream_is_found_fetched_and_stored_as_one_video(crawled: Crawled) -> None:
    report = crawled.report
    assert report.errors == [] and report.refused == 0
    assert report.sources == {"html": 6, "hls": 3, "dash": 2}
    assert report.media_new == 5
    expected = {"/hls/index.m3u8": ("/hls.html", "video/mp2t"),
                "/aes/index.m3u8": ("/aes.html", "video/mp2t"),
                "/var/master.m3u8": ("/master.html", "video/mp2t"),
                "/dash/manifest.mpd": ("/dash.html", "video/mp4"),
                "/list/manifest.mpd": ("/list.html", "video/mp4")}
    for url, (page_path, content_type) in expected.items():
        media, sightings, body = crawled.media_at(url)
        assert media.kind == "video" and media.content_type == content_type
        assert [(s.media_url, s.page_url) for s in sightings] == [
            (crawled.base + url, crawled.base + page_path)]
        sample = sample_video(body, VideoSettings(), cover_whole=True)
        assert sample.duration == pytest.approx(7.0, abs=0.15), url
        assert [f.ts for f in sample.frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], url


def test_every_segment_and_the_key_are_fetched_once(crawled: Crawled) -> None:
    paths = crawled.paths
    for prefix in ("/hls", "/aes", "/var/small"):
        assert [p for p in paths if p.startswith(prefix + "/seg")] == [
            f"{prefix}/seg{i:03d}.ts" for i in range(7)]
    assert paths.count("/aes/stream.key") == 1
    assert not [p for p in paths if p.startswith("/var/large")]  # beyond video.max_pixels
    for prefix in ("/dash", "/list"):
        assert [p for p in paths if p.startswith(prefix + "/") and p.endswith(".m4s")] == [
            f"{prefix}/init-stream0.m4s",
            *(f"{prefix}/chunk-stream0-{i:05d}.m4s" for i in range(1, 8))]


def test_a_second_crawl_does_not_fetch_a_known_stream_again(tmp_path: Path) -> None:
    routes = {"/hls.html": PAGES["/hls.html"], **streams.hls("/hls")}
    settings = crawl_settings(str(tmp_path))
    with FixtureSite(routes) as site:
        first = SiteDefinition(name="again", start_urls=[site.base + "/hls.html"], delay=0)
        report = crawl(crawl_job(first, settings), progress=lambda _: None)
        assert report.media_new == 1 and report.sources == {"html": 1, "hls": 1}
        site.clear_log()
        report = crawl(crawl_job(first, settings), progress=lambda _: None)
        assert report.media_skipped_unchanged == 1 and report.sources == {"html": 1}
        assert [p for p in site.paths() if p != "/robots.txt"] == ["/hls.html"]
