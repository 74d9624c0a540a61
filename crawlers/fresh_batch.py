"""Spider middleware: decide a page's media URLs in one store call, and never request the fresh.

A re-crawl of an unchanged gallery used to send every media URL through Scrapy as a request that
`crawlers.freshness` then answered itself with a body-less 304: no network, but the whole request
cycle (scheduler, downloader middlewares, a response, a callback, an item) per image, and one
store round trip each — about 3.5 ms per image, most of a re-crawl (issue 15). Here the media
requests a callback yields are decided together, in one call in the crawl's store thread; the
ones the store says to skip become `MediaUnchanged` items at once (their sightings are refreshed
as before), and the others go on with their decision in `meta`, so the downloader middleware
only adds the conditional headers. Requests it never saw (start URLs, stream segments) are still
decided there, one by one, as before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy import Request

from crawlers.freshness import (
    FETCH_PLAN,
    FETCH_RECORD,
    MEDIA_PAGE,
    MEDIA_URL,
    conditional_headers,
)
from crawlers.items import MediaUnchanged
from crawlers.offload import crawl_media

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

class FreshMediaBatchMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FreshMediaBatchMiddleware:
        return cls(crawler)

    async def process_spider_output(
        self, response: Any, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        held: list[Any] = []
        async for output in result:
            held.append(output)
        undecided = [o for o in held if _undecided_media(o)]
        if not undecided:
            for output in held:
                yield output
            return
        sink, thread = crawl_media(self.crawler)
        decisions = await thread.run(sink.decide_many, [o.meta[MEDIA_URL] for o in undecided])
        for output in held:
            if not _undecided_media(output):
                yield output
                continue
            decision = decisions[output.meta[MEDIA_URL]]
            if decision.plan == "skip" and decision.record is not None:
                yield MediaUnchanged(output.meta[MEDIA_URL], output.meta[MEDIA_PAGE],
                                     decision.record, refetched=False)
                continue
            output.meta[FETCH_PLAN] = decision.plan
            output.meta[FETCH_RECORD] = decision.record
            if decision.plan == "conditional" and decision.record is not None:
                output.headers.update(conditional_headers(decision.record))
            yield output


def _undecided_media(output: Any) -> bool:
    return (isinstance(output, Request) and MEDIA_URL in output.meta
            and MEDIA_PAGE in output.meta and FETCH_PLAN not in output.meta)
