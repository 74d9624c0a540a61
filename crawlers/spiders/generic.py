"""The generic spider: crawl one site's pages within its limits and fetch every media it embeds.

Pages are followed only on the site's own hosts, within `max_depth` link hops and `max_pages`
pages in all, so endless link traps (calendars, faceted search) end at those limits. A
`rel=next` pagination link keeps its page's depth (a gallery's pages are one level), bounded by
`max_pages`. Media may live on any host (CDNs), since the address guard checks every request.
A site's forum template (`template:`, `crawlers.templates`) adjusts what each page offers: the
engine's thread pagination, full-size attachments instead of thumbnails, no trap links.

Each media URL is requested at most once per crawl, however many pages show it; every further page
that shows it becomes a `MediaSeen` item, so every (URL, page) pair still gets its sighting.
Work is bounded (`crawl.max_srcset_candidates`, `crawl.max_media_per_page`,
`crawl.max_media_per_crawl`): what a cap leaves out is counted in the report and logged once.

The spider does no store or blob I/O: whether a media URL is downloaded again is decided by
`crawlers.freshness` (a downloader middleware) as its request goes out, and what comes back is
yielded as items (`crawlers.items`) that `crawlers.pipelines` writes in the crawl's store thread.
The spider only carries that sink and thread for them (`crawlers.offload.HoldsMedia`).

A media URL that serves an HLS or DASH playlist (by its bytes, whatever its extension) is handed
to `crawlers.streams.fetch`, which fetches its segments through the engine and yields the joined
stream as one media item under the playlist's URL.

A response that is a feed, a sitemap (index) or a robots.txt with `Sitemap:` lines is read by
`crawlers.spiders.syndication` instead of as HTML: its entries become pages and media, crawled
incrementally by their dates.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawlers.extract import ExtractLimits, extract_page, looks_like_video
from crawlers.failures import describe_failure
from crawlers.freshness import FETCH_PLAN, FETCH_RECORD, MEDIA_PAGE, MEDIA_URL
from crawlers.items import MediaBody, MediaFailed, MediaItem, MediaSeen, MediaUnchanged
from crawlers.media import MediaSink
from crawlers.offload import StoreThread
from crawlers.render import RENDERED, render_meta
from crawlers.scope import SiteScope
from crawlers.sites import SiteDefinition
from crawlers.spiders.syndication import Syndication
from crawlers.streams.fetch import StreamFollower, playlist_kind
from crawlers.streams.links import is_stream_url
from crawlers.streams.plan import StreamLimits
from crawlers.templates import read_page, template_for
from kernel.settings import CrawlSettings
from kernel.sniff import sniff

PAGE_PRIORITY_STEP = 1
MEDIA_PRIORITY = 100  # fetch media as soon as found: its page may be the only place it appears
logger = logging.getLogger(__name__)


class GenericSpider(Spider):
    name = "generic"

    def __init__(
        self, site: SiteDefinition, sink: MediaSink, *, store_thread: StoreThread,
        max_media_bytes: int,
        max_video_bytes: int | None = None, progress: Callable[[str], None] | None = None,
        progress_every: int = 10, caps: CrawlSettings | None = None,
        stream_limits: StreamLimits | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(name=site.name, **kwargs)
        self.site = site
        self.sink = sink  # for the middleware and pipeline, which use it in `store_thread`
        self.store_thread = store_thread
        self.report = sink.report
        self.max_media_bytes = max_media_bytes
        self.max_video_bytes = max(max_video_bytes or max_media_bytes, max_media_bytes)
        self.progress = progress
        self.progress_every = max(1, progress_every)
        self.allowed_domains = list(site.allowed_domains)
        limits = site.resolve(CrawlSettings())  # only fills limits the caller left unset
        self.max_depth: int = limits.max_depth or 0
        self.max_pages: int = limits.max_pages or 1
        self.scope = SiteScope(site, self.max_depth)
        self.template = template_for(site.template)
        self._scheduled_pages: set[str] = set()
        self._media_seen: set[str] = set()  # media URLs requested or handled in this crawl
        caps = caps or CrawlSettings()
        self.extract_limits = ExtractLimits(max_srcset_candidates=caps.max_srcset_candidates,
                                            max_media=caps.max_media_per_page)
        self.max_media_per_crawl = caps.max_media_per_crawl
        self._media_requested = 0
        self.streams = StreamFollower(
            self, stream_limits or StreamLimits(max_bytes=self.max_video_bytes), self.report)
        self.syndication = Syndication(self, max_bytes=caps.max_page_bytes,
                                       max_sitemaps=caps.max_sitemaps_per_crawl)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        spider = cls(*args, **kwargs)
        spider._set_crawler(crawler)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider.syndication.write_marks, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        await self.syndication.load_marks()
        for url in self.site.start_urls:
            request = self._page_request(url, depth=0, start=True)
            if request is not None:
                yield request

    # ------------------------------------------------------------------------------ pages ---
    def parse_page(self, response: Response) -> Any:
        depth: int = response.meta.get("page_depth", 0)
        documents = self.syndication.read(response, depth)  # a feed or a sitemap, else None
        if documents is not None:
            return documents
        stream = playlist_kind(response.body) is not None
        if stream or sniff(response.body[:64])[0] != "unknown":  # a link to a media file
            referer = response.meta.get("referer_page") or response.url
            original_url = (response.meta.get("redirect_urls") or [response.url])[0]
            if original_url in self._media_seen:
                return [MediaSeen(original_url, referer)]
            self._media_seen.add(original_url)
            self.report.media_found += 1
            if stream:
                return self.streams.follow(response.body, response.url, original_url, referer,
                                           **_validators(response))
            return [MediaBody(original_url, referer, response.body, **_validators(response))]
        self.report.pages += 1
        if self.report.pages % self.progress_every == 0:
            self._say(self.report.summary())
        source = RENDERED if RENDERED in response.flags else "html"
        if not isinstance(response, TextResponse):
            self.report.add_source(source)
            return []
        if self.template is None:
            found = extract_page(response.text, response.url, self.extract_limits)
        else:  # the forum engine's own markup (crawlers/templates)
            page = read_page(self.template, response.text, response.url, self.extract_limits)
            found, source = page.links, self.template.source if page.thread else source
        self.report.add_source(source)
        self._cut("srcset_candidates", found.srcset_cut, response.url)
        self._cut("media_per_page", found.media_cut, response.url)
        output: list[Request | MediaItem | None] = [
            self._media_found(u, response.url) for u in found.media if not self._denied(u)]
        output += [self._page_request(u, depth=depth + 1, referer=response.url)
                   for u in found.links]
        if found.next_page:  # declared pagination stays at this depth; a guessed one does not
            next_depth = depth if found.next_by_rel else depth + 1
            output.append(self._page_request(found.next_page, depth=next_depth,
                                             referer=response.url))
        return [r for r in output if r is not None]

    def page_failed(self, failure: Failure) -> None:
        kind, message = describe_failure(failure)
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if kind == "robots":
            self.report.robots_denied += 1
        elif kind == "error":
            self.report.add_error(f"page {url}: {message}")

    def _page_request(self, url: str, *, depth: int, referer: str | None = None,
                      start: bool = False) -> Request | None:
        if url in self._scheduled_pages or len(self._scheduled_pages) >= self.max_pages:
            return None
        if not start and not self._may_follow(url, depth):
            return None
        self._scheduled_pages.add(url)
        return Request(
            url, callback=self.parse_page, errback=self.page_failed,
            priority=-depth * PAGE_PRIORITY_STEP,
            meta={"page_depth": depth, "referer_page": referer, **render_meta(self.site)},
        )

    def _may_follow(self, url: str, depth: int) -> bool:
        return self.scope.may_follow(url, depth, self.allowed_domains)

    def _denied(self, url: str) -> bool:
        return self.scope.denied(url)

    # ------------------------------------------------------------------------------ media ---
    def _media_found(self, url: str, page: str) -> Request | MediaSeen | None:
        if url in self._media_seen:
            return MediaSeen(url, page)
        if self._media_requested >= self.max_media_per_crawl:
            self._cut("media_per_crawl", 1, page)
            self.syndication.media_incomplete(page)
            return None
        self._media_seen.add(url)
        self._media_requested += 1
        self.report.media_found += 1
        cap = self.max_video_bytes if looks_like_video(url) else self.max_media_bytes
        meta: dict[str, Any] = {MEDIA_URL: url, MEDIA_PAGE: page, "allow_offsite": True,
                                "handle_httpstatus_list": [304]}
        if not is_stream_url(url):  # a playlist keeps the page cap; its segments the video cap
            meta.update(download_maxsize=cap, download_warnsize=cap)
        return Request(url, callback=self.parse_media, errback=self.media_failed,
                       priority=MEDIA_PRIORITY, dont_filter=True, meta=meta)

    def parse_media(self, response: Response) -> Any:
        if response.status != 304 and playlist_kind(response.body) is not None:
            return self.streams.follow(response.body, response.url, response.meta[MEDIA_URL],
                                       response.meta[MEDIA_PAGE], **_validators(response))
        return self._media_outcome(response)

    def _media_outcome(self, response: Response) -> Iterator[MediaItem]:
        url: str = response.meta[MEDIA_URL]
        page: str = response.meta[MEDIA_PAGE]
        record = response.meta.get(FETCH_RECORD)
        if response.status == 304 and record is not None:
            refetched = response.meta.get(FETCH_PLAN) != "skip"  # skip: answered from the store
            yield MediaUnchanged(url, page, record, refetched=refetched)
        elif response.status == 304:
            yield MediaFailed(url, "http 304 without a prior fetch")
        else:
            yield MediaBody(url, page, response.body, **_validators(response))

    def media_failed(self, failure: Failure) -> Iterator[MediaFailed]:
        request = getattr(failure, "request", None)
        url: str = request.meta.get(MEDIA_URL, request.url) if request is not None else "?"
        kind, message = describe_failure(failure)
        if kind == "robots":
            self.report.robots_denied += 1
            yield MediaFailed(url, None)
            return
        if kind == "error" and request is not None:
            self.syndication.media_incomplete(request.meta.get(MEDIA_PAGE, ""))
        # refusals are already in the report, via the address guard's stats
        yield MediaFailed(url, message, report=kind != "refused")

    # ----------------------------------------------------------------------------- report ---
    def _cut(self, cap: str, count: int, page: str) -> None:
        if self.report.add_cut(cap, count):
            logger.warning("crawl %s: crawl.max_%s reached on %s; further cuts are only "
                           "counted in the report", self.site.name, cap, page)

    def _on_spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        self.report.add_error(f"internal error on {response.url}: {failure.getErrorMessage()}")
        self.syndication.page_errored(response.url)

    def _say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(line)


def _validators(response: Response) -> dict[str, str | None]:
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    return {
        "etag": etag.decode("latin-1") if etag else None,
        "last_modified": modified.decode("latin-1") if modified else None,
    }
