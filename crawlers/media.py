"""Turn downloaded media into stored media, sightings and fetch records — or per-item errors.

Media is identified by the SHA-256 of its bytes, so the same file under many URLs (mirrors,
CDN variants, re-uploads) is stored once and keeps every (URL, page) sighting; the raw bytes go
to `incoming/<sha>` in the blob store only the first time. The type is sniffed from the bytes,
never taken from the server's header or the URL's extension: abusive sites serve JPEGs as
`text/plain`, and HTML error pages as `.jpg`.

Incremental re-crawls: a media URL fetched successfully within `crawl.media_refresh_days` is not
downloaded again (its sighting is just refreshed); after that it is re-checked with a conditional
request, and a 304 again only refreshes the sighting. Permanent failures (not media, too large,
HTTP 4xx) are also left alone until the refresh period ends; transient ones are retried next crawl.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from crawlers.report import CrawlReport
from kernel import chaos
from kernel.errors import JikimiError
from kernel.ports import BlobStore, Store
from kernel.records import FetchRecord, Media, Sighting, incoming_key
from kernel.sniff import sniff

# Error prefixes that mean "fetching again will not help" until the refresh period is over.
PERMANENT_ERRORS = ("not media", "too large", "http 4")

FetchPlan = Literal["fetch", "conditional", "skip"]


@dataclass
class Decision:
    plan: FetchPlan
    record: FetchRecord | None = None


class MediaSink:
    """Stores what the spider downloads, for one site, and keeps the crawl report's media counts.

    Plain blocking calls: during a crawl only the store thread calls it (`crawlers.offload`), from
    the freshness middleware (`decide`) and the item pipeline (the rest)."""

    def __init__(
        self, store: Store, blobs: BlobStore, site: str, report: CrawlReport,
        *, refresh_days: float,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.site = site
        self.report = report
        self.refresh = timedelta(days=refresh_days)

    def decide(self, url: str, now: datetime | None = None) -> Decision:
        """Whether to fetch `url`, fetch it conditionally, or skip it as unchanged."""
        record = self.store.get_fetch(url)
        if record is None:
            return Decision("fetch")
        fresh = (now or datetime.now(UTC)) - record.fetched_at < self.refresh  # stores: aware
        if record.media_id is not None:
            return Decision("skip" if fresh else "conditional", record)
        if fresh and (record.error or "").lower().startswith(PERMANENT_ERRORS):
            return Decision("skip", record)
        return Decision("fetch")

    def decide_many(self, urls: Iterable[str]) -> dict[str, Decision]:
        """`decide` for each of `urls` at one moment (a page's media, in one store-thread call)."""
        now = datetime.now(UTC)
        return {url: self.decide(url, now) for url in dict.fromkeys(urls)}

    def unchanged(self, url: str, record: FetchRecord, pages: Iterable[str], *,
                  refetched: bool) -> str | None:
        """A skipped or 304 media URL: refresh its sightings (and, after a 304, its fetch)."""
        self.report.media_skipped_unchanged += 1
        if record.media_id is None:
            return None
        if refetched:
            self.store.record_fetch(FetchRecord(
                url, record.media_id, etag=record.etag, last_modified=record.last_modified))
        self.add_sightings(record.media_id, url, pages)
        return record.media_id

    def store_body(self, url: str, body: bytes, pages: Iterable[str], *,
                   etag: str | None = None, last_modified: str | None = None) -> str | None:
        """Store downloaded bytes as media if they sniff as an image or video; return its id."""
        kind, content_type = sniff(body)
        if kind == "unknown":
            self.failed(url, f"not media (content sniffed as {content_type}, {len(body)} bytes)")
            return None
        media_id = hashlib.sha256(body).hexdigest()
        self.report.bytes += len(body)
        blob_key = incoming_key(media_id)
        try:
            if self.store.get_media(media_id) is None:
                self.blobs.put(blob_key, body)
                chaos.point("crawl.blob_put")
            is_new = self.store.upsert_media(Media(
                media_id=media_id, kind=kind, content_type=content_type, size=len(body),
                status="new", blob_key=blob_key,
            ))
            chaos.point("crawl.media_stored")
            self.add_sightings(media_id, url, pages)
            chaos.point("crawl.sighting")
            self.store.record_fetch(FetchRecord(url, media_id, etag=etag,
                                                last_modified=last_modified))
            chaos.point("crawl.fetch_recorded")
        except JikimiError as exc:
            self.report.add_error(f"{url}: cannot store media: {exc}")
            return None
        if is_new:
            self.report.media_new += 1
        else:
            self.report.media_known += 1
        return media_id

    def add_sightings(self, media_id: str, url: str, pages: Iterable[str]) -> None:
        for page in dict.fromkeys(pages):
            self.store.add_sighting(Sighting(media_id, url, page, self.site))

    def failed(self, url: str, error: str, *, report: bool = True) -> None:
        """A media URL that produced no media: remember why, and say so in the report."""
        if report:
            self.report.add_error(f"{url}: {error}")
        try:
            self.store.record_fetch(FetchRecord(url, None, error=error))
        except JikimiError as exc:
            self.report.add_error(f"{url}: cannot record fetch error: {exc}")
