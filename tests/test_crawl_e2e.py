"""End-to-end crawls of a generated fixture site through the real child-process crawler.

One crawl of the main site is shared by the assertions about what it found and stored (markup,
redirects, duplicates, sniffing, size cap, off-site, pagination, robots.txt); the incremental
tests re-crawl the same data directory and check the server's request log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.flow import crawl_job
from kernel.settings import Settings
from tests.crawl_site import (
    MP4_BYTES,
    WEBM_BYTES,
    FixtureSite,
    Route,
    crawl_settings,
    image_bytes,
    page,
    redirect,
)

MAX_MEDIA = 64 * 1024
DUPLICATE = image_bytes(90)
SHARED = image_bytes(91)
MARKUP_MEDIA = {  # path -> bytes, for every kind of markup on /markup.html
    "/m/img.jpg": image_bytes(1), "/m/lazy.jpg": image_bytes(2),
    "/m/orig.png": image_bytes(3, "PNG"), "/m/lazysrc.jpg": image_bytes(4),
    "/m/s1.jpg": image_bytes(5), "/m/s2.jpg": image_bytes(6),
    "/m/ds1.jpg": image_bytes(7), "/m/ds2.jpg": image_bytes(8),
    "/m/pic.webp": image_bytes(9, "WEBP"), "/m/pic.jpg": image_bytes(10),
    "/m/bg.jpg": image_bytes(11), "/m/css.png": image_bytes(12, "PNG"),
    "/m/og.jpg": image_bytes(13), "/m/tw.jpg": image_bytes(14), "/m/ogv.mp4": MP4_BYTES,
    "/m/linked.jpg": image_bytes(15), "/m/clip.webm": WEBM_BYTES,
    "/m/poster.jpg": image_bytes(16), "/m/src.mp4": MP4_BYTES + b"\x01",
    "/assets/based.jpg": image_bytes(17),
}
MARKUP_HTML = """
<img src="/m/img.jpg"><img src="data:image/gif;base64,R0lGODlh" data-src="/m/lazy.jpg">
<img data-original="/m/orig.png"><img data-lazy-src="/m/lazysrc.jpg">
<img srcset="/m/s1.jpg 1x, /m/s2.jpg 2x"><img data-srcset="/m/ds1.jpg 480w, /m/ds2.jpg 960w">
<picture><source srcset="/m/pic.webp" type="image/webp"><img src="/m/pic.jpg"></picture>
<div style="background-image: url('/m/bg.jpg')">bg</div>
<a href="/m/linked.jpg">full size</a><a href="javascript:void(0)">js</a>
<video src="/m/clip.webm" poster="/m/poster.jpg"><source src="/m/src.mp4" type="video/mp4"></video>
<audio src="/m/sound.mp3"><source src="/m/sound2.ogg"></audio>
"""
MARKUP_HEAD = (
    "<style>.hero { background-image: url(/m/css.png) }</style>"
    '<meta property="og:image" content="/m/og.jpg"><meta name="twitter:image" content="/m/tw.jpg">'
    '<meta property="og:video" content="/m/ogv.mp4">'
)


def main_routes(offsite_base: str) -> dict[str, Route]:
    routes = {path: Route(body, "application/octet-stream") for path, body in MARKUP_MEDIA.items()}
    routes |= {
        "/robots.txt": Route(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/index.html": page(
            '<a href="/markup.html">m</a><a href="/based/page.html">b</a>'
            '<a href="/redirects.html">r</a><a href="/dupes.html">d</a>'
            '<a href="/sniff.html">s</a><a href="/big.html">big</a>'
            '<a href="/gallery/1.html">g</a><a href="/private/secret.html">p</a>'
            '<a href="/r/page">moved</a>'
            f'<a href="{offsite_base}/offsite.html">elsewhere</a><img src="/m/shared.jpg">'
            f'<img src="{offsite_base}/cdn/photo.jpg">'),
        "/markup.html": page(MARKUP_HTML, MARKUP_HEAD),
        "/based/page.html": page('<img src="based.jpg">', '<base href="/assets/">'),
        "/redirects.html": page('<img src="/r/301.jpg"><img src="/r/302.jpg">'),
        "/r/301.jpg": redirect("/m/target301.jpg", 301),
        "/r/302.jpg": redirect("/m/target302.jpg", 302),
        "/r/page": redirect("/moved.html", 302),
        "/m/target301.jpg": Route(image_bytes(30), "image/jpeg"),
        "/m/target302.jpg": Route(image_bytes(31), "image/jpeg"),
        "/moved.html": page('<img src="/m/moved.jpg">'),
        "/m/moved.jpg": Route(image_bytes(32), "image/jpeg"),
        "/dupes.html": page(
            '<img src="/m/dup-a.jpg"><img src="/m/dup-b.jpg"><img src="/m/shared.jpg">'),
        "/m/dup-a.jpg": Route(DUPLICATE, "image/jpeg"),
        "/m/dup-b.jpg": Route(DUPLICATE, "image/jpeg"),
        "/m/shared.jpg": Route(SHARED, "image/jpeg"),
        "/sniff.html": page('<img src="/m/photo.txt"><img src="/m/fake.jpg">'),
        "/m/photo.txt": Route(image_bytes(40), "text/plain"),
        "/m/fake.jpg": Route(b"<html><body>404 not found</body></html>" * 5, "image/jpeg"),
        "/big.html": page('<img src="/m/huge.jpg"><img src="/m/after-huge.jpg">'),
        "/m/huge.jpg": Route(b"\xff\xd8\xff\xe0" + b"\x00" * (MAX_MEDIA * 2), "image/jpeg"),
        "/m/after-huge.jpg": Route(image_bytes(41), "image/jpeg"),
        "/gallery/3.html": page('<img src="/m/g3.jpg">'),
        "/private/secret.html": page('<img src="/m/secret.jpg">'),
    }
    for n in (1, 2, 3):
        routes[f"/m/g{n}.jpg"] = Route(image_bytes(50 + n), "image/jpeg")
        if n < 3:  # pagination only through <link rel=next> in the head
            link = f'<link rel="next" href="/gallery/{n + 1}.html">'
            routes[f"/gallery/{n}.html"] = page(f'<img src="/m/g{n}.jpg">', link)
    routes["/m/secret.jpg"] = Route(image_bytes(60), "image/jpeg")
    routes["/offsite.html"] = page('<img src="/m/offsite-only.jpg">')
    routes["/cdn/photo.jpg"] = Route(image_bytes(61), "image/jpeg")
    return routes


@dataclass
class MainCrawl:
    server: FixtureSite
    settings: Settings
    site: SiteDefinition
    report: CrawlReport
    first_paths: list[str]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def main_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MainCrawl]:
    with FixtureSite() as server:
        offsite = f"http://localhost:{server.port}"  # same server, another host name: off-site
        server.routes.update(main_routes(offsite))
        data_dir = tmp_path_factory.mktemp("crawl-e2e")
        settings = crawl_settings(str(data_dir), max_media_bytes=MAX_MEDIA)
        site = SiteDefinition(name="fixture", start_urls=[f"{server.base}/index.html"],
                              max_depth=1, delay=0, concurrency=4)
        lines: list[str] = []
        report = crawl(crawl_job(site, settings), progress=lines.append)
        assert lines and lines[-1] == report.summary()
        yield MainCrawl(server, settings, site, report, server.paths())


def test_every_markup_kind_is_fetched_and_audio_is_not(main_crawl: MainCrawl) -> None:
    paths = set(main_crawl.first_paths)
    assert set(MARKUP_MEDIA) <= paths
    assert not {"/m/sound.mp3", "/m/sound2.ogg"} & paths
    store = registry.open_store(main_crawl.settings)
    try:
        for path, body in MARKUP_MEDIA.items():
            media = store.get_media(sha(body))
            assert media is not None, path
            assert media.status == "new" and media.blob_key == f"incoming/{sha(body)}"
        assert store.get_media(sha(MP4_BYTES)).kind == "video"  # type: ignore[union-attr]
        assert store.get_media(sha(image_bytes(9, "WEBP"))).content_type == "image/webp"  # type: ignore[union-attr]
    finally:
        store.close()


def test_blobs_hold_the_raw_bytes_once(main_crawl: MainCrawl) -> None:
    blobs = registry.open_blobs(main_crawl.settings)
    assert blobs.get(f"incoming/{sha(DUPLICATE)}") == DUPLICATE
    keys = list(blobs.keys("incoming/"))
    assert len(keys) == len(set(keys)) == main_crawl.report.media_new


def test_redirected_pages_and_media_are_followed(main_crawl: MainCrawl) -> None:
    paths = main_crawl.first_paths
    for path in ("/r/301.jpg", "/m/target301.jpg", "/r/302.jpg", "/m/target302.jpg", "/r/page",
                 "/moved.html", "/m/moved.jpg"):
        assert path in paths
    store = registry.open_store(main_crawl.settings)
    try:
        sighting = store.sightings(sha(image_bytes(30)))[0]
        assert sighting.media_url.endswith("/r/301.jpg")  # the URL the page shows
        assert sighting.page_url.endswith("/redirects.html")
        assert store.sightings(sha(image_bytes(32)))[0].page_url.endswith("/moved.html")
    finally:
        store.close()


def test_same_bytes_at_two_urls_is_one_media_with_every_sighting(main_crawl: MainCrawl) -> None:
    store = registry.open_store(main_crawl.settings)
    try:
        dup = {(s.media_url.rsplit("/", 1)[1], s.page_url.rsplit("/", 1)[1])
               for s in store.sightings(sha(DUPLICATE))}
        assert dup == {("dup-a.jpg", "dupes.html"), ("dup-b.jpg", "dupes.html")}
        shared = {s.page_url.rsplit("/", 1)[1] for s in store.sightings(sha(SHARED))}
        assert shared == {"index.html", "dupes.html"}
        assert all(s.site == "fixture" for s in store.sightings(sha(SHARED)))
        assert sum(1 for m in store.list_media() if m.media_id == sha(DUPLICATE)) == 1
    finally:
        store.close()
    assert main_crawl.first_paths.count("/m/shared.jpg") == 1  # fetched once for two pages
    assert main_crawl.report.media_known >= 1  # dup-b.jpg: bytes already stored


def test_content_type_is_sniffed_from_the_bytes(main_crawl: MainCrawl) -> None:
    store = registry.open_store(main_crawl.settings)
    try:
        jpeg_as_text = store.get_media(sha(image_bytes(40)))
        assert jpeg_as_text is not None and jpeg_as_text.content_type == "image/jpeg"
        fake = store.get_fetch(f"{main_crawl.server.base}/m/fake.jpg")
        assert fake is not None and fake.media_id is None
        assert fake.error is not None and fake.error.startswith("not media")
    finally:
        store.close()
    assert any("fake.jpg: not media" in e for e in main_crawl.report.errors)


def test_media_over_the_size_cap_is_an_error_and_the_crawl_goes_on(main_crawl: MainCrawl) -> None:
    report = main_crawl.report
    assert any("huge.jpg: too large" in e for e in report.errors)
    store = registry.open_store(main_crawl.settings)
    try:
        record = store.get_fetch(f"{main_crawl.server.base}/m/huge.jpg")
        assert record is not None and record.media_id is None
        assert (record.error or "").startswith("too large")
        assert store.get_media(sha(image_bytes(41))) is not None
    finally:
        store.close()


def test_offsite_pages_are_not_followed_but_offsite_media_is_fetched(main_crawl: MainCrawl) -> None:
    paths = main_crawl.first_paths
    assert "/offsite.html" not in paths and "/m/offsite-only.jpg" not in paths
    assert "/cdn/photo.jpg" in paths  # the other host is reachable: only pages stay on site
    host_of = {e.path: e.headers.get("host", "") for e in main_crawl.server.log}
    assert host_of["/cdn/photo.jpg"].startswith("localhost:")


def test_pagination_via_rel_next_keeps_the_page_depth(main_crawl: MainCrawl) -> None:
    # max_depth=1: gallery/1 is one link from the index; 2 and 3 only via <link rel=next>
    for path in ("/gallery/1.html", "/gallery/2.html", "/gallery/3.html", "/m/g3.jpg"):
        assert path in main_crawl.first_paths


def test_robots_txt_is_obeyed_by_default(main_crawl: MainCrawl) -> None:
    paths = main_crawl.first_paths
    assert "/robots.txt" in paths
    assert "/private/secret.html" not in paths
    assert main_crawl.report.robots_denied >= 1


def test_report_counts_add_up(main_crawl: MainCrawl) -> None:
    report = main_crawl.report
    assert report.site == "fixture"
    assert report.pages == 11  # private/ is robots-denied, offsite.html is off-site
    assert report.sources == {"html": 11}  # per source kind
    assert report.summary().endswith("[11 html]")
    assert report.refused == 0
    fetched_media = report.media_new + report.media_known
    assert report.media_new == len(MARKUP_MEDIA) + 11
    assert report.media_found == fetched_media + 2  # + fake.jpg, huge.jpg
    assert report.bytes > 0 and report.seconds > 0
    assert len(report.errors) == 2, report.errors


def test_recrawl_requests_no_media_then_revalidates_after_the_refresh_period(
    main_crawl: MainCrawl,
) -> None:
    server, settings, site = main_crawl.server, main_crawl.settings, main_crawl.site
    server.clear_log()
    again = crawl(crawl_job(site, settings), progress=lambda _: None)
    media_paths = [p for p in server.paths() if p.startswith(("/m/", "/cdn/", "/assets/"))
                   or p.endswith(".jpg")]
    assert media_paths == []
    assert again.media_new == 0 and again.bytes == 0
    # every media URL is skipped, including the two that failed for good (not media, too large)
    assert again.media_skipped_unchanged == main_crawl.report.media_found
    store = registry.open_store(settings)
    try:
        assert len(store.sightings(sha(DUPLICATE))) == 2  # refreshed, not duplicated
    finally:
        store.close()

    server.clear_log()
    stale = settings.model_copy(deep=True)
    stale.crawl.media_refresh_days = 0
    third = crawl(crawl_job(site, stale), progress=lambda _: None)
    conditional = [e for e in server.log if e.path == "/m/img.jpg"]
    assert conditional and conditional[0].headers.get("if-none-match")
    assert conditional[0].status == 304
    assert third.media_new == 0 and third.media_skipped_unchanged >= len(MARKUP_MEDIA)

