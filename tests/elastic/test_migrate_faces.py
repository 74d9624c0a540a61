"""`jikimi es migrate` and the faces index's vectors: the v1 → v2 move (float hnsw → int8_hnsw)
keeps every face, the index type comes from settings and steps down where the cluster refuses
it, and a current index built with another type than settings ask for is reported."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from search.crypto import TemplateCipher
from search.elastic.admin import ElasticIndexAdmin
from search.elastic.client import open_client
from search.elastic.migrate import migrate
from search.elastic.schema import load_specs
from search.elastic.store import ElasticStore
from tests.elastic.conftest import es_settings
from tests.elastic.knn_proxy import KnnProxy
from tests.elastic.test_migrate import aliases, indices, mappings_with
from tests.factories import make_face, make_media, make_person, make_template


def as_v1(data: dict[str, Any]) -> None:
    """The faces mapping as schema version 1 had it: float HNSW vectors."""
    data["version"] = 1
    for field in ("vector_128", "vector_512"):
        data["mappings"]["properties"][field]["index_options"]["type"] = "hnsw"


def created_types(proxy: KnnProxy, index: str) -> list[str]:
    """The vector index type of each attempt to create `index` ("none": no vector fields)."""
    return [body["mappings"]["_meta"]["jikimi"].get("vector_index", {}).get("vector_128", "none")
            for path, body in proxy.bodies if path.split("?")[0] == f"/{index}"]


def test_faces_v1_moves_to_v2_with_every_face_and_the_alias_flipped(
        es_client: Elasticsearch, tmp_path: Path, cipher: TemplateCipher) -> None:
    v1 = load_specs(mappings_with(tmp_path, "faces", as_v1))
    migrate(es_client, "up", v1)
    old = ElasticStore(es_client, cipher, prefix="up", specs=v1)
    media = make_media(b"faces before the upgrade")
    old.upsert_media(media)
    faces = [make_face(media.media_id, i) for i in range(4)]
    old.save_enrichment(media, faces)
    person = make_person()
    template = make_template(person.person_id, 0, embedding=faces[2].embedding)
    old.add_person(person, [template])
    before = sorted((f.face_id, qi, round(s, 6)) for f, qi, s in old.search_faces([template], 0.5))
    steps = {s.index: s for s in migrate(es_client, "up")}
    faces_step = steps["faces"]
    assert (faces_step.action, faces_step.source, faces_step.target, faces_step.documents) == (
        "migrated", "up-faces-v1", "up-faces-v2", 4)
    assert faces_step.vectors == "none"  # osmem: the fallback variant, as before
    assert {s.action for n, s in steps.items() if n != "faces"} == {"current"}
    assert aliases(es_client, "up")["up-faces"] == ["up-faces-v2"]
    assert "up-faces-v1" not in indices(es_client, "up")
    new = ElasticStore(es_client, cipher, prefix="up")
    assert sorted(f.face_id for f in new.faces(faces[0].model_id)) == sorted(
        f.face_id for f in faces)
    after = sorted((f.face_id, qi, round(s, 6)) for f, qi, s in new.search_faces([template], 0.5))
    assert after == before and before[0][0] == faces[2].face_id


def test_the_index_type_comes_from_settings_and_steps_down_where_refused(
        es_url: str, cipher: TemplateCipher, caplog: pytest.LogCaptureFixture) -> None:
    with KnnProxy(es_url, cipher, prefix="chain") as proxy:
        proxy.refuse_types = {"bbq_hnsw"}  # a cluster older than bbq
        admin = ElasticIndexAdmin(es_settings(proxy.url, index_prefix="chain",
                                              knn_index_type="bbq_hnsw"))
        with caplog.at_level(logging.WARNING, logger="search.elastic.migrate"):
            steps = {s["index"]: s for s in admin.migrate(keep_old=False)}
        # bbq refused → float hnsw → osmem refuses dense_vector itself → no vectors
        assert created_types(proxy, "chain-faces-v2") == ["bbq_hnsw", "hnsw", "none"]
    assert (steps["faces"]["vectors"], steps["faces"]["vector_index"]) == ("none", None)
    assert "refused bbq_hnsw" in caplog.text and "refused dense_vector" in caplog.text
    with KnnProxy(es_url, cipher, prefix="plain") as proxy:
        client = open_client(es_settings(proxy.url))
        migrate(client, "plain")
        client.close()
        # a cluster without dense_vector is not asked for float hnsw in between
        assert created_types(proxy, "plain-faces-v2") == ["int8_hnsw", "none"]


def test_a_current_index_of_another_type_than_settings_ask_is_reported(
        es_url: str, cipher: TemplateCipher, caplog: pytest.LogCaptureFixture) -> None:
    with KnnProxy(es_url, cipher) as proxy:  # the faces index holds int8_hnsw vectors
        admin = ElasticIndexAdmin(es_settings(proxy.url, knn_index_type="bbq_hnsw"))
        with caplog.at_level(logging.WARNING, logger="search.elastic.migrate"):
            steps = {s["index"]: s for s in admin.migrate(keep_old=False)}
    assert steps["faces"]["action"] == "current"
    assert steps["faces"]["vector_index"] == {"vector_128": "int8_hnsw",
                                              "vector_512": "int8_hnsw"}
    assert ("jikimi-faces-v2 holds vector_128 as int8_hnsw, settings ask for bbq_hnsw"
            in caplog.text)
