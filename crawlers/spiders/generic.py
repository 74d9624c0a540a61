"""The generic spider: crawl one site's pages within its limits and fetch every media it embeds.

Pages are followed only on the site's own hosts, within `max_depth` link hops and `max_pages`
pages in all, so endless link traps (calendars, faceted search) end at those limits. A
`rel=next` pagination link keeps its page's depth (a gallery's pages are one level), bounded by
`max_pages`. Media may live on any host (CDNs), since the address guard checks every request.

Each media URL is requested at most once per crawl, however many pages show it: pages that find it
while it is in flight join its list, so every (URL, page) pair still gets its sighting.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawlers.extract import extract_page, looks_like_video
from crawlers.failures import describe_failure
from crawlers.media import MediaSink
from crawlers.sites import SiteDefinition
from kernel.settings import CrawlSettings
from kernel.sniff import sniff

PAGE_PRIORITY_STEP = 1
MEDIA_PRIORITY = 100  # fetch media as soon as found: its page may be the only place it appears


class GenericSpider(Spider):
    name = "generic"

    def __init__(
        self, site: SiteDefinition, sink: MediaSink, *, max_media_bytes: int,
        max_video_bytes: int | None = None, progress: Callable[[str], None] | None = None,
        progress_every: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=site.name, **kwargs)
        self.site = site
        self.sink = sink
        self.report = sink.report
        self.max_media_bytes = max_media_bytes
        self.max_video_bytes = max(max_video_bytes or max_media_bytes, max_media_bytes)
        self.progress = progress
        self.progress_every = max(1, progress_every)
        self.allowed_domains = list(site.allowed_domains)
        limits = site.resolve(CrawlSettings())  # only fills limits the caller left unset
        self.max_depth: int = limits.max_depth or 0
        self.max_pages: int = limits.max_pages or 1
        self._follow = [re.compile(p) for p in site.follow]
        self._deny = [re.compile(p) for p in site.deny]
        self._scheduled_pages: set[str] = set()
        self._media_pending: dict[str, list[str]] = {}  # media URL -> pages, while in flight
        self._media_done: dict[str, str | None] = {}  # media URL -> media id (None: no media)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GenericSpider:
        spider = cls(*args, **kwargs)
        spider._set_crawler(crawler)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for url in self.site.start_urls:
            request = self._page_request(url, depth=0, start=True)
            if request is not None:
                yield request

    # ------------------------------------------------------------------------------ pages ---
    def parse_page(self, response: Response) -> list[Request] | None:
        depth: int = response.meta.get("page_depth", 0)
        if sniff(response.body[:64])[0] != "unknown":  # a link that was really a media file
            referer = response.meta.get("referer_page") or response.url
            original_url = (response.meta.get("redirect_urls") or [response.url])[0]
            self._media_found(original_url, referer, response=response)
            return None
        self.report.pages += 1
        if self.report.pages % self.progress_every == 0:
            self._say(self.report.summary())
        if not isinstance(response, TextResponse):
            return None
        found = extract_page(response.text, response.url)
        requests = [self._media_found(u, response.url) for u in found.media if not self._denied(u)]
        requests += [self._page_request(u, depth=depth + 1, referer=response.url)
                     for u in found.links]
        if found.next_page:  # declared pagination stays at this depth; a guessed one does not
            next_depth = depth if found.next_by_rel else depth + 1
            requests.append(self._page_request(found.next_page, depth=next_depth,
                                               referer=response.url))
        return [r for r in requests if r is not None]

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
            meta={"page_depth": depth, "referer_page": referer},
        )

    def _may_follow(self, url: str, depth: int) -> bool:
        if depth > self.max_depth or self._denied(url) or not self._on_site(url):
            return False
        return not self._follow or any(p.search(url) for p in self._follow)

    def _on_site(self, url: str) -> bool:
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:
            return False
        return bool(host) and any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def _denied(self, url: str) -> bool:
        return any(p.search(url) for p in self._deny)

    # ------------------------------------------------------------------------------ media ---
    def _media_found(self, url: str, page: str, response: Response | None = None
                     ) -> Request | None:
        self.report.media_found += url not in self._media_done and url not in self._media_pending
        if url in self._media_done:
            media_id = self._media_done[url]
            if media_id is not None:
                self.sink.add_sightings(media_id, url, [page])
            return None
        if url in self._media_pending:
            self._media_pending[url].append(page)
            return None
        if response is not None:  # already downloaded as a page
            self._media_done[url] = self.sink.store_body(url, response.body, [page],
                                                         **_validators(response))
            return None
        decision = self.sink.decide(url)
        if decision.plan == "skip" and decision.record is not None:
            self._media_done[url] = self.sink.unchanged(url, decision.record, [page],
                                                        refetched=False)
            return None
        headers: dict[str, str] = {}
        if decision.plan == "conditional" and decision.record is not None:
            if decision.record.etag:
                headers["If-None-Match"] = decision.record.etag
            if decision.record.last_modified:
                headers["If-Modified-Since"] = decision.record.last_modified
        self._media_pending[url] = [page]
        cap = self.max_video_bytes if looks_like_video(url) else self.max_media_bytes
        return Request(
            url, callback=self.parse_media, errback=self.media_failed, headers=headers,
            priority=MEDIA_PRIORITY, dont_filter=True,
            meta={
                "media_url": url, "fetch_record": decision.record, "allow_offsite": True,
                "download_maxsize": cap,
                "download_warnsize": cap,
                "handle_httpstatus_list": [304],
            },
        )

    def parse_media(self, response: Response) -> None:
        url: str = response.meta["media_url"]
        pages = self._media_pending.pop(url, [])
        record = response.meta.get("fetch_record")
        if response.status == 304 and record is not None:
            self._media_done[url] = self.sink.unchanged(url, record, pages, refetched=True)
        elif response.status == 304:
            self._media_done[url] = None
            self.sink.failed(url, "http 304 without a prior fetch")
        else:
            self._media_done[url] = self.sink.store_body(url, response.body, pages,
                                                         **_validators(response))

    def media_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url: str = request.meta.get("media_url", request.url) if request is not None else "?"
        self._media_pending.pop(url, None)
        self._media_done[url] = None
        kind, message = describe_failure(failure)
        if kind == "robots":
            self.report.robots_denied += 1
            return
        # refusals are already in the report, via the address guard's stats
        self.sink.failed(url, message, report=kind != "refused")

    # ----------------------------------------------------------------------------- report ---
    def _on_spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        self.report.add_error(f"internal error on {response.url}: {failure.getErrorMessage()}")

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
