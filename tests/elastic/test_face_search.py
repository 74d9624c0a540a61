"""Retroactive search on Elasticsearch: the exact scan (what osmem-server can run) gives the same
hits and alerts as the embedded store. osmem-server has neither `dense_vector` nor `knn`: the kNN
path is tested through a proxy that adds them (test_knn_search_es.py), and the mappings and
request bodies it builds in test_knn_bodies.py."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from elasticsearch import Elasticsearch

from jikimi import registry
from kernel.errors import StoreError
from kernel.ports import FaceSearch, Store
from kernel.records import Face, Template
from kernel.settings import Settings
from search.crypto import FACE_PREFIX, TemplateCipher
from search.elastic.store import ElasticStore
from search.matching import match_person
from search.sqlite.store import SqliteStore
from tests.factories import (
    DIMS,
    at_cosine,
    make_face,
    make_media,
    make_person,
    make_sighting,
    make_template,
)


def build_world(store: Store, template: Template) -> list[Face]:
    """Media with faces at known similarities to `template`, a video track among them."""
    faces = []
    for n, cosine in enumerate([0.2, 0.40, 0.449, 0.451, 0.5, 0.62, 0.8, 0.95, -0.3]):
        media = make_media(f"world-{n}".encode())
        store.upsert_media(media)
        store.add_sighting(make_sighting(media.media_id, n))
        near = make_face(media.media_id, 0, embedding=at_cosine(template.embedding, cosine, n))
        noise = [make_face(media.media_id, i, seed=100 * n + i) for i in range(1, 4)]
        store.save_enrichment(media, [near, *noise])
        faces += [near, *noise]
    video = make_media(b"world-video", kind="video", duration=4.0)
    store.upsert_media(video)
    store.add_sighting(make_sighting(video.media_id, 99))
    track = [make_face(video.media_id, 0, frame_ts=float(t), track=1,
                       embedding=at_cosine(template.embedding, 0.55 + 0.1 * t, 50 + t))
             for t in range(3)]
    store.save_enrichment(video, track)
    return faces + track


@pytest.fixture
def sqlite_store() -> Iterator[SqliteStore]:
    store = SqliteStore(":memory:", TemplateCipher.generate())
    yield store
    store.close()


def outcome(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    hits = sorted((h.hit_id, h.face_id, h.similarity, h.template_id, h.track, h.frame_times,
                   h.band, h.score, h.person_threshold) for h in store.hits())
    alerts = sorted((a.alert_id, a.media_id, a.similarity, a.media_url, a.page_url, a.band)
                    for a in store.alerts())
    return hits, alerts


def test_exact_scan_retroactive_matching_equals_the_embedded_store(
        es_store: ElasticStore, sqlite_store: SqliteStore) -> None:
    person = make_person("Late Enroller")
    templates = [make_template(person.person_id, 1), make_template(person.person_id, 2)]
    results = {}
    for store in (sqlite_store, es_store):
        all_faces = build_world(store, templates[0])
        store.add_person(person, templates)
        settings = Settings()
        report = match_person(store, templates, settings.faces, settings.matching,
                              registry.open_face_search(settings, store),
                              alert_bands=("strong", "likely"))  # alerts recorded alike too
        results[type(store).__name__] = (outcome(store), report.faces, len(all_faces))
    (sqlite_outcome, sqlite_seen, total), (es_outcome, es_seen, _) = results.values()
    assert es_outcome == sqlite_outcome
    hits, alerts = es_outcome
    assert len(hits) >= 5 and len(alerts) >= 5  # 0.451 … 0.95 and the video's track
    assert isinstance(es_store, FaceSearch) and not isinstance(sqlite_store, FaceSearch)
    # both decide only the faces their search found (the int8 index on SQLite, the scan here)
    assert sqlite_seen == es_seen < total


def test_search_faces_finds_exactly_the_faces_at_or_above_the_similarity(
        es_store: ElasticStore) -> None:
    person = make_person()
    template = make_template(person.person_id, 7)
    faces = build_world(es_store, template)
    es_store.add_person(person, [template])
    assert es_store.faces_search_mode(DIMS) == "exact"
    found = {f.face_id: s for f, qi, s in es_store.search_faces([template], 0.45)}
    expected = {f.face_id for f in faces if float(f.embedding @ template.embedding) >= 0.45}
    assert set(found) == expected and len(expected) == 8
    for face in faces:
        if face.face_id in found:
            assert found[face.face_id] == pytest.approx(float(face.embedding @ template.embedding),
                                                        abs=1e-6)


def test_only_enrolled_templates_can_be_searched(es_store: ElasticStore) -> None:
    person = make_person()
    enrolled = make_template(person.person_id, 1)
    es_store.add_person(person, [enrolled])
    stranger = make_template(person.person_id, 2)  # never stored: an arbitrary face
    with pytest.raises(StoreError, match="not enrolled"):
        list(es_store.search_faces([enrolled, stranger], 0.4))
    impostor = make_template("someone-else", 1, template_id=enrolled.template_id)
    with pytest.raises(StoreError, match="not enrolled"):
        list(es_store.search_faces([impostor], 0.4))


def test_search_mode_is_detected_from_the_faces_index_once_and_logged(
        es_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from tests.elastic.conftest import es_settings

    with caplog.at_level(logging.INFO, logger="search.elastic.store"):
        store = ElasticStore.open(es_settings(es_url), TemplateCipher.generate())
    assert "jikimi-faces has no dense_vector field" in caplog.text
    assert store.faces_search_mode(128) == store.faces_search_mode(512) == "exact"
    store.close()


def test_face_documents_carry_no_kNN_copy_on_a_cluster_without_dense_vector(
        es_store: ElasticStore, es_client: Elasticsearch) -> None:
    media = make_media(b"plain")
    es_store.upsert_media(media)
    face = make_face(media.media_id)
    es_store.save_enrichment(media, [face])
    source = es_client.get(index="jikimi-faces", id=face.face_id)["_source"]
    assert not any(k.startswith("vector_") for k in source)


def test_a_face_document_holds_its_embedding_sealed(
        es_store: ElasticStore, es_client: Elasticsearch) -> None:
    """Finding 6: the stored `embedding` is ciphertext (the server never needs it); only a kNN
    copy, where the cluster has dense_vector, is plaintext (README: biometric data at rest)."""
    media = make_media(b"sealed")
    es_store.upsert_media(media)
    face = make_face(media.media_id)
    es_store.save_enrichment(media, [face])
    stored = base64.b64decode(es_client.get(index="jikimi-faces", id=face.face_id)
                              ["_source"]["embedding"])
    plain = np.asarray(face.embedding, dtype="<f4").tobytes()
    assert stored.startswith(FACE_PREFIX) and plain not in stored
    (read,) = es_store.faces(face.model_id)
    np.testing.assert_array_equal(read.embedding, face.embedding)
