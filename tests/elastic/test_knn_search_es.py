"""Retroactive search on the kNN path, end to end: the store opens through a proxy that gives
osmem-server `dense_vector` fields and answers `knn` exactly (tests/elastic/knn_proxy.py).

The kNN path must find what the exact scan finds, ask each template's request as the bodies
say, and fall back as it always did: to the exact scan when a template is saturated or the
cluster refuses kNN, to a request without `rescore_vector` when only that is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernel.records import Template
from search.crypto import TemplateCipher
from search.elastic.store import ElasticStore
from tests.elastic.conftest import es_settings
from tests.elastic.knn_proxy import KnnProxy
from tests.elastic.test_face_search import build_world
from tests.factories import DIMS, MODEL_ID, make_person, make_template

THRESHOLD = 0.45


@pytest.fixture
def templates(es_store: ElasticStore) -> list[Template]:
    """A world of faces at known similarities to the first template, written without kNN."""
    person = make_person()
    enrolled = [make_template(person.person_id, 7), make_template(person.person_id, 8)]
    build_world(es_store, enrolled[0])
    es_store.add_person(person, enrolled)
    es_store.close()  # refreshed: what it wrote is searchable
    return enrolled


@pytest.fixture
def proxy(es_url: str, cipher: TemplateCipher) -> Iterator[KnnProxy]:
    with KnnProxy(es_url, cipher) as running:
        yield running


def found(store: ElasticStore, templates: list[Template]) -> dict[tuple[str, int], float]:
    return {(f.face_id, qi): round(s, 6)
            for f, qi, s in store.search_faces(templates, THRESHOLD)}


def open_store(url: str, cipher: TemplateCipher, **settings: object) -> ElasticStore:
    return ElasticStore.open(es_settings(url, **settings), cipher)


def scanned(proxy: KnnProxy) -> bool:
    """Whether the exact scan ran (sorted searches of the faces index)."""
    return any("sort" in body for path, body in proxy.bodies
               if path.startswith("/jikimi-faces/_search"))


def test_knn_finds_what_the_exact_scan_finds(proxy: KnnProxy, es_url: str,
                                             cipher: TemplateCipher,
                                             templates: list[Template]) -> None:
    with open_store(es_url, cipher) as plain:
        exact = found(plain, templates)
    with open_store(proxy.url, cipher) as store:
        assert store.faces_search_mode(DIMS) == "knn"
        assert found(store, templates) == exact
    assert len(exact) >= 8 and not scanned(proxy)
    knn = proxy.knn_bodies()
    assert len(knn) == 2  # one request per template
    for body, template in zip(knn, templates, strict=True):
        assert body["query_vector"] == pytest.approx([float(v) for v in template.embedding])
        assert {k: v for k, v in body.items() if k != "query_vector"} == {
            "field": "vector_128", "k": 1000, "num_candidates": 3000,
            "filter": {"term": {"model_id": MODEL_ID}}, "similarity": 0.42,
            "rescore_vector": {"oversample": 3.0}}


def test_float_hnsw_fields_get_no_rescoring(es_url: str, cipher: TemplateCipher,
                                            templates: list[Template]) -> None:
    with KnnProxy(es_url, cipher, vector_types={"vector_128": "hnsw"}) as proxy, \
            open_store(proxy.url, cipher, knn_num_candidates_factor=1.5) as store:
        assert len(found(store, templates)) >= 8
        assert [(b["num_candidates"], b["similarity"], "rescore_vector" in b)
                for b in proxy.knn_bodies()] == [(1500, 0.44, False)] * 2


def test_a_cluster_refusing_rescore_vector_is_asked_without_it(
        proxy: KnnProxy, es_url: str, cipher: TemplateCipher, templates: list[Template],
        caplog: pytest.LogCaptureFixture) -> None:
    with open_store(es_url, cipher) as plain:
        exact = found(plain, templates)
    proxy.refuse_rescore = True
    with open_store(proxy.url, cipher) as store:
        assert found(store, templates) == exact
        assert store.faces_search_mode(DIMS) == "knn"
    assert ["rescore_vector" in b for b in proxy.knn_bodies()] == [True, False, False]
    assert not scanned(proxy)
    assert "rescore_vector refused" in caplog.text


def test_a_cluster_refusing_knn_is_scanned_exactly_as_before(
        proxy: KnnProxy, es_url: str, cipher: TemplateCipher, templates: list[Template]) -> None:
    with open_store(es_url, cipher) as plain:
        exact = found(plain, templates)
    proxy.refuse_knn = True
    with open_store(proxy.url, cipher) as store:
        assert found(store, templates) == exact
        assert store.faces_search_mode(DIMS) == "exact"  # decided once, not asked again
        assert found(store, templates) == exact
    assert len(proxy.knn_bodies()) == 1 and scanned(proxy)


def test_a_saturated_template_is_scanned_exactly(proxy: KnnProxy, es_url: str,
                                                 cipher: TemplateCipher,
                                                 templates: list[Template]) -> None:
    with open_store(es_url, cipher) as plain:
        exact = found(plain, templates)
    with open_store(proxy.url, cipher, knn_k=3) as store:
        assert found(store, templates) == exact  # all 8+ matches, not kNN's 3
        assert store.faces_search_mode(DIMS) == "knn"  # kNN stays for later searches
    assert len(proxy.knn_bodies()) == 1 and scanned(proxy)
