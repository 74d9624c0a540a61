"""Entry marks against a real store: read once at crawl start (feed and sitemap marks only),
written at the end of a finished crawl only, never after a stopped one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from crawlers.extract import ExtractLimits
from crawlers.report import CrawlReport
from crawlers.sites import SiteDefinition
from crawlers.spiders.syndication import Syndication
from jikimi import registry
from kernel.ports import Store
from tests.crawl_site import crawl_settings

T = TypeVar("T")


class InlineStoreThread:
    """The store thread's `run`, done at once in the caller's thread (no reactor needed)."""

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return fn(*args, **kwargs)


class StoreSink:
    def __init__(self, store: Store) -> None:
        self.store = store


class Host:
    """The few things of the generic spider that loading and writing marks use."""

    def __init__(self, store: Store) -> None:
        self.site = SiteDefinition(name="marked", start_urls=["https://example.org/feed"])
        self.report = CrawlReport(site="marked")
        self.allowed_domains = ["example.org"]
        self.extract_limits = ExtractLimits()
        self.sink = StoreSink(store)
        self.store_thread = InlineStoreThread()
        self._scheduled_pages: set[str] = set()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = registry.open_store(crawl_settings(str(tmp_path)))
    yield opened
    opened.close()


def syndication(store: Store) -> Syndication:
    return Syndication(Host(store), max_bytes=1 << 20, max_sitemaps=10)  # type: ignore[arg-type]


def test_only_feed_and_sitemap_marks_are_loaded(store: Store) -> None:
    store.set_crawl_marks("marked", {"sitemap:https://example.org/a": "2024-05-06T10:00:00+00:00",
                                     "feed:https://example.org/b": "2024-05-06T10:00:00+00:00",
                                     "telegram:channel": "1234"})
    store.set_crawl_marks("other", {"sitemap:https://example.org/c": "2024-05-06T10:00:00+00:00"})
    reader = syndication(store)
    asyncio.run(reader.load_marks())
    assert set(reader.marks.known) == {"sitemap:https://example.org/a",
                                       "feed:https://example.org/b"}


@pytest.mark.parametrize(("reason", "written"), [("finished", True), ("shutdown", False),
                                                 ("closespider_timeout", False)])
def test_marks_are_written_only_when_the_crawl_finished(store: Store, reason: str,
                                                        written: bool) -> None:
    writer = syndication(store)
    when = datetime(2024, 6, 1, tzinfo=UTC)
    writer.marks.expect("feed:https://example.org/p", when, "https://example.org/p")
    writer.marks.reached("feed:https://example.org/p", "https://example.org/p")
    asyncio.run(writer.write_marks(reason))
    expected = {"feed:https://example.org/p": "2024-06-01T00:00:00+00:00"} if written else {}
    assert store.crawl_marks("marked") == expected
