"""The kNN request for one enrolled template, and how its answer is read.

One top-level `knn` search per template: the model's faces only (`filter` on `model_id`), the
`k` nearest (`elasticsearch.knn_k`), `num_candidates` per shard a multiple of k (never above
Elasticsearch's 10,000), and a `similarity` cut-off a margin below the threshold (see
search.elastic.vectors). On a quantized field it also asks for `rescore_vector`: the cluster
gathers k × oversample candidates on the quantized vectors and re-ranks them on the float ones.

Whatever the cluster scored, every returned face is re-scored exactly from its stored float32
embedding and kept only at or above the threshold; k answers mean the template is *saturated*
(faces beyond them may match too) and the caller scans exactly instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernel.records import Face
from kernel.settings import ElasticsearchSettings
from search.crypto import TemplateCipher
from search.elastic.codec import face_from_doc
from search.elastic.vectors import is_quantized, similarity_margin

MAX_CANDIDATES = 10000  # Elasticsearch's limit for num_candidates
EXACT_SLACK = 1e-6  # float32 rounding between matrix products of different shapes
Match = tuple[Face, int, float]


@dataclass(frozen=True)
class KnnPlan:
    """How many faces a kNN request asks for, and how hard the cluster looks."""

    k: int = 1000
    candidates_factor: float = 2.0
    oversample: float = 3.0  # 0: no rescore_vector

    @classmethod
    def of(cls, settings: ElasticsearchSettings) -> KnnPlan:
        return cls(k=settings.knn_k, candidates_factor=settings.knn_num_candidates_factor,
                   oversample=settings.knn_oversample)

    def rescores(self, index_type: str) -> bool:
        return self.oversample > 0 and is_quantized(index_type)

    def num_candidates(self, rescore: bool) -> int:
        wanted = max(self.k, math.ceil(self.k * self.candidates_factor))
        if rescore:  # the cluster gathers k × oversample; ask for at least as many
            wanted = max(wanted, math.ceil(self.k * self.oversample))
        return min(MAX_CANDIDATES, wanted)


def knn_request(field: str, vector: np.ndarray, model_id: str, min_similarity: float, *,
                plan: KnnPlan = KnnPlan(), index_type: str = "hnsw",
                rescore: bool = True) -> dict[str, Any]:
    """The search body for one template; `rescore=False` leaves out `rescore_vector` (for a
    cluster that refused it)."""
    rescore = rescore and plan.rescores(index_type)
    knn: dict[str, Any] = {
        "field": field,
        "query_vector": [float(v) for v in np.asarray(vector, dtype=np.float32)],
        "k": plan.k,
        "num_candidates": plan.num_candidates(rescore),
        "filter": {"term": {"model_id": model_id}},
        "similarity": round(min_similarity - similarity_margin(index_type), 6),
    }
    if rescore:
        knn["rescore_vector"] = {"oversample": plan.oversample}
    return {"knn": knn, "size": plan.k, "_source": {"excludes": ["vector_*"]}}


def knn_matches(response: dict[str, Any], query: int, vector: np.ndarray, k: int,
                min_similarity: float, cipher: TemplateCipher) -> tuple[list[Match], bool]:
    """Exactly re-scored matches of one template's kNN answer, and whether it was saturated
    (k answers: faces beyond them may match too)."""
    hits = response["hits"]["hits"]
    matches = []
    for hit in hits:
        face = face_from_doc(hit["_source"], cipher)
        similarity = float(np.dot(face.embedding, np.asarray(vector, dtype=np.float32)))
        if similarity >= min_similarity - EXACT_SLACK:
            matches.append((face, query, similarity))
    return matches, len(hits) >= k
