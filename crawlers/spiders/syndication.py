"""Feeds and sitemaps as start points of the generic spider, crawled incrementally.

Every response the generic spider reads as a page comes here first. One that is a feed (RSS,
RSS 1.0/RDF, Atom) or a sitemap (`<urlset>`, `<sitemapindex>`, gzipped or not) by its content
(`crawlers.documents`) is read as one (`crawlers.feeds`, `crawlers.sitemaps`) instead of as
HTML; a robots.txt given as a start URL gives its `Sitemap:` lines. Anything else goes on to the
HTML extractor. On a `render: browser` site a page that the browser showed as an XML document,
or a feed or sitemap it read as HTML, is fetched once more as a plain request (child sitemaps
always are).

- A sitemap index's child sitemaps (and robots.txt's) keep the index's depth, are read on the
  site's own hosts only (`allowed_domains`, never `deny`ed; `follow` selects pages, not
  sitemaps), nested at most `MAX_SITEMAP_NESTING` indexes deep, and at most
  `crawl.max_sitemaps_per_crawl` in one crawl (not counted in `max_pages`, or a big index would
  use every page of the crawl on sitemaps).
- An entry (a sitemap `<url>`, a feed item) is a page one hop below its document (depth + 1),
  followed by the site's usual rules (on-site, `follow`, `deny`, `max_depth`, `max_pages`); its
  media (image and video sitemap URLs, enclosures, Media RSS, images in the entry's HTML) are
  media of that page, requested like a page's. An entry whose page may not be followed is left
  out whole; a feed entry without a link gives its media to the feed itself.
- An entry whose date has not moved since the last crawl is not fetched at all, nor are its
  media (`crawlers.entry_marks`); they are counted in the report as `unchanged_entries`.
  Feed and sitemap documents themselves are read every crawl: they are what says what changed.

Each document read counts as a page in the report and as a `feed` or `sitemap` source; an
unreadable one (broken XML, a gzip bomb) is one error line, and the crawl goes on with what could
be recovered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response

from crawlers.documents import read_document, rendered_document
from crawlers.entry_marks import EntryKind, EntryMarks, mark_key, read_marks
from crawlers.extract import ExtractLimits
from crawlers.feeds import FeedEntry, parse_feed
from crawlers.items import MediaItem
from crawlers.media import MediaSink
from crawlers.offload import StoreThread
from crawlers.render import RENDERED
from crawlers.report import CrawlReport
from crawlers.scope import on_site
from crawlers.sitemaps import SitemapDocument, parse_sitemap, sitemaps_in_robots
from crawlers.sites import SiteDefinition
from kernel.errors import JikimiError

ENTRY_MARK = "entry_mark"  # meta: the mark key of the feed or sitemap entry a page is for
SITEMAP_NESTING = "sitemap_nesting"  # meta: how many sitemap indexes led to this sitemap
MAX_SITEMAP_NESTING = 3
Output = list[Request | MediaItem]


class SpiderHost(Protocol):
    """What the generic spider lends this module: its limits, report and request builders."""

    site: SiteDefinition
    report: CrawlReport
    allowed_domains: list[str]
    extract_limits: ExtractLimits
    sink: MediaSink
    store_thread: StoreThread
    _scheduled_pages: set[str]

    def parse_page(self, response: Response) -> Any: ...
    def page_failed(self, failure: Any) -> None: ...
    def _page_request(self, url: str, *, depth: int, referer: str | None = None,
                      start: bool = False) -> Request | None: ...
    def _may_follow(self, url: str, depth: int) -> bool: ...
    def _denied(self, url: str) -> bool: ...
    def _media_found(self, url: str, page: str) -> Request | MediaItem | None: ...
    def _cut(self, cap: str, count: int, page: str) -> None: ...


class Syndication:
    def __init__(self, spider: SpiderHost, *, max_bytes: int, max_sitemaps: int) -> None:
        self.spider = spider
        self.report = spider.report
        self.max_bytes = max_bytes  # a document's cap, gzipped ones once unpacked
        self.max_sitemaps = max_sitemaps
        self.marks = EntryMarks()
        self._sitemaps: set[str] = set()

    # ------------------------------------------------------------------- crawl start, end ---
    async def load_marks(self) -> None:
        """Read the site's entry marks once, before the first request."""
        try:
            marks = await self.spider.store_thread.run(
                read_marks, self.spider.sink.store, self.spider.site.name)
        except JikimiError as exc:
            self.report.add_error(f"cannot read feed and sitemap marks (every entry is "
                                  f"crawled): {exc}")
            return
        self.marks.load(marks)

    async def write_marks(self, reason: str) -> None:
        """On spider close: the marks of entries this crawl read in full, if it finished."""
        marks = self.marks.finished() if reason == "finished" else {}
        if not marks:
            return
        try:
            await self.spider.store_thread.run(
                self.spider.sink.store.set_crawl_marks, self.spider.site.name, marks)
        except JikimiError as exc:
            self.report.add_error(f"cannot record feed and sitemap marks: {exc}")

    # ----------------------------------------------------------------------- responses ---
    def read(self, response: Response, depth: int) -> Output | None:
        """The requests a feed, sitemap or robots.txt response gives; None for anything else."""
        key = response.meta.get(ENTRY_MARK)
        if key is not None:  # the page of an entry: its mark may be written at the end
            original = (response.meta.get("redirect_urls") or [response.url])[0]
            self.marks.reached(key, original, response.url)
        if depth == 0 and urlsplit(response.url).path == "/robots.txt":  # a start URL
            return self._robots(response, depth)
        if RENDERED in response.flags:  # a `render: browser` site: a DOM, not the document
            content_type = response.headers.get("Content-Type") or b""
            shown = rendered_document(content_type, response.body)
            return [self._plain(response, depth)] if shown else None
        document = read_document(response.body, self.max_bytes)
        if document is None:
            return None
        self.report.pages += 1
        self.report.add_source(document.kind)
        if document.error is not None:
            self.report.add_error(f"{document.kind} {response.url}: {document.error}")
            return []
        if document.kind == "feed":
            return self._feed(response, document.body, depth)
        return self._sitemap(response, parse_sitemap(document.body, response.url), depth)

    def page_errored(self, url: str) -> None:
        """The page's callback raised: keep its entry's old mark."""
        self.marks.incomplete(url)

    def media_incomplete(self, page: str) -> None:
        """A media request of `page` failed or was cut: keep its entry's old mark."""
        self.marks.incomplete(page)

    # ------------------------------------------------------------------------ internals ---
    def _robots(self, response: Response, depth: int) -> Output | None:
        urls = sitemaps_in_robots(response.body, response.url)
        if not urls:
            return None
        self.report.pages += 1
        self.report.add_source("robots")
        found = (self._child_sitemap(u, depth, 0, response.url) for u in urls)
        return [r for r in found if r is not None]

    def _plain(self, response: Response, depth: int) -> Request:
        """The same URL again as a plain request: the browser showed a feed or sitemap as a
        page (its XML viewer, or HTML wrapped around the tags), and the XML is what counts."""
        keep = (ENTRY_MARK, SITEMAP_NESTING, "referer_page")
        meta = {k: response.meta[k] for k in keep if k in response.meta}
        return Request(response.url, callback=self.spider.parse_page,
                       errback=self.spider.page_failed, priority=-depth, dont_filter=True,
                       meta={**meta, "page_depth": depth})

    def _feed(self, response: Response, body: bytes, depth: int) -> Output:
        content_type = response.headers.get("Content-Type")
        feed = parse_feed(body, response.url,
                          content_type.decode("latin-1") if content_type else None)
        if feed.error is not None:
            self.report.add_error(f"feed {response.url}: {feed.error}")
        output: Output = []
        for entry in feed.entries:
            media = partial(self._feed_media, entry)
            output += self._entry("feed", entry.link, entry.updated, media, (), response.url,
                                  depth)
        return output

    def _feed_media(self, entry: FeedEntry) -> tuple[str, ...]:
        media = entry.media(self.spider.extract_limits)
        self.spider._cut("srcset_candidates", media.srcset_cut, entry.link or entry.feed_url)
        self.spider._cut("media_per_page", media.media_cut, entry.link or entry.feed_url)
        return media.urls

    def _sitemap(self, response: Response, sitemap: SitemapDocument, depth: int) -> Output:
        if sitemap.error is not None:
            self.report.add_error(f"sitemap {response.url}: {sitemap.error}")
        output: Output = []
        if sitemap.kind == "sitemapindex":
            nesting = int(response.meta.get(SITEMAP_NESTING, 0)) + 1
            if nesting > MAX_SITEMAP_NESTING:
                self.report.add_error(f"sitemap {response.url}: sitemap indexes nested more than "
                                      f"{MAX_SITEMAP_NESTING} deep; not followed")
                return []
            for child in sitemap.entries:
                request = self._child_sitemap(child.url, depth, nesting, response.url)
                if request is not None:
                    output.append(request)
            return output
        for entry in sitemap.entries:
            media = partial(_already_read, entry.media)
            output += self._entry("sitemap", entry.url, entry.lastmod, media, entry.pages,
                                  response.url, depth)
        return output

    def _entry(self, kind: EntryKind, page: str | None, when: datetime | None,
               media: Callable[[], tuple[str, ...]], more_pages: tuple[str, ...], document: str,
               depth: int) -> Output:
        """One entry's page and media requests; `media` is only called for an entry taken."""
        spider = self.spider
        if page is None:  # no page of its own: its media were published by the document
            return self._media(media(), document)
        if not spider._may_follow(page, depth + 1):
            return []
        key = mark_key(kind, page)
        if self.marks.unchanged(key, when):
            self.report.unchanged_entries += 1
            return []
        output: Output = []
        request = spider._page_request(page, depth=depth + 1, referer=document)
        if request is not None:
            request.meta[ENTRY_MARK] = key
            self.marks.expect(key, when, page)
            output.append(request)
        elif page not in spider._scheduled_pages:  # max_pages reached: the entry is left out
            return []
        for other in more_pages:
            other_request = spider._page_request(other, depth=depth + 1, referer=page)
            if other_request is not None:
                output.append(other_request)
        return output + self._media(media(), page)

    def _media(self, urls: tuple[str, ...], page: str) -> Output:
        found = (self.spider._media_found(u, page) for u in urls if not self.spider._denied(u))
        return [r for r in found if r is not None]

    def _child_sitemap(self, url: str, depth: int, nesting: int, parent: str) -> Request | None:
        spider = self.spider
        if url in self._sitemaps or not on_site(url, spider.allowed_domains):
            return None
        if spider._denied(url):
            return None
        if len(self._sitemaps) >= self.max_sitemaps:
            spider._cut("sitemaps_per_crawl", 1, parent)
            return None
        self._sitemaps.add(url)
        return Request(url, callback=spider.parse_page, errback=spider.page_failed,
                       priority=-depth,
                       meta={"page_depth": depth, "referer_page": parent,
                             SITEMAP_NESTING: nesting})


def _already_read(media: tuple[str, ...]) -> tuple[str, ...]:
    return media
