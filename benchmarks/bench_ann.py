"""HNSW libraries for an optional approximate face index: build time, query time, recall@10.

Why: issue 15 asks whether an ANN graph should serve retroactive search beyond ~5M faces. Each
of faiss-cpu (HNSWFlat, HNSWSQ8), usearch (f32, i8) and hnswlib that is installed (none is a
jikimi dependency) indexes the same vectors and answers 100 queries; recall@10 is against the
exact numpy top 10. Three sets: isotropic random unit vectors (the hardest case for a graph);
vectors drawn from a Gaussian with the mean and covariance of real SFace embeddings ("real-like":
real faces lie on a lower-dimensional manifold, which graphs find easier); and the real
embeddings themselves (leave-one-out), computed with the configured face engine from the photos
under --photos (skipped with a message when that folder is absent). Prints aggregates only.

    python benchmarks/bench_ann.py [--faces 100000] [--photos ../shared/faces] [--ef 128,512]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DIMS, QUERIES, M, EF_CONSTRUCTION = 128, 100, 32, 200
Search = Callable[[np.ndarray, int, int], np.ndarray]  # (queries, ef, k) -> top-k rows


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def faiss_graph(rows: np.ndarray, sq8: bool) -> Search:
    import faiss

    graph = (faiss.IndexHNSWSQ(DIMS, faiss.ScalarQuantizer.QT_8bit, M, faiss.METRIC_INNER_PRODUCT)
             if sq8 else faiss.IndexHNSWFlat(DIMS, M, faiss.METRIC_INNER_PRODUCT))
    graph.hnsw.efConstruction = EF_CONSTRUCTION
    if sq8:
        graph.train(rows)
    graph.add(rows)

    def search(queries: np.ndarray, ef: int, k: int) -> np.ndarray:
        graph.hnsw.efSearch = ef
        return np.asarray(graph.search(queries, k)[1])
    return search


def usearch_graph(rows: np.ndarray, dtype: str) -> Search:
    from usearch.index import Index

    graph = Index(ndim=DIMS, metric="ip", dtype=dtype, connectivity=16,  # its default
                  expansion_add=EF_CONSTRUCTION)
    graph.add(np.arange(len(rows)), rows, threads=2)

    def search(queries: np.ndarray, ef: int, k: int) -> np.ndarray:
        graph.expansion_search = ef
        return np.asarray(graph.search(queries, k, threads=2).keys)
    return search


def hnswlib_graph(rows: np.ndarray) -> Search:
    import hnswlib

    graph = hnswlib.Index("ip", DIMS)
    graph.init_index(len(rows), ef_construction=EF_CONSTRUCTION, M=M)
    graph.set_num_threads(2)
    graph.add_items(rows)

    def search(queries: np.ndarray, ef: int, k: int) -> np.ndarray:
        graph.set_ef(ef)
        return np.asarray(graph.knn_query(queries, k)[0])
    return search


GRAPHS: dict[str, tuple[str, Callable[[np.ndarray], Search]]] = {
    "faiss HNSWFlat": ("faiss", lambda r: faiss_graph(r, False)),
    "faiss HNSWSQ8": ("faiss", lambda r: faiss_graph(r, True)),
    "usearch f32": ("usearch", lambda r: usearch_graph(r, "f32")),
    "usearch i8": ("usearch", lambda r: usearch_graph(r, "i8")),
    "hnswlib": ("hnswlib", hnswlib_graph),
}


def real_embeddings(photos: Path) -> np.ndarray | None:
    from PIL import Image

    from jikimi import registry
    from kernel.settings import Settings

    paths = sorted(photos.rglob("*.jpg")) if photos.is_dir() else []
    if not paths:
        return None
    engine = registry.open_face_engine(Settings())
    found = []
    for path in paths:
        rgb = np.asarray(Image.open(path).convert("RGB"))
        faces = engine.detect(rgb)
        if faces:
            largest = max(faces, key=lambda f: f.bbox[2] * f.bbox[3])
            found.append(engine.embed(rgb, [largest])[0])
    return unit(np.stack(found)) if found else None


def compare(name: str, rows: np.ndarray, queries: np.ndarray, efs: list[int],
            skip_self: bool = False) -> None:
    skip = int(skip_self)  # leave-one-out: each query is a row, its own best match
    exact = np.argsort(-(queries @ rows.T), axis=1)[:, skip:10 + skip]
    for label, (module, build) in GRAPHS.items():
        if importlib.util.find_spec(module) is None:
            print(f"{name:>9} {label:<15} skipped: {module} is not installed", flush=True)
            continue
        started = time.perf_counter()
        search = build(rows)
        built = time.perf_counter() - started
        for ef in efs:
            started = time.perf_counter()
            found = search(queries, ef, 10 + skip)[:, skip:]
            per_query = (time.perf_counter() - started) / len(queries)
            recall = np.mean([len(set(f[:10]) & set(e)) / 10 for f, e in zip(found, exact,
                                                                             strict=True)])
            print(f"{name:>9} {label:<15} n={len(rows):>9,} build {built:6.1f} s  ef {ef:>4} "
                  f"{per_query * 1000:6.2f} ms/query  recall@10 {recall:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--photos", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--ef", default="128,512")
    args = parser.parse_args()
    efs = [int(e) for e in args.ef.split(",")]
    rng = np.random.default_rng(0)
    compare("random", unit(rng.standard_normal((args.faces, DIMS))),
            unit(rng.standard_normal((QUERIES, DIMS))), efs)
    real = real_embeddings(args.photos)
    if real is None:
        print(f"real-like and real skipped: no face photos under {args.photos}")
        return
    shape = np.linalg.cholesky(np.cov(real.T) + 1e-6 * np.eye(DIMS))
    mean = real.mean(axis=0)
    like = unit(mean + rng.standard_normal((args.faces + QUERIES, DIMS)) @ shape.T)
    compare("real-like", like[QUERIES:], like[:QUERIES], efs)
    compare("real", real, real, efs, skip_self=True)


if __name__ == "__main__":
    main()
