"""Incremental crawling of feed and sitemap entries: skip an entry whose date has not moved.

A sitemap `<url>` has a `<lastmod>`, a feed entry an `updated` (or `published`) date. The crawl
reads the site's marks once when it starts (`CrawlMarkStore`, keys `sitemap:<page URL>` and
`feed:<page URL>`, values the date last crawled, ISO 8601 in UTC), and an entry whose date is not
newer than its mark is not fetched again. Entries without a date, or with one that does not
parse, have no mark: they are crawled every time (bounded by `max_pages`).

A mark is only ever written for an entry whose page this crawl actually read, whose media all
came back (a media request that failed with an error, or that a cap left out, keeps the old
mark, so the next crawl tries again), and only when the crawl finished: a crawl that was stopped
or killed writes no mark at all, so nothing it did not finish is skipped next time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Literal

from kernel.ports import Store

EntryKind = Literal["sitemap", "feed"]
MARK_PREFIXES = ("sitemap:", "feed:")


def parse_date(text: str | None) -> datetime | None:
    """A W3C datetime (`2024-05-06`, `2024-05-06T10:00:00+09:00`, `…Z`) as an aware UTC
    datetime; a date alone is midnight UTC, a time without a zone is taken as UTC."""
    if not text:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def read_marks(store: Store, site: str) -> dict[str, str]:
    """The site's feed and sitemap marks (not other kinds', e.g. Telegram's)."""
    marks: dict[str, str] = {}
    for prefix in MARK_PREFIXES:
        marks.update(store.crawl_marks(site, prefix))
    return marks


def mark_key(kind: EntryKind, page_url: str) -> str:
    return f"{kind}:{page_url}"


def mark_value(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


class EntryMarks:
    """The marks a crawl started with, and the ones it may write when it finishes.

    Used from the spider's thread only (the reactor): entries are checked and expected as their
    document is parsed, reached when their page's callback runs, and made incomplete when one
    of their media fails."""

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self.known: dict[str, str] = dict(known or {})
        self._expected: dict[str, str] = {}  # key -> date to write once the page is read
        self._pages: dict[str, set[str]] = {}  # key -> URLs its page and media were seen under
        self._reached: set[str] = set()
        self._incomplete_pages: set[str] = set()

    def load(self, marks: Mapping[str, str]) -> None:
        self.known.update(marks)

    def unchanged(self, key: str, when: datetime | None) -> bool:
        """Whether the entry's date is known and not newer than its mark."""
        if when is None:
            return False
        seen = parse_date(self.known.get(key))
        return seen is not None and when <= seen

    def expect(self, key: str, when: datetime | None, page_url: str) -> None:
        """The entry's page was scheduled; write its mark once it has been read."""
        if when is None:
            return
        self._expected[key] = mark_value(when)
        self._pages.setdefault(key, set()).add(page_url)

    def reached(self, key: str, *page_urls: str) -> None:
        """The entry's page was read (under these URLs: the requested one and, after a
        redirect, the final one, which its media name as their page)."""
        self._reached.add(key)
        self._pages.setdefault(key, set()).update(page_urls)

    def incomplete(self, page_url: str) -> None:
        """A media request of this page failed or was left out: keep the page's old mark."""
        self._incomplete_pages.add(page_url)

    def finished(self) -> dict[str, str]:
        """The marks to write: entries whose page was read and whose media all came back."""
        return {
            key: when for key, when in self._expected.items()
            if key in self._reached and not (self._pages.get(key, set())
                                             & self._incomplete_pages)
        }
