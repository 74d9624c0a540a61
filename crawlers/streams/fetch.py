"""Follow one HLS or DASH stream through the crawl's own downloader and join it into one video file.

FFmpeg's HLS and DASH demuxers (which PyAV exposes) would read a playlist and fetch its segments and
keys with FFmpeg's own HTTP client: past the address guard, robots.txt, the site's delay and
concurrency, and every size cap. So the crawler reads playlists itself (`crawlers.streams.hls`,
`crawlers.streams.dash`) and requests the variant playlist, each key and each segment as a
Scrapy request through the engine (`download_async`): every one passes the same downloader
middlewares as a page (the address guard, on each redirect too; robots.txt; retries) and
Twisted's guarded resolver. FFmpeg later sees only the joined bytes, with a demuxer the sampler
picks from magic bytes (MPEG-TS, or fragmented MP4: init segment then media segments).

Segments are fetched one after another, as a player does, so the byte cap is exact: each request
may bring at most the bytes still allowed (`video.max_bytes` in all). A stream that reaches a
cap (bytes, `crawl.max_stream_seconds` of fetching, or the playlist's bounds in
`crawlers.streams.plan`) keeps the segments before it, and the cut is counted in the report. A
segment or key that fails (refused address, HTTP error, bad decryption) ends the stream there:
the segments before it are kept when there are any, and the failure is one error line.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError
from twisted.python.failure import Failure

from crawlers.failures import describe_failure
from crawlers.items import MediaBody, MediaFailed, MediaOutcome
from crawlers.streams import dash, hls
from crawlers.streams.aes import KEY_BYTES, decrypt_segment
from crawlers.streams.plan import StreamError, StreamLimits, StreamPlan

if TYPE_CHECKING:
    from scrapy import Spider

    from crawlers.report import CrawlReport

logger = logging.getLogger(__name__)
_KEY_MAX_BYTES = 1024


class _FetchFailed(Exception):
    """A playlist, key or segment request that brought no usable body."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def playlist_kind(body: bytes) -> str | None:
    """"hls" or "dash" when `body` is such a playlist, else None."""
    if hls.looks_like_hls(body):
        return "hls"
    if dash.looks_like_dash(body):
        return "dash"
    return None


class StreamFollower:
    """Turns a fetched playlist into one `MediaBody` (the joined stream) or one `MediaFailed`."""

    def __init__(self, spider: Spider, limits: StreamLimits, report: CrawlReport) -> None:
        self.spider = spider
        self.limits = limits
        self.report = report

    async def follow(self, body: bytes, response_url: str, url: str, page: str, *,
                     etag: str | None = None, last_modified: str | None = None,
                     ) -> list[MediaOutcome]:
        """The stream whose playlist `body` was fetched from `response_url` (found as `url` on
        `page`), as one item: the media is recorded under `url`, with the playlist's validators."""
        return [await self._follow(body, response_url, url, page, etag, last_modified)]

    async def _follow(self, body: bytes, response_url: str, url: str, page: str,
                      etag: str | None, last_modified: str | None) -> MediaOutcome:
        kind = playlist_kind(body) or "hls"
        self.report.add_source(kind)
        started = time.monotonic()
        try:
            plan = await self._plan(kind, body, response_url, page)
        except StreamError as exc:
            return MediaFailed(url, f"not media ({kind} playlist: {exc})")
        except _FetchFailed as exc:
            return MediaFailed(url, f"{kind} variant playlist {exc}")
        for note in plan.notes:
            logger.warning("%s stream %s: %s", kind, url, note)
        joined, problem = await self._download(plan, started, page)
        self._count_cuts(plan, url)
        if problem is not None and not joined:
            return MediaFailed(url, f"{kind} stream {problem}")
        if problem is not None:
            self.report.add_error(f"{url}: {kind} stream cut short, {problem}")
        return MediaBody(url, page, joined, etag=etag, last_modified=last_modified)

    # ----------------------------------------------------------------------------- plan ---
    async def _plan(self, kind: str, body: bytes, url: str, page: str) -> StreamPlan:
        if kind == "dash":
            return dash.plan(body, url, self.limits)
        playlist = hls.parse(body, url)
        variant = hls.master_choice(playlist, self.limits)
        if variant is None:
            return hls.media_plan(playlist, self.limits)
        media = await self._get(variant.url, page, what="")
        if not hls.looks_like_hls(media):
            raise StreamError(f"variant {variant.url} is not an HLS playlist")
        return hls.media_plan(hls.parse(media, variant.url), self.limits)

    # ------------------------------------------------------------------------- segments ---
    async def _download(self, plan: StreamPlan, started: float,
                        page: str) -> tuple[bytes, str | None]:
        parts: list[bytes] = []
        size = 0
        keys: dict[str, bytes] = {}
        init_loaded: str | None = None
        count = len(plan.segments)
        for index, segment in enumerate(plan.segments):
            left = count - index
            if time.monotonic() - started > self.limits.max_seconds:
                plan.cut["stream_seconds"] = left
                break
            try:
                if segment.init_url is not None and init_loaded is None:  # one per plan
                    init = await self._get(segment.init_url, page, what="initialisation segment",
                                           max_bytes=self.limits.max_bytes - size)
                    parts.append(init)
                    size += len(init)
                    init_loaded = segment.init_url
                data = await self._get(segment.url, page, what="segment",
                                       max_bytes=self.limits.max_bytes - size)
                size += len(data)
                if segment.key is not None:
                    key = keys.get(segment.key.url)
                    if key is None:
                        key = keys[segment.key.url] = await self._get(
                            segment.key.url, page, what="key", max_bytes=_KEY_MAX_BYTES)
                    if len(key) != KEY_BYTES:
                        raise StreamError(f"key {segment.key.url} is {len(key)} bytes, "
                                          f"not {KEY_BYTES}")
                    data = decrypt_segment(data, key, segment.key.iv)
            except _FetchFailed as exc:
                if exc.too_large:
                    plan.cut["stream_bytes"] = left
                    break
                return _joined(parts, init_loaded), f"segment {index + 1}/{count}: {exc}"
            except StreamError as exc:
                return _joined(parts, init_loaded), (f"segment {index + 1}/{count} "
                                                     f"{segment.url}: {exc}")
            parts.append(data)
        return _joined(parts, init_loaded), None

    async def _get(self, url: str, page: str, *, what: str,
                   max_bytes: int | None = None) -> bytes:
        """The body of `url` through the crawl's downloader, with `page` as its referrer (as a
        player's; some CDNs refuse segments without one); `max_bytes` None: the page cap."""
        meta: dict[str, object] = {"allow_offsite": True}
        if max_bytes is not None:
            if max_bytes <= 0:
                raise _FetchFailed(f"{what} {url}: too large", too_large=True)
            meta.update(download_maxsize=max_bytes, download_warnsize=max_bytes)
        request = Request(url, dont_filter=True, meta=meta, headers={"Referer": page})
        engine = self.spider.crawler.engine
        assert engine is not None
        try:
            response = await engine.download_async(request)
        except Exception as exc:
            _, message = describe_failure(Failure(exc))
            too_large = isinstance(exc, DownloadCancelledError)
            raise _FetchFailed(f"{what} {url}: {message}".lstrip(), too_large=too_large) from None
        if response.status not in (200, 203):
            raise _FetchFailed(f"{what} {url}: http {response.status}".lstrip())
        return response.body

    def _count_cuts(self, plan: StreamPlan, url: str) -> None:
        for cap, count in sorted(plan.cut.items()):
            if self.report.add_cut(cap, count):
                logger.warning("crawl: the %s cap cut %s; further cuts are only counted in the "
                               "report", cap, url)


def _joined(parts: list[bytes], init_loaded: str | None) -> bytes:
    """The stream so far; an initialisation segment alone is no video."""
    if init_loaded is not None and len(parts) <= 1:
        return b""
    return b"".join(parts)
