"""Downloader middleware: decide, from the store, whether a media request goes out at all.

Re-crawls should not download media fetched recently (see `crawlers.media`). The decision reads
the URL's fetch record, which is store I/O, so it is made here rather than in the spider's
callbacks: the spider requests every media URL once, and this middleware, first in the chain,
awaits `MediaSink.decide` in the crawl's store thread, then either

- lets the request go unchanged (fetch),
- adds `If-None-Match` / `If-Modified-Since` from the record (conditional: a 304 comes back), or
- answers it itself, as Scrapy's HttpCacheMiddleware answers from its cache: a body-less 304
  response that never touched the network (skip).

It runs before the address guard, as the decision did before any request was made: a skipped URL
is neither checked nor counted as refused, and nothing it does reaches the network. The decision
and its fetch record ride in the request's meta to the spider's callback; retries and redirects
of the request keep that meta and are not decided again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http import Response

from crawlers.offload import crawl_media

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from kernel.records import FetchRecord

MEDIA_URL = "media_url"  # meta: the media URL as found on the page (before any redirect)
MEDIA_PAGE = "media_page"  # meta: the page a media URL was first found on
FETCH_PLAN = "fetch_plan"  # meta: "fetch", "conditional" or "skip", set here
FETCH_RECORD = "fetch_record"  # meta: the URL's FetchRecord, or None


class MediaFreshnessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MediaFreshnessMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> Response | None:
        url: str | None = request.meta.get(MEDIA_URL)
        if url is None or FETCH_PLAN in request.meta:  # a page, or already decided
            return None
        sink, thread = crawl_media(self.crawler)
        decision = await thread.run(sink.decide, url)
        request.meta[FETCH_PLAN] = decision.plan
        request.meta[FETCH_RECORD] = decision.record
        record = decision.record
        if record is None:
            return None
        if decision.plan == "skip":
            return Response(request.url, status=304, request=request, flags=["unchanged"])
        if decision.plan == "conditional":
            request.headers.update(conditional_headers(record))
        return None


def conditional_headers(record: FetchRecord) -> dict[str, str]:
    """The validators of a URL's last fetch, as conditional request headers."""
    headers = {}
    if record.etag:
        headers["If-None-Match"] = record.etag
    if record.last_modified:
        headers["If-Modified-Since"] = record.last_modified
    return headers
