"""Bulk writes under back-pressure: 429s are retried per document, what still fails is named.

A real HTTP proxy (tests/elastic/es_proxy.py) sits between the store and osmem-server and answers
bulk items with 429 like a loaded cluster; the proxy also records every request, which shows
when the store refreshes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search.crypto import TemplateCipher
from search.elastic.bulk import BulkWriteError
from search.elastic.store import ElasticStore
from tests.elastic.conftest import es_settings
from tests.elastic.es_proxy import ThrottlingProxy
from tests.factories import MODEL_ID, make_face, make_media

FAST_RETRIES = {"bulk_initial_backoff": 0.01, "bulk_max_backoff": 0.05, "bulk_max_retries": 3}


@pytest.fixture
def proxy(es_url: str, request: pytest.FixtureRequest) -> Iterator[ThrottlingProxy]:
    options = getattr(request, "param", {})
    with ThrottlingProxy(es_url, **options) as running:
        yield running


def proxied_store(proxy: ThrottlingProxy, **settings: object) -> ElasticStore:
    return ElasticStore.open(es_settings(proxy.url, **(FAST_RETRIES | settings)),
                             TemplateCipher.generate())


def test_every_document_rejected_once_is_retried_and_stored(proxy: ThrottlingProxy) -> None:
    media = make_media(b"throttled")
    faces = [make_face(media.media_id, i) for i in range(30)]
    with proxied_store(proxy, bulk_chunk_size=8) as store:
        store.upsert_media(media)
        store.save_enrichment(media, faces)
        assert sorted(proxy.rejected) == sorted(f.face_id for f in faces)
        assert sorted(f.face_id for f in store.faces(MODEL_ID)) == sorted(
            f.face_id for f in faces)
        store.mark_faces_matched(f.face_id for f in faces)  # updates are retried too
        assert list(store.faces(MODEL_ID, unmatched_only=True)) == []
        assert store.get_media(media.media_id).status == "enriched"  # type: ignore[union-attr]


@pytest.mark.parametrize("proxy", [{"reject_first": False}], indirect=True)
def test_a_document_rejected_past_the_retries_is_named_and_the_rest_is_written(
    proxy: ThrottlingProxy,
) -> None:
    media = make_media(b"one stuck")
    faces = [make_face(media.media_id, i) for i in range(5)]
    stuck = faces[2].face_id
    proxy.always_reject.add(stuck)
    with proxied_store(proxy) as store:
        store.upsert_media(media)
        with pytest.raises(BulkWriteError) as caught:
            store.save_enrichment(media, faces)
        [failure] = caught.value.failures
        assert (failure.doc_id, failure.status) == (stuck, 429)
        assert "es_rejected_execution_exception" in str(caught.value) and stuck in str(caught.value)
        assert caught.value.written == 4
        assert proxy.rejected == [stuck] * 4  # the first try and three retries
        assert store.get_face(stuck) is None
        assert sum(1 for _ in store.faces(MODEL_ID)) == 4
        # The media item stays "new": enrichment runs again and the same ids converge.
        assert store.get_media(media.media_id).status == "new"  # type: ignore[union-attr]


@pytest.mark.parametrize("proxy", [{"reject_first": False}], indirect=True)
def test_searches_refresh_only_after_this_store_wrote(proxy: ThrottlingProxy) -> None:
    with proxied_store(proxy) as store:
        def refreshes() -> int:
            return sum("/_refresh" in r for r in proxy.requests)

        store.list_media()
        assert refreshes() == 0  # nothing written: nothing to refresh
        store.upsert_media(make_media(b"r1"))
        store.upsert_media(make_media(b"r2"))
        assert len(store.list_media()) == 2
        assert refreshes() == 1  # one refresh for a burst of writes, before the search
        store.list_media()
        store.get_media(make_media(b"r1").media_id)  # gets by id are real-time anyway
        assert refreshes() == 1
        store.upsert_media(make_media(b"r3"))
    assert refreshes() == 2  # close() refreshes what was written, for other processes
