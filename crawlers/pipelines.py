"""The item pipeline that writes what the spider found: media, sightings and fetch records.

The spider yields items (`crawlers.items`); this pipeline hands each to `MediaSink` — sniffing,
the SHA-256 content hash, the blob write, media and sighting upserts, fetch records, the report's
media counts — in the crawl's store thread (`crawlers.offload`), awaiting it so the reactor keeps
downloading and parsing meanwhile, and so Scrapy does not consider the crawl finished before the
last write is done.

Each media URL gets one outcome item (body, unchanged or failed) per crawl, and one
:class:`MediaSeen` per further page showing it. Scrapy processes items concurrently, so a
`MediaSeen` can reach this pipeline before its URL's outcome: its page then waits and joins the
outcome's sightings, as pages that found the URL while it was in flight always did. One that comes
after is queued behind the outcome in the store thread, which alone keeps the URL's media id.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from crawlers.items import MediaBody, MediaFailed, MediaOutcome, MediaSeen, MediaUnchanged
from crawlers.offload import crawl_media

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawlers.media import MediaSink
    from crawlers.offload import StoreThread

logger = logging.getLogger(__name__)


class MediaStorePipeline:
    sink: MediaSink  # set when the spider opens
    thread: StoreThread

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._settled: set[str] = set()  # URLs whose outcome has arrived (reactor thread)
        self._waiting: dict[str, list[str]] = {}  # URL -> pages seen before its outcome arrived
        self._media_ids: dict[str, str | None] = {}  # URL -> media id (store thread only)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MediaStorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.sink, self.thread = crawl_media(self.crawler)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, MediaSeen):
            if item.url in self._settled:
                await self.thread.run(self._seen_again, item)
            else:
                self._waiting.setdefault(item.url, []).append(item.page)
        elif isinstance(item, (MediaBody, MediaUnchanged, MediaFailed)):
            self._settled.add(item.url)
            pages = self._waiting.pop(item.url, [])
            await self.thread.run(self._settle, item, pages)
        return item

    # --------------------------------------------------------------- in the store thread ---
    def _settle(self, item: MediaOutcome, later_pages: list[str]) -> None:
        media_id: str | None = None
        try:
            media_id = self._write(item, later_pages)
        except Exception as exc:  # a bug or an unexpected backend error: report it, go on
            logger.exception("cannot write %s", item.url)
            self.sink.report.add_error(f"internal error on {item.url}: {exc}")
        self._media_ids[item.url] = media_id

    def _write(self, item: MediaOutcome, later_pages: list[str]) -> str | None:
        if isinstance(item, MediaBody):
            return self.sink.store_body(item.url, item.body, [item.page, *later_pages],
                                        etag=item.etag, last_modified=item.last_modified)
        if isinstance(item, MediaUnchanged):
            return self.sink.unchanged(item.url, item.record, [item.page, *later_pages],
                                       refetched=item.refetched)
        if item.error is not None:
            self.sink.failed(item.url, item.error, report=item.report)
        return None

    def _seen_again(self, item: MediaSeen) -> None:
        media_id = self._media_ids.get(item.url)
        if media_id is None:
            return
        try:
            self.sink.add_sightings(media_id, item.url, [item.page])
        except Exception as exc:
            logger.exception("cannot add a sighting of %s", item.url)
            self.sink.report.add_error(f"internal error on {item.page}: {exc}")
