"""Crawl speed, first crawl vs re-crawl of an unchanged site (issue 15: re-crawl >= 20x faster).

A re-crawl must cost little more than reading the pages again: media fetched within
`crawl.media_refresh_days` is answered from its fetch record without touching the network
(crawlers.freshness), so nothing is downloaded, hashed or stored twice. The site is generated
here: pages of neutral noise images (no faces, nothing explicit), served on loopback by the demo
server, optionally with a per-response delay standing in for a remote site's round trip
(`latency_ms`; 0 is loopback, the least favourable case for the ratio). Pages are galleries of
24 thumbnails by default, the shape of the image boards jikimi crawls.
"""

from __future__ import annotations

import io
import time
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import numpy as np
from PIL import Image

from jikimi.demo.site import FixtureServer, _FixtureHTTPServer, _QuietHandler
from jikimi.flow import crawl_stage
from kernel.settings import Settings


def build_noise_site(root: Path, pages: int, images_per_page: int, image_px: int,
                     seed: int = 0) -> None:
    """`pages` pages linked from index.html, each showing its own `images_per_page` JPEGs."""
    rng = np.random.default_rng(seed)
    (root / "img").mkdir(parents=True, exist_ok=True)
    links = []
    for p in range(pages):
        tags = []
        for i in range(images_per_page):
            name = f"img/p{p:04d}-{i}.jpg"
            pixels = rng.integers(0, 256, (image_px, image_px, 3), dtype=np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
            (root / name).write_bytes(buffer.getvalue())
            tags.append(f'<img src="/{name}" alt="">')
        (root / f"page-{p:04d}.html").write_text(
            f"<html><body><h1>page {p}</h1>{''.join(tags)}</body></html>", encoding="utf-8")
        links.append(f'<a href="/page-{p:04d}.html">page {p}</a>')
    (root / "index.html").write_text(f"<html><body>{''.join(links)}</body></html>",
                                     encoding="utf-8")
    entries = "".join(f"<url><loc>{{base}}/page-{p:04d}.html</loc>"
                      f"<lastmod>2026-11-01T00:00:00Z</lastmod></url>" for p in range(pages))
    (root / "sitemap.template").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>',
        encoding="utf-8")


def write_sitemap(root: Path, base_url: str) -> None:
    """The sitemap with absolute URLs (the port is known only once the server runs)."""
    template = (root / "sitemap.template").read_text(encoding="utf-8")
    (root / "sitemap.xml").write_text(template.replace("{base}", base_url), encoding="utf-8")


class _SlowHandler(_QuietHandler):
    latency_s = 0.0
    image_requests: list[int]  # one counter, shared by the server's handler threads

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.startswith("/img/"):
            self.image_requests[0] += 1  # a race may lose a count under load; 0 stays 0
        time.sleep(self.latency_s)
        super().do_GET()


def serve_with_latency(root: Path, latency_ms: float) -> tuple[FixtureServer, list[int]]:
    """The server, and a one-item list counting the image requests it has answered."""
    counter = [0]
    handler_class = type("Handler", (_SlowHandler,),
                         {"latency_s": latency_ms / 1000.0, "image_requests": counter})
    server: ThreadingHTTPServer = _FixtureHTTPServer(
        ("127.0.0.1", 0), partial(handler_class, directory=str(root)))
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return FixtureServer(server, thread), counter


SHAPES = {"pages": ("index.html", None), "sitemap": ("sitemap.xml", 1)}


def measure_crawl(work_dir: Path, *, pages: int = 100, images_per_page: int = 24,
                  image_px: int = 256, latency_ms: float = 0.0,
                  concurrency: int = 8) -> dict[str, Any]:
    """Crawl the generated site twice per shape, each into a fresh data folder: from its linked
    index page ("pages": every page is read again) and from its sitemap with `lastmod` ("sitemap":
    unchanged entries are not fetched again). Seconds, pages/s and the re-crawl speed-up, on the
    crawl's own time (`CrawlReport.seconds`, in the crawl child) and on the wall clock (which
    adds about 1.5 s of starting the child: a fresh interpreter importing Scrapy, issue 13)."""
    site_root = work_dir / "crawl-site"
    build_noise_site(site_root, pages, images_per_page, image_px)
    server, image_requests = serve_with_latency(site_root, latency_ms)
    results: dict[str, Any] = {"crawl_latency_ms": latency_ms, "crawl_site_pages": pages,
                               "crawl_site_media": pages * images_per_page}
    try:
        write_sitemap(site_root, server.base_url)
        for shape, (start, depth) in SHAPES.items():
            runs = _crawl_twice(work_dir / f"crawl-{shape}", f"{server.base_url}/{start}",
                                pages, concurrency, depth, image_requests)
            results[shape] = runs
    finally:
        server.stop()
    return results


def _crawl_twice(folder: Path, start_url: str, pages: int, concurrency: int,
                 depth: int | None, image_requests: list[int]) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    site_file = folder / "bench-site.yaml"
    site_file.write_text(
        f"name: bench\nstart_urls: ['{start_url}']\ndelay: 0\nconcurrency: {concurrency}\n"
        f"max_pages: {pages + 1}\n" + (f"max_depth: {depth}\n" if depth else ""),
        encoding="utf-8")
    settings = Settings(data_dir=folder / "data")
    settings.crawl.allow_private = True  # the generated site is on loopback, on purpose
    settings.security.allow_key_in_data_dir = True  # a throwaway folder holding no person
    runs, requested = [], []
    for _ in range(2):
        before = image_requests[0]
        started = time.perf_counter()
        report = crawl_stage(str(site_file), None, settings, None)
        runs.append((time.perf_counter() - started, report))
        requested.append(image_requests[0] - before)
    (first_s, first), (again_s, again) = runs
    return {
        "first_s": round(first.seconds, 3), "recrawl_s": round(again.seconds, 3),
        "first_wall_s": round(first_s, 3), "recrawl_wall_s": round(again_s, 3),
        "first_pages": first.pages, "recrawl_pages": again.pages,
        "first_pages_per_s": round(first.pages / first.seconds, 2),
        "media_new": first.media_new, "recrawl_media_skipped": again.media_skipped_unchanged,
        "recrawl_unchanged_entries": again.unchanged_entries, "recrawl_bytes": again.bytes,
        "first_image_requests": requested[0], "recrawl_image_requests": requested[1],
        "recrawl_speedup": round(first.seconds / again.seconds, 2),
        "recrawl_speedup_wall": round(first_s / again_s, 2),
    }
