"""An HNSW graph over the same faces, for comparison only: build time, query time, recall@10.

jikimi's index scans exactly (search/faceindex); this measures what an approximate graph would
give instead, with the first of hnswlib or faiss-cpu that is installed (neither is a jikimi
dependency: `pip install hnswlib`). Settings from a sweep on this machine (100k faces, M 32,
efConstruction 200): efSearch 512 reached recall@10 0.94–0.96 on random vectors and 0.996–0.998
on vectors drawn like real SFace embeddings, at 1.1–1.8 ms per query, after 30–70 s of building.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import numpy as np

from jikimi.bench.generated import GeneratedFaces

M, EF_CONSTRUCTION, EF_SEARCH, THREADS = 32, 200, 512, 2


def measure_ann(faces: GeneratedFaces, seed: int) -> dict[str, Any] | None:
    """None when no HNSW library is installed."""
    library = next((name for name in ("hnswlib", "faiss")
                    if importlib.util.find_spec(name) is not None), None)
    if library is None:
        return None
    queries = np.random.default_rng([seed, 7]).standard_normal((100, faces.dims), np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    build, search = _hnswlib(faces) if library == "hnswlib" else _faiss(faces)
    started = time.perf_counter()
    found = search(queries)
    query_s = (time.perf_counter() - started) / len(queries)
    wanted = [set(row) for row in _exact_top(faces, queries)]
    recall = np.mean([len(set(found[i].tolist()) & wanted[i]) / 10 for i in range(len(queries))])
    return {"library": library, "m": M, "ef_search": EF_SEARCH, "build_s": build,
            "query_s": query_s, "recall_at_10": float(recall)}


def _exact_top(faces: GeneratedFaces, queries: np.ndarray) -> np.ndarray:
    scores = np.concatenate([rows @ queries.T for _, rows in faces.chunks()])
    return np.argsort(-scores, axis=0)[:10].T


def _hnswlib(faces: GeneratedFaces) -> tuple[float, Any]:
    import hnswlib

    started = time.perf_counter()
    graph = hnswlib.Index("ip", faces.dims)
    graph.init_index(faces.count, ef_construction=EF_CONSTRUCTION, M=M)
    graph.set_num_threads(THREADS)
    for first, rows in faces.chunks():
        graph.add_items(rows, np.arange(first, first + len(rows)))
    graph.set_ef(EF_SEARCH)
    return time.perf_counter() - started, lambda q: graph.knn_query(q, 10)[0]


def _faiss(faces: GeneratedFaces) -> tuple[float, Any]:
    import faiss

    started = time.perf_counter()
    graph = faiss.IndexHNSWFlat(faces.dims, M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = EF_CONSTRUCTION
    for _, rows in faces.chunks():
        graph.add(rows)
    graph.hnsw.efSearch = EF_SEARCH
    return time.perf_counter() - started, lambda q: graph.search(q, 10)[1]
