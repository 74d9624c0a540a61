"""Retroactive search on Elasticsearch: kNN where the cluster has it, an exact scan where not.

Which one is decided once, when the store opens, from the faces index itself: `jikimi es
migrate` gives it `dense_vector` fields only when the cluster accepts that type, so a faces
index with such a field of the templates' dims means kNN works; otherwise (OpenSearch,
osmem-server, a model with other dims) the faces of the model are streamed (search_after pages)
and compared with numpy, in constant memory.

kNN (HNSW, int8 or 1-bit quantized: see search.elastic.vectors) is approximate and returns at
most k faces per template. So: the request asks for faces a margin below the threshold, every
returned face is re-scored exactly from its stored float32 embedding (search.elastic.knn), and
when a template gets k answers — there may be more beyond — this search falls back to the exact
scan. A cluster that refuses `rescore_vector` by name (older than 8.18) is asked without it
from then on; one that refuses the kNN search itself gets the exact scan. Only templates the
store holds for their person can be searched: this is not a search by arbitrary face.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from elasticsearch import BadRequestError

from kernel.errors import StoreError
from kernel.records import Face, Template
from search.crypto import TemplateCipher
from search.elastic.codec import face_from_doc
from search.elastic.errors import store_errors
from search.elastic.indices import FACE_PAGE, ElasticIndices, Source
from search.elastic.knn import EXACT_SLACK, KnnPlan, Match, knn_matches, knn_request

log = logging.getLogger(__name__)
SCAN_BATCH = FACE_PAGE  # faces compared per numpy batch: one scan page


def exact_matches(faces: list[Face], queries: np.ndarray,
                  min_similarity: float) -> Iterator[Match]:
    embeddings = np.stack([f.embedding for f in faces]).astype(np.float32)
    similarity = embeddings @ queries.T
    for fi, qi in zip(*np.nonzero(similarity >= min_similarity - EXACT_SLACK), strict=True):
        yield faces[int(fi)], int(qi), float(similarity[fi, qi])


class ElasticFaceSearch:
    _es: ElasticIndices
    _vector_fields: dict[str, int]  # {field: dims} of the faces index's dense_vector fields
    _vector_types: dict[str, str]  # {field: index type}, e.g. "int8_hnsw"
    _knn_plan: KnnPlan
    _knn_rescore: bool  # False once the cluster refused `rescore_vector`
    _cipher: TemplateCipher

    def faces_search_mode(self, dims: int) -> str:
        """"knn" when the faces index has a dense_vector field of `dims`, else "exact"."""
        return "knn" if self._vector_field(dims) else "exact"

    def search_faces(self, templates: Sequence[Template],
                     min_similarity: float) -> Iterator[Match]:
        if not templates:
            return iter(())
        model_id = templates[0].model_id
        if any(t.model_id != model_id for t in templates):
            raise StoreError("search_faces takes templates of one model at a time")
        self._require_enrolled(templates)
        queries = np.stack([t.embedding for t in templates]).astype(np.float32)
        field = self._vector_field(queries.shape[1])
        if field is not None:
            found = self._knn(field, model_id, queries, min_similarity)
            if found is not None:
                return iter(found)
        return self._exact(model_id, queries, min_similarity)

    def _vector_field(self, dims: int) -> str | None:
        return next((f for f, d in self._vector_fields.items() if d == dims), None)

    def _require_enrolled(self, templates: Sequence[Template]) -> None:
        stored = self._es.get_many("templates", [t.template_id for t in templates])
        for t in templates:
            doc = stored.get(t.template_id)
            if doc is None or (doc["person_id"], doc["model_id"]) != (t.person_id, t.model_id):
                raise StoreError(f"template {t.template_id} is not enrolled: only enrolled "
                                 "people's templates can be searched")

    def _knn(self, field: str, model_id: str, queries: np.ndarray,
             min_similarity: float) -> list[Match] | None:
        """Matches of every template, or None when the exact scan must answer instead."""
        self._es.refresh("faces")
        found: list[Match] = []
        for qi, vector in enumerate(queries):
            response = self._knn_search(field, vector, model_id, min_similarity)
            if response is None:
                self._vector_fields = {}
                return None
            matches, saturated = knn_matches(response, qi, vector, self._knn_plan.k,
                                             min_similarity, self._cipher)
            if saturated:
                log.info("kNN returned k=%d faces for one template; scanning exactly instead",
                         self._knn_plan.k)
                return None
            found.extend(matches)
        return found

    def _knn_search(self, field: str, vector: np.ndarray, model_id: str,
                    min_similarity: float) -> dict[str, Any] | None:
        """One template's kNN answer, or None when the cluster refuses kNN search."""
        index_type = self._vector_types.get(field, "hnsw")
        while True:
            body = knn_request(field, vector, model_id, min_similarity, plan=self._knn_plan,
                               index_type=index_type, rescore=self._knn_rescore)
            try:
                with store_errors("kNN search of faces"):
                    return self._es.client.search(
                        index=self._es.alias("faces"), knn=body["knn"], size=body["size"],
                        source=body["_source"]).body
            except StoreError as exc:
                if not isinstance(exc.__cause__, BadRequestError):
                    raise
                if "rescore_vector" in body["knn"] and "rescore" in str(exc):
                    log.warning("kNN search with rescore_vector refused (%s); asking without "
                                "it from now on (jikimi re-scores exactly anyway)", exc)
                    self._knn_rescore = False
                    continue
                log.warning("kNN search refused (%s); using the exact scan from now on", exc)
                return None

    def _exact(self, model_id: str, queries: np.ndarray, min_similarity: float
               ) -> Iterator[Match]:
        query: Source = {"bool": {"filter": [{"term": {"model_id": model_id}}]}}
        batch: list[Face] = []
        for doc in self._es.scan("faces", query, [{"face_id": "asc"}],
                                 source={"excludes": ["vector_*"]}, page=SCAN_BATCH):
            batch.append(face_from_doc(doc, self._cipher))
            if len(batch) == SCAN_BATCH:
                yield from exact_matches(batch, queries, min_similarity)
                batch = []
        if batch:
            yield from exact_matches(batch, queries, min_similarity)
