"""What the Elasticsearch adapter asks of a kNN-capable cluster: the faces mapping per vector index
type and dims, and the kNN request per template (osmem-server runs neither, so the bodies are
the contract), and how an answer is read."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from kernel.settings import ElasticsearchSettings
from search.crypto import TemplateCipher
from search.elastic.codec import face_to_doc
from search.elastic.knn import KnnPlan, knn_matches, knn_request
from search.elastic.schema import IndexSpec, load_specs
from search.elastic.vectors import INDEX_TYPES
from tests.elastic.test_face_search import at_cosine
from tests.factories import MODEL_ID, make_face, unit_vector

GRAPH = {"m": 16, "ef_construction": 100}


def vector_props(body: dict[str, Any]) -> dict[str, Any]:
    return {f: p for f, p in body["mappings"]["properties"].items() if f.startswith("vector_")}


def test_the_faces_mapping_is_version_2_with_int8_hnsw_by_default() -> None:
    faces = load_specs()["faces"]
    assert faces.version == 2 and faces.index("jikimi") == "jikimi-faces-v2"
    dense = faces.body(vectors=True)
    assert vector_props(dense) == {
        f"vector_{d}": {"type": "dense_vector", "dims": d, "index": True, "similarity": "cosine",
                        "index_options": {"type": "int8_hnsw", **GRAPH}} for d in (128, 512)}
    assert dense["mappings"]["_meta"]["jikimi"] == {
        "index": "faces", "schema_version": 2, "vectors": "dense_vector",
        "vector_index": {"vector_128": "int8_hnsw", "vector_512": "int8_hnsw"}}
    fallback = faces.body(vectors=False)
    assert vector_props(fallback) == {}
    assert fallback["mappings"]["_meta"]["jikimi"]["vectors"] == "none"
    assert "vector_index" not in fallback["mappings"]["_meta"]["jikimi"]
    doc = face_to_doc(make_face("m1"), {"vector_128": 128, "vector_512": 512},
                      TemplateCipher.generate())
    assert len(doc["vector_128"]) == 128 and "vector_512" not in doc


@pytest.mark.parametrize("index_type", INDEX_TYPES)
def test_each_index_type_gets_its_own_options(index_type: str) -> None:
    body = load_specs()["faces"].body(vectors=True, index_type=index_type)
    graph = GRAPH if index_type.endswith("hnsw") else {}  # flat types build no graph
    for props in vector_props(body).values():
        assert props["index_options"] == {"type": index_type, **graph}
    assert set(body["mappings"]["_meta"]["jikimi"]["vector_index"].values()) == {index_type}


def test_bbq_only_where_the_dims_allow_it(caplog: pytest.LogCaptureFixture) -> None:
    faces = load_specs()["faces"]
    properties = dict(faces.mappings["properties"])
    properties["vector_32"] = dict(properties["vector_128"], dims=32)
    spec = IndexSpec("faces", 9, {}, dict(faces.mappings, properties=properties))
    with caplog.at_level(logging.WARNING, logger="search.elastic.vectors"):
        body = spec.body(vectors=True, index_type="bbq_hnsw")
    assert body["mappings"]["_meta"]["jikimi"]["vector_index"] == {
        "vector_128": "bbq_hnsw", "vector_512": "bbq_hnsw", "vector_32": "int8_hnsw"}
    assert vector_props(body)["vector_32"]["index_options"] == {"type": "int8_hnsw", **GRAPH}
    assert "32-dim vectors: bbq_hnsw needs at least 64 dims, using int8_hnsw" in caplog.text


def test_knn_request_on_float_hnsw_has_no_rescoring() -> None:
    vector = unit_vector(3)
    body = knn_request("vector_128", vector, MODEL_ID, 0.45, index_type="hnsw")
    assert body == {
        "knn": {"field": "vector_128", "query_vector": [float(v) for v in vector],
                "k": 1000, "num_candidates": 2000,
                "filter": {"term": {"model_id": MODEL_ID}}, "similarity": 0.44},
        "size": 1000,
        "_source": {"excludes": ["vector_*"]},
    }


def test_knn_request_on_a_quantized_field_asks_for_rescoring() -> None:
    vector = unit_vector(4)
    knn = knn_request("vector_128", vector, MODEL_ID, 0.45, index_type="int8_hnsw")["knn"]
    assert knn["rescore_vector"] == {"oversample": 3.0}
    assert (knn["k"], knn["num_candidates"], knn["similarity"]) == (1000, 3000, 0.42)
    bbq = knn_request("vector_512", vector, "m", 0.40, index_type="bbq_hnsw")["knn"]
    assert bbq["rescore_vector"] == {"oversample": 3.0} and bbq["similarity"] == 0.25
    refused = knn_request("vector_128", vector, "m", 0.45, index_type="int8_hnsw",
                          rescore=False)["knn"]
    assert "rescore_vector" not in refused and refused["num_candidates"] == 2000
    off = knn_request("vector_128", vector, "m", 0.45, index_type="int8_flat",
                      plan=KnnPlan(oversample=0))["knn"]
    assert "rescore_vector" not in off


@pytest.mark.parametrize(("plan", "rescore", "expected"), [
    (KnnPlan(k=1000, candidates_factor=1.5), False, 1500),
    (KnnPlan(k=1000, candidates_factor=1.5, oversample=5), True, 5000),
    (KnnPlan(k=8000), False, 10000),  # Elasticsearch's ceiling
    (KnnPlan(k=10000, candidates_factor=1.0), True, 10000),
    (KnnPlan(k=10), False, 20),
])
def test_num_candidates_is_a_multiple_of_k_bounded_by_10000(plan: KnnPlan, rescore: bool,
                                                            expected: int) -> None:
    assert plan.num_candidates(rescore) == expected


def test_the_knn_settings_and_their_bounds() -> None:
    settings = ElasticsearchSettings.model_validate(
        {"knn_k": 500, "knn_num_candidates_factor": 4, "knn_oversample": 2,
         "knn_index_type": "bbq_hnsw"})
    assert KnnPlan.of(settings) == KnnPlan(k=500, candidates_factor=4.0, oversample=2.0)
    assert ElasticsearchSettings().knn_index_type == "int8_hnsw"
    for wrong in ({"knn_oversample": 0.5}, {"knn_oversample": 11}, {"knn_index_type": "bbq"},
                  {"knn_num_candidates_factor": 0.5}):
        with pytest.raises(ValidationError):
            ElasticsearchSettings.model_validate(wrong)


def test_knn_answers_are_rescored_exactly_and_saturation_is_detected() -> None:
    template = unit_vector(5)
    faces = [make_face("m1", i, embedding=at_cosine(template, c, i))
             for i, c in enumerate([0.9, 0.46, 0.445])]
    cipher = TemplateCipher.generate()
    response = {"hits": {"hits": [
        {"_id": f.face_id, "_score": 0.5, "_source": face_to_doc(f, {}, cipher)} for f in faces]}}
    matches, saturated = knn_matches(response, 0, template, k=10, min_similarity=0.45,
                                     cipher=cipher)
    assert [(m[0].face_id, m[1]) for m in matches] == [(f.face_id, 0) for f in faces[:2]]
    assert matches[0][2] == pytest.approx(0.9, abs=1e-6)  # the cosine, not the kNN _score
    assert saturated is False
    assert knn_matches(response, 0, template, k=3, min_similarity=0.45, cipher=cipher)[1] is True
    assert np.isclose(matches[1][2], 0.46, atol=1e-6)
