"""HLS and DASH streams crawled end to end: found on pages, fetched segment by segment through the
real child-process crawler, joined into one stored video the sampler decodes on the clip's clock.

The streams are muxed at test time by FFmpeg (through PyAV) from the demo clip; the site is
served on 127.0.0.1 with `crawl.allow_private` set (the guard tests are in
`test_streams_guard.py`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from enrichment.video.video_sampling import sample_video
from jikimi.flow import crawl_job
from kernel.settings import VideoSettings
from tests import stream_fixtures as streams
from tests.crawl_site import FixtureSite, Route, crawl_settings, page
from tests.stream_fixtures import Crawled, crawl_site

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
    for part, page_path in (("/hls/seg003.ts", "/hls.html"), ("/aes/stream.key", "/aes.html"),
                            ("/var/small/index.m3u8", "/master.html"),
                            ("/list/init-stream0.m4s", "/list.html")):
        assert crawled.referers[part] == crawled.base + page_path  # as the page's player would
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


def test_a_playlist_without_extension_is_recognised_by_its_bytes(tmp_path: Path) -> None:
    hls = streams.hls("/hls")
    playlist = streams.text(hls["/hls/index.m3u8"]).replace("seg", "/hls/seg")
    routes = {"/p.html": page('<script>var config = {hls: "/play?id=7"};</script>'
                              '<a href="/watch/7">also</a>'),
              "/play?id=7": streams.with_text(hls["/hls/index.m3u8"], playlist),
              "/watch/7": streams.with_text(hls["/hls/index.m3u8"], playlist), **hls}
    crawled = crawl_site(tmp_path, routes, "/p.html")
    assert crawled.report.errors == [] and crawled.report.sources == {"html": 1, "hls": 2}
    media, _, _ = crawled.media_at("/play?id=7")  # a media URL that served a playlist
    linked, _, _ = crawled.media_at("/watch/7")  # a followed link that served one
    assert media.media_id == linked.media_id and media.content_type == "video/mp2t"
