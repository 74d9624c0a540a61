"""MediaSink: content-hash identity, sniffing, blobs once, and the incremental fetch decisions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.media import MediaSink
from crawlers.report import CrawlReport
from jikimi import registry
from kernel.ports import BlobStore, Store
from kernel.records import FetchRecord
from tests.crawl_site import crawl_settings, image_bytes

URL = "https://site.example/a.jpg"


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, BlobStore]]:
    settings = crawl_settings(str(tmp_path))
    store = registry.open_store(settings)
    try:
        yield store, registry.open_blobs(settings)
    finally:
        store.close()


def sink_for(stores: tuple[Store, BlobStore], refresh_days: float = 30) -> MediaSink:
    store, blobs = stores
    return MediaSink(store, blobs, "site", CrawlReport(site="site"), refresh_days=refresh_days)


def test_same_bytes_under_two_urls_is_one_media_and_one_blob(
    stores: tuple[Store, BlobStore],
) -> None:
    sink = sink_for(stores)
    body = image_bytes(1)
    first = sink.store_body(URL, body, ["https://site.example/p1", "https://site.example/p1"],
                            etag='"x"')
    second = sink.store_body("https://mirror.example/b.jpg", body, ["https://site.example/p2"])
    store, blobs = stores
    assert first is not None and first == second
    assert list(blobs.keys()) == [f"incoming/{first}"]
    assert {(s.media_url, s.page_url) for s in store.sightings(first)} == {
        (URL, "https://site.example/p1"), ("https://mirror.example/b.jpg", "https://site.example/p2"),
    }
    assert (sink.report.media_new, sink.report.media_known) == (1, 1)
    fetch = store.get_fetch(URL)
    assert fetch is not None and fetch.media_id == first and fetch.etag == '"x"'


def test_known_media_whose_blob_was_dropped_is_not_written_again(
    stores: tuple[Store, BlobStore],
) -> None:
    sink = sink_for(stores)
    media_id = sink.store_body(URL, image_bytes(2), ["p"])
    store, blobs = stores
    blobs.delete(f"incoming/{media_id}")  # enrichment removes raw media (keep_media off)
    sink.store_body("https://other.example/c.jpg", image_bytes(2), ["q"])
    assert list(blobs.keys()) == []


def test_bodies_that_are_not_media_are_refused_by_their_bytes(
    stores: tuple[Store, BlobStore],
) -> None:
    sink = sink_for(stores)
    assert sink.store_body(URL, b"<html>not an image</html>", ["p"]) is None
    record = stores[0].get_fetch(URL)
    assert record is not None and record.media_id is None
    assert (record.error or "").startswith("not media")
    assert sink.report.errors and sink.report.media_new == 0


def test_fetch_decisions(stores: tuple[Store, BlobStore]) -> None:
    store, _ = stores
    sink = sink_for(stores, refresh_days=10)
    now = datetime.now(UTC)
    old = now - timedelta(days=11)
    assert sink.decide(URL).plan == "fetch"
    cases = {
        "https://s.example/fresh": (FetchRecord("https://s.example/fresh", "m1"), "skip"),
        "https://s.example/stale": (FetchRecord("https://s.example/stale", "m1", old),
                                    "conditional"),
        "https://s.example/big": (FetchRecord("https://s.example/big", None, error="too large: x"),
                                  "skip"),
        "https://s.example/old-big": (
            FetchRecord("https://s.example/old-big", None, old, error="too large: x"), "fetch"),
        "https://s.example/flaky": (FetchRecord("https://s.example/flaky", None, error="timeout"),
                                    "fetch"),
        "https://s.example/down": (FetchRecord("https://s.example/down", None, error="http 503"),
                                   "fetch"),
        "https://s.example/gone": (FetchRecord("https://s.example/gone", None, error="http 404"),
                                   "skip"),
    }
    for record, _ in cases.values():
        store.record_fetch(record)
    assert {url: sink.decide(url, now).plan for url in cases} == {
        url: plan for url, (_, plan) in cases.items()
    }
    stale = sink.decide("https://s.example/stale", now)
    assert stale.record is not None and stale.record.media_id == "m1"
