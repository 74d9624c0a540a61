"""Bounded crawl work (issue 13, finding 3): one hostile page listing 5,000 images with 50,000
`srcset` candidates made 55,262 media requests. Caps per srcset, per page and per crawl now
bound it, and the crawl report says how many each cap cut."""

from __future__ import annotations

import re
from pathlib import Path

from crawlers.extract import ExtractLimits, extract_page, largest_srcset
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi.flow import crawl_job
from tests.crawl_site import FixtureSite, Route, crawl_settings, image_bytes, page

IMAGES = 5_000
SIZES = 10  # srcset candidates per image: 50,000 in all
_MEDIA = re.compile(r"^/m/(\d+)-(\d+)\.jpg$")
_TINY_JPEG = image_bytes(1, size=(8, 8))


def hostile_gallery() -> str:
    images = []
    for i in range(IMAGES):
        srcset = ", ".join(f"/m/{i}-{w}.jpg {w * 100}w" for w in range(1, SIZES + 1))
        images.append(f'<img src="/m/{i}-0.jpg" srcset="{srcset}">')
    return "".join(images)


def media_route(path: str) -> Route | None:
    return Route(_TINY_JPEG, "image/jpeg") if _MEDIA.match(path) else None


def media_requests(server: FixtureSite) -> list[str]:
    return [p for p in server.paths() if _MEDIA.match(p)]


def test_srcset_keeps_the_largest_candidates_in_document_order() -> None:
    value = "a.jpg 480w, b.jpg 1920w, c.jpg 960w, d.jpg 240w, e.jpg 1440w"
    assert largest_srcset(value, 3) == (["b.jpg", "c.jpg", "e.jpg"], 2)
    assert largest_srcset("x.jpg, y.jpg 2x, z.jpg 3x", 1) == (["z.jpg"], 2)
    assert largest_srcset("x.jpg 1x, y.jpg 2x", None) == (["x.jpg", "y.jpg"], 0)


def test_page_extraction_counts_what_the_caps_cut() -> None:
    limits = ExtractLimits(max_srcset_candidates=8, max_media=500)
    found = extract_page(hostile_gallery(), "http://gallery.test/", limits)
    assert len(found.media) == 500
    assert found.media[0] == "http://gallery.test/m/0-0.jpg"  # document order: first seen first
    assert found.srcset_cut == IMAGES * (SIZES - 8)
    assert found.media_cut == IMAGES * (1 + 8) - 500


def test_a_hostile_gallery_page_makes_at_most_the_capped_media_requests(tmp_path: Path) -> None:
    with FixtureSite(dynamic=media_route) as server:
        server.routes["/gallery.html"] = page(hostile_gallery())
        site = SiteDefinition(name="bomb", start_urls=[f"{server.base}/gallery.html"],
                              delay=0, robots="ignore", concurrency=16)
        settings = crawl_settings(str(tmp_path))  # the defaults: 500 / page, 8 srcset sizes
        lines: list[str] = []
        report = crawl(crawl_job(site, settings), progress=lines.append)
        requested = media_requests(server)
    assert len(requested) == len(set(requested)) == 500 == report.media_found
    assert report.cut == {"srcset_candidates": IMAGES * (SIZES - 8),
                          "media_per_page": IMAGES * 9 - 500}
    assert "cut by max_media_per_page" in lines[-1]


def test_the_per_crawl_cap_spans_pages(tmp_path: Path) -> None:
    with FixtureSite(dynamic=media_route) as server:
        for n in range(3):
            server.routes[f"/p{n}.html"] = page(
                "".join(f'<img src="/m/{n}{i:02d}-0.jpg">' for i in range(20))
                + (f'<a href="/p{n + 1}.html">next</a>' if n < 2 else ""))
        site = SiteDefinition(name="pages", start_urls=[f"{server.base}/p0.html"],
                              delay=0, robots="ignore")
        settings = crawl_settings(str(tmp_path), max_media_per_crawl=30)
        report = crawl(crawl_job(site, settings), progress=lambda _: None)
        requested = media_requests(server)
    assert report.pages == 3
    assert len(requested) == report.media_found == 30
    assert report.cut == {"media_per_crawl": 30}
