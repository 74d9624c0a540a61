"""Read a sitemap (`<urlset>`) or a sitemap index (`<sitemapindex>`) into entries to crawl.

Scrapy's own parser (`scrapy.utils.sitemap.Sitemap`) does the XML: lxml's iterparse with
entities left unresolved (no XXE, no billion laughs), no DTD or network access, comments and
processing instructions dropped, each `<url>` freed once read (a 50,000-entry sitemap stays
small), and recovery from broken markup. It flattens each `<url>` to its direct children's
text, which loses the extensions' nested elements, so a subclass reads those first: the image
extension's `<image:loc>` (media of that page) and the video extension's `<video:content_loc>`
and `<video:thumbnail_loc>` (media) and `<video:player_loc>` (a page).

Broken XML yields what lxml could recover plus one error line (the first parser error); a
document that is not XML at all yields the error alone. `sitemaps_in_robots` reads a robots.txt's
`Sitemap:` lines (Scrapy's `sitemap_urls_from_robots`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import lxml.etree
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawlers.entry_marks import parse_date
from crawlers.extract import absolute_url

_IMAGE = "{http://www.google.com/schemas/sitemap-image/1.1}"
_VIDEO = "{http://www.google.com/schemas/sitemap-video/1.1}"
_MEDIA_TAGS = (f"{_IMAGE}loc", f"{_VIDEO}content_loc", f"{_VIDEO}thumbnail_loc")
_PAGE_TAGS = (f"{_VIDEO}player_loc",)


@dataclass(frozen=True)
class SitemapEntry:
    """A page (in a urlset) or a child sitemap (in an index), with its `<lastmod>`."""

    url: str
    lastmod: datetime | None = None
    media: tuple[str, ...] = ()  # image and video extension URLs shown on the page
    pages: tuple[str, ...] = ()  # video player pages


@dataclass
class SitemapDocument:
    kind: Literal["urlset", "sitemapindex", "unknown"]
    entries: list[SitemapEntry] = field(default_factory=list)
    error: str | None = None


class _SitemapWithExtensions(Sitemap):
    """Scrapy's parser, also keeping the image and video extensions' nested URLs."""

    __slots__ = ()

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        media = [(e.text or "").strip() for e in elem.iter(*_MEDIA_TAGS)]
        pages = [(e.text or "").strip() for e in elem.iter(*_PAGE_TAGS)]
        entry = super()._process_sitemap_element(elem)  # clears the element
        if entry is not None:
            entry["jikimi_media"] = media
            entry["jikimi_pages"] = pages
        return entry


def parse_sitemap(body: bytes, base_url: str) -> SitemapDocument:
    """The entries of a sitemap or sitemap index; relative URLs resolve against `base_url`."""
    try:
        sitemap = _SitemapWithExtensions(body)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        return SitemapDocument("unknown", error=f"not XML ({exc or 'empty'})")
    kind = sitemap.type if sitemap.type in ("urlset", "sitemapindex") else "unknown"
    document = SitemapDocument(kind)  # type: ignore[arg-type]
    try:
        for raw in sitemap:
            entry = _entry(raw, base_url)
            if entry is not None:
                document.entries.append(entry)
    except lxml.etree.XMLSyntaxError as exc:
        document.error = f"malformed XML: {exc}"
    errors = sitemap.xmliter.error_log  # what recovery swallowed
    if document.error is None and len(errors):
        first = errors[0]
        document.error = f"malformed XML at line {first.line}: {first.message}"
    if kind == "unknown" and document.error is None:
        document.error = f"not a sitemap (root element <{sitemap.type}>)"
    return document


def sitemaps_in_robots(body: bytes, robots_url: str) -> list[str]:
    """The sitemap URLs a robots.txt names (`Sitemap:` lines), resolved against it."""
    found = (absolute_url(robots_url, url) for url in sitemap_urls_from_robots(body, robots_url))
    return list(dict.fromkeys(u for u in found if u is not None))


def _entry(raw: dict[str, Any], base_url: str) -> SitemapEntry | None:
    url = absolute_url(base_url, str(raw.get("loc") or ""))
    if url is None:
        return None
    media = (absolute_url(url, u) for u in raw.get("jikimi_media", ()))
    pages = (absolute_url(url, u) for u in raw.get("jikimi_pages", ()))
    return SitemapEntry(
        url, parse_date(raw.get("lastmod")),
        media=tuple(dict.fromkeys(u for u in media if u is not None)),
        pages=tuple(dict.fromkeys(u for u in pages if u is not None)),
    )
