"""What the spider hands to the item pipeline: one item per media outcome or repeated sighting.

The spider does no store or blob I/O. Its callbacks turn each media URL's fate into one of the
first three items below, exactly once per URL and crawl, and every later page that shows the same
URL into a :class:`MediaSeen`; `crawlers.pipelines` writes them. They are plain dataclasses, which
Scrapy accepts as items (through `itemadapter`), and carry only what the writes need.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel.records import FetchRecord


@dataclass(frozen=True)
class MediaBody:
    """Bytes downloaded from `url` (a media request, or a link that turned out to be media),
    first found on `page`; the pipeline sniffs, hashes and stores them."""

    url: str
    page: str
    body: bytes = field(repr=False)  # may be large: never in logs
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class MediaUnchanged:
    """A media URL whose last fetch still holds: skipped as fresh (`refetched` False) or answered
    304 to a conditional request (`refetched` True); its sightings and fetch time are refreshed."""

    url: str
    page: str
    record: FetchRecord
    refetched: bool


@dataclass(frozen=True)
class MediaFailed:
    """A media URL that produced no media. `error` is recorded as its fetch error (None: nothing
    to record, e.g. robots.txt forbade it) and, when `report` is set, added to the crawl report."""

    url: str
    error: str | None
    report: bool = True


@dataclass(frozen=True)
class MediaSeen:
    """Another page showing a media URL the spider already requested or handled: one sighting."""

    url: str
    page: str


MediaOutcome = MediaBody | MediaUnchanged | MediaFailed
MediaItem = MediaOutcome | MediaSeen
