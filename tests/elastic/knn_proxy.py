"""A proxy that makes osmem-server look like an Elasticsearch with kNN, for the adapter's kNN path.

osmem-server has neither `dense_vector` nor `knn`. In front of it, this proxy:
* adds `dense_vector` fields of the given index types to the faces mapping the store reads when
  it opens (so the store takes the kNN path);
* answers a top-level `knn` search itself, exactly: the model's faces (its `filter`) are read from
  osmem, their embeddings opened with the test's key, and the k best at or above `similarity`
  returned, as a cluster with perfect recall would;
* refuses, when told to, what an older cluster refuses: `rescore_vector` in a kNN request, kNN
  search altogether, or index types at index creation (with Elasticsearch's own error types).

Every JSON body it receives is recorded (`bodies`), so tests assert on the requests themselves.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np

from search.crypto import TemplateCipher
from tests.elastic.es_proxy import ES_HEADERS, ForwardingProxy, Reply


def refusal(kind: str, reason: str) -> Reply:
    error = {"root_cause": [{"type": kind, "reason": reason}], "type": kind, "reason": reason}
    return 400, ES_HEADERS, json.dumps({"error": error, "status": 400}).encode()


class KnnProxy(ForwardingProxy):
    def __init__(self, upstream: str, cipher: TemplateCipher, *, prefix: str = "jikimi",
                 vector_types: dict[str, str] | None = None) -> None:
        super().__init__(upstream)
        self.cipher = cipher
        self.faces = f"{prefix}-faces"
        self.vector_types = vector_types if vector_types is not None else {
            "vector_128": "int8_hnsw", "vector_512": "int8_hnsw"}
        self.refuse_rescore = False
        self.refuse_knn = False
        self.refuse_types: set[str] = set()

    def __enter__(self) -> KnnProxy:
        super().__enter__()
        return self

    def knn_bodies(self) -> list[dict[str, Any]]:
        return [body["knn"] for _, body in self.bodies if isinstance(body, dict) and "knn" in body]

    def answer(self, method: str, path: str, body: bytes | None,
               headers: dict[str, str]) -> Reply:
        route = path.split("?")[0]
        request = json.loads(body) if body else None
        refused = self._refused_type(request) if method == "PUT" and request else None
        if refused:
            return refusal("mapper_parsing_exception",
                           f"Unknown vector index options type [{refused}] for field [vector]")
        if route == f"/{self.faces}/_search" and request and "knn" in request:
            return self._knn(request["knn"], headers)
        status, replied, data = self.forward(method, path, body, headers)
        faces_mapping = route.startswith(f"/{self.faces}") and route.endswith("/_mapping")
        if method == "GET" and faces_mapping and status == 200:
            data = json.dumps(self._with_vectors(json.loads(data))).encode()
        return status, replied, data

    def _refused_type(self, request: dict[str, Any]) -> str | None:
        for props in request.get("mappings", {}).get("properties", {}).values():
            kind = (props.get("index_options") or {}).get("type")
            if kind in self.refuse_types:
                return str(kind)
        return None

    def _with_vectors(self, found: dict[str, Any]) -> dict[str, Any]:
        for info in found.values():
            properties = info["mappings"].setdefault("properties", {})
            for field, kind in self.vector_types.items():
                properties[field] = {"type": "dense_vector", "dims": int(field.split("_")[1]),
                                     "index": True, "similarity": "cosine",
                                     "index_options": {"type": kind}}
        return found

    def _knn(self, knn: dict[str, Any], headers: dict[str, str]) -> Reply:
        if self.refuse_knn:
            return refusal("parsing_exception", "Unknown key for a START_OBJECT in [knn].")
        if self.refuse_rescore and "rescore_vector" in knn:
            return refusal("x_content_parse_exception", "[knn] unknown field [rescore_vector]")
        query = {"query": {"bool": {"filter": [knn["filter"]]}}, "size": 10000}
        status, _, data = self.forward("POST", f"/{self.faces}/_search",
                                       json.dumps(query).encode(), headers)
        assert status == 200, data
        vector = np.asarray(knn["query_vector"], dtype=np.float32)
        vector /= np.linalg.norm(vector)
        scored = []
        for hit in json.loads(data)["hits"]["hits"]:
            sealed = base64.b64decode(hit["_source"]["embedding"])
            cosine = float(self.cipher.open_vector(sealed) @ vector)
            if cosine >= knn.get("similarity", -1.0):
                scored.append((cosine, hit))
        scored.sort(key=lambda pair: (-pair[0], pair[1]["_id"]))
        hits = [dict(hit, _score=(1 + cosine) / 2) for cosine, hit in scored[:knn["k"]]]
        answer = {"took": 1, "timed_out": False, "hits": {"total": {"value": len(hits)},
                                                           "hits": hits}}
        return 200, ES_HEADERS, json.dumps(answer).encode()
