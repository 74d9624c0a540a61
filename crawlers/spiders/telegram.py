"""The Telegram spider: public channels through their web preview, back to the last post seen.

A site of `kind: telegram` names public channels; each is read at `<base_url>/s/<channel>` and
walked backwards with `?before=<id>` (`crawlers.telegram_walk` says when a walk ends and what
mark it leaves). Posts and their media come from `crawlers.telegram_preview`.

Everything after a media URL is found is the generic spider's: one request per URL and crawl
(`MediaSeen` for every further post showing it), the freshness check, the address guard, the
crawl's media cap, the size caps (a post's video gets the video cap whatever its URL says), and
the same items for the pipeline. Only the page differs: each media item's page is its post's
own URL (`<base_url>/<channel>/<id>`), not the listing it was read on, so a hit, its review,
its alert and a takedown letter all point at the post.

Posts at or below the channel's mark are not looked at again: their media was handled by a
crawl that finished. The post's time (`time[datetime]`) has no field in the store's records; it
is read, and the progress line at the end of each walk says how far back in time it went.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawlers.failures import describe_failure
from crawlers.items import MediaFailed, MediaItem
from crawlers.media import PERMANENT_ERRORS, MediaSink
from crawlers.sites import SiteDefinition
from crawlers.spiders.generic import GenericSpider
from crawlers.telegram_preview import TelegramPost, parse_preview, preview_url
from crawlers.telegram_walk import MARK_PREFIX, ChannelWalk, mark_key, read_mark
from kernel.errors import JikimiError

CHANNEL = "telegram_channel"  # meta: the walk a page or media request belongs to
POST = "telegram_post"  # meta: the post id a media request was made for


class TelegramSpider(GenericSpider):
    name = "telegram"

    def __init__(self, site: SiteDefinition, sink: MediaSink, **kwargs: Any) -> None:
        super().__init__(site, sink, **kwargs)
        self.base_url = site.base_url.rstrip("/")
        host = (urlsplit(self.base_url).hostname or "").lower()
        self.allowed_domains = sorted({host, *self.allowed_domains} - {""})
        self.walks = {walk.key: walk for walk in (ChannelWalk(c) for c in site.channels)}

    async def start(self) -> AsyncIterator[Request]:
        try:
            marks = await self.store_thread.run(self.sink.store.crawl_marks, self.site.name,
                                                MARK_PREFIX)
        except JikimiError as exc:
            self.report.add_error(f"telegram: cannot read the last posts seen ({exc}); every "
                                  "channel is walked to max_pages")
            marks = {}
        for walk in self.walks.values():
            walk.mark = read_mark(marks, walk.channel)
            yield self._preview_request(walk, None)

    def _preview_request(self, walk: ChannelWalk, before: int | None) -> Request:
        walk.pages += 1
        return Request(preview_url(self.base_url, walk.channel, before),
                       callback=self.parse_page, errback=self.page_failed,
                       meta={CHANNEL: walk.key, "page_depth": 0})

    # ------------------------------------------------------------------------------ pages ---
    def parse_page(self, response: Response) -> list[Request | MediaItem]:
        walk = self.walks[response.meta[CHANNEL]]
        if not isinstance(response, TextResponse):
            walk.broken = f"{response.url}: not an HTML preview page"
            self.report.add_error(walk.broken)
            return []
        self.report.pages += 1
        page = parse_preview(response.text, response.url)
        for problem in page.problems:
            self.report.add_error(f"{response.url}: {problem}")
        posts = []
        for post in page.posts:
            if post.channel.lower() == walk.key:
                posts.append(post)
            else:
                self.report.add_error(f"{response.url}: post {post.channel}/{post.post_id} is "
                                      f"not of channel {walk.channel}; skipped")
        self.report.add_source("telegram", len(posts))
        if self.report.pages % self.progress_every == 0:
            self._say(self.report.summary())
        if not posts and walk.pages == 1:
            self.report.add_error(f"telegram {walk.channel}: {response.url} shows no posts (not "
                                  "a public channel, or its preview is turned off)")
        output: list[Request | MediaItem] = self._media_requests(walk, walk.read(posts))
        before = walk.next_before(posts, page.before, self.max_pages)
        if before is not None:
            output.append(self._preview_request(walk, before))
        else:
            self._say(walk.summary())
            if (gap := walk.gap()) is not None:
                self.report.add_error(gap)
        return output

    def page_failed(self, failure: Failure) -> None:
        super().page_failed(failure)
        request: Request | None = getattr(failure, "request", None)
        if request is not None and (walk := self.walks.get(request.meta.get(CHANNEL, ""))):
            walk.broken = f"page {request.url} failed: {describe_failure(failure)[1]}"
            self._say(walk.summary())

    def _media_requests(self, walk: ChannelWalk, posts: list[TelegramPost]
                        ) -> list[Request | MediaItem]:
        output: list[Request | MediaItem] = []
        budget = self.extract_limits.max_media
        for post in posts:
            page = post.url(self.base_url)
            if self._denied(page):  # an operator may exclude single posts with `deny`
                continue
            for media in post.media:
                if self._denied(media.url):
                    continue
                if budget is not None and budget <= 0:
                    self._cut("media_per_page", 1, page)
                    continue
                budget = None if budget is None else budget - 1
                found = self._media_found(media.url, page)
                if found is None:  # the crawl's media cap: the next crawl comes back for it
                    walk.held.add(post.post_id)
                    continue
                if isinstance(found, Request):
                    found.meta[CHANNEL], found.meta[POST] = walk.key, post.post_id
                    if media.is_video:
                        found.meta["download_maxsize"] = self.max_video_bytes
                        found.meta["download_warnsize"] = self.max_video_bytes
                output.append(found)
        return output

    # ------------------------------------------------------------------------------ media ---
    def media_failed(self, failure: Failure) -> Iterator[MediaFailed]:
        request: Request | None = getattr(failure, "request", None)
        kind, message = describe_failure(failure)
        walk = self.walks.get(request.meta.get(CHANNEL, "")) if request is not None else None
        if request is not None and walk is not None and kind == "error" \
                and not message.lower().startswith(PERMANENT_ERRORS):
            walk.held.add(request.meta[POST])  # transient: the next crawl comes back for it
        yield from super().media_failed(failure)

    # ------------------------------------------------------------------------------ marks ---
    def closed(self, reason: str) -> Deferred[None] | None:
        """Write each walk's new mark, only if the crawl finished (not shut down or killed)."""
        if reason != "finished":
            return None
        marks = {mark_key(walk.channel): str(mark) for walk in self.walks.values()
                 if (mark := walk.next_mark()) is not None}
        return deferred_from_coro(self._save_marks(marks)) if marks else None

    async def _save_marks(self, marks: dict[str, str]) -> None:
        try:
            await self.store_thread.run(self.sink.store.set_crawl_marks, self.site.name, marks)
        except JikimiError as exc:
            self.report.add_error(f"telegram: cannot store the last posts seen: {exc}")

