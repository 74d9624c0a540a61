"""The item pipeline and the freshness middleware, driven directly (no crawl, no reactor).

The store thread is replaced by an inline runner, so each coroutine runs to its end in
`asyncio.run`; the real thread is checked on its own (order, thread, errors).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response

from crawlers.freshness import FETCH_PLAN, FETCH_RECORD, MEDIA_URL, MediaFreshnessMiddleware
from crawlers.items import MediaBody, MediaFailed, MediaSeen, MediaUnchanged
from crawlers.media import MediaSink
from crawlers.offload import StoreThread
from crawlers.pipelines import MediaStorePipeline
from crawlers.report import CrawlReport
from jikimi import registry
from kernel.ports import Store
from kernel.records import FetchRecord
from tests.crawl_site import crawl_settings, image_bytes

URL = "https://cdn.example/a.jpg"


class InlineThread:
    async def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MediaSink]:
    settings = crawl_settings(str(tmp_path))
    store = registry.open_store(settings)
    try:
        yield MediaSink(store, registry.open_blobs(settings), "site", CrawlReport(site="site"),
                        refresh_days=30)
    finally:
        store.close()


def crawler_for(sink: MediaSink) -> Any:
    return SimpleNamespace(spider=SimpleNamespace(sink=sink, store_thread=InlineThread()))


def pipeline_for(sink: MediaSink) -> MediaStorePipeline:
    pipeline = MediaStorePipeline.from_crawler(crawler_for(sink))
    pipeline.open_spider()
    return pipeline


def feed(pipeline: MediaStorePipeline, *items: object) -> None:
    async def run() -> None:
        for item in items:
            assert await pipeline.process_item(item) is item

    asyncio.run(run())


def pages_of(store: Store, media_id: str) -> set[str]:
    return {s.page_url for s in store.sightings(media_id)}


def test_pages_seen_before_and_after_the_outcome_all_get_sightings(sink: MediaSink) -> None:
    pipeline = pipeline_for(sink)
    body = image_bytes(1)
    feed(pipeline, MediaSeen(URL, "p2"), MediaBody(URL, "p1", body, etag='"e"'),
         MediaSeen(URL, "p3"), MediaSeen(URL, "p3"))
    [media] = sink.store.list_media()
    assert pages_of(sink.store, media.media_id) == {"p1", "p2", "p3"}
    record = sink.store.get_fetch(URL)
    assert record is not None and record.media_id == media.media_id and record.etag == '"e"'
    assert (sink.report.media_new, sink.report.bytes) == (1, len(body))


def test_unchanged_media_refreshes_sightings_and_failures_get_none(sink: MediaSink) -> None:
    pipeline = pipeline_for(sink)
    record = FetchRecord(URL, "m1", datetime.now(UTC) - timedelta(days=40), etag='"e"')
    sink.store.record_fetch(record)
    gone = "https://cdn.example/gone.jpg"
    robots = "https://cdn.example/private.jpg"
    feed(pipeline, MediaUnchanged(URL, "p1", record, refetched=True), MediaSeen(URL, "p2"),
         MediaFailed(gone, "http 404"), MediaSeen(gone, "p1"),
         MediaSeen(robots, "p1"), MediaFailed(robots, None))
    assert pages_of(sink.store, "m1") == {"p1", "p2"}
    refreshed = sink.store.get_fetch(URL)
    assert refreshed is not None and refreshed.fetched_at > record.fetched_at
    failed = sink.store.get_fetch(gone)
    assert failed is not None and failed.error == "http 404" and failed.media_id is None
    assert sink.store.get_fetch(robots) is None
    assert sink.report.media_skipped_unchanged == 1
    assert sink.report.errors == [f"{gone}: http 404"]


def test_a_write_that_breaks_is_one_report_line_and_the_rest_goes_on(
    sink: MediaSink, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = pipeline_for(sink)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sink, "store_body", broken)
    feed(pipeline, MediaBody(URL, "p1", b"x"), MediaSeen(URL, "p2"),
         MediaFailed("https://cdn.example/b.jpg", "timeout"))
    assert sink.report.errors == [f"internal error on {URL}: disk on fire",
                                  "https://cdn.example/b.jpg: timeout"]


def decide(sink: MediaSink, request: Request) -> Response | None:
    middleware = MediaFreshnessMiddleware.from_crawler(crawler_for(sink))
    return asyncio.run(middleware.process_request(request))


def test_freshness_fetches_asks_conditionally_or_answers_from_the_store(sink: MediaSink) -> None:
    page = Request("https://site.example/")
    assert decide(sink, page) is None and FETCH_PLAN not in page.meta  # pages are not decided

    new = Request(URL, meta={MEDIA_URL: URL})
    assert decide(sink, new) is None
    assert new.meta[FETCH_PLAN] == "fetch" and new.meta[FETCH_RECORD] is None

    old = datetime.now(UTC) - timedelta(days=40)
    stale = FetchRecord("https://cdn.example/s.jpg", "m1", old, etag='"e"',
                        last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    fresh = FetchRecord("https://cdn.example/f.jpg", "m2")
    for record in (stale, fresh):
        sink.store.record_fetch(record)
    conditional = Request(stale.url, meta={MEDIA_URL: stale.url})
    assert decide(sink, conditional) is None
    assert conditional.headers.get("If-None-Match") == b'"e"'
    assert conditional.headers.get("If-Modified-Since") == b"Mon, 01 Jan 2024 00:00:00 GMT"

    skipped = Request(fresh.url, meta={MEDIA_URL: fresh.url})
    answer = decide(sink, skipped)
    assert answer is not None and answer.status == 304 and answer.request is skipped
    assert skipped.meta[FETCH_PLAN] == "skip" and skipped.meta[FETCH_RECORD].media_id == "m2"

    redirected = skipped.replace(url="https://cdn.example/elsewhere.jpg")
    assert decide(sink, redirected) is None  # already decided: a redirect or retry goes on


def test_the_store_thread_runs_calls_in_one_other_thread_and_reraises_their_errors() -> None:
    seen: list[tuple[int, str]] = []

    def note(n: int) -> None:
        seen.append((n, threading.current_thread().name))

    with StoreThread("test-store") as thread:
        for n in range(20):
            thread.call(note, n)
        with pytest.raises(ValueError, match="boom"):
            thread.call(int, "boom")
    assert [n for n, _ in seen] == list(range(20))
    names = {name for _, name in seen}
    assert len(names) == 1 and names.pop().startswith("test-store")
