"""Retroactive search at scale: the face index against a plain numpy scan of the same faces.

`measure_search(n)` stores n random 128-d unit vectors, enrolls one person with three templates
and measures, in one run:
- `retro_search_s`: seconds per enrolled template of a hot `search_faces` at the model's
  threshold (index loaded, caught up; candidates read back and re-scored exactly);
- `index_build_s` (from the feed) and `index_load_s` (a new process opening and decrypting it);
- `exact_scan_s`: a plain numpy float32 product of every face with the templates, per template;
- `recall_at_10`: the index's exact re-scored answer at each template's exact 10th-best score,
  its top 10 against the exact top 10 (a missed face would lower it);
- `bytes_per_face`: the index folder on disk per face; `plain`: the same for unsealed blocks;
- `ann`: an HNSW index's build, query and recall (`jikimi.bench.ann`), or None.
Up to `sqlite_max` faces go through the SQLite store (its feed builds the index, as in a
deployment); larger runs feed the index straight from the generated vectors (`generated`), since
filling SQLite with ten million rows takes longer than everything measured here.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from jikimi import registry
from jikimi.bench.ann import measure_ann
from jikimi.bench.generated import MODEL, GeneratedFaces, face_id
from kernel.ports import FaceIndex, IndexedStore, Store
from kernel.records import Face, Media, Person, Template
from kernel.settings import Settings

PER_MEDIA = 1000
REPEATS = 3


def measure_search(stored_faces: int, *, work_dir: Path, dims: int = 128, seed: int = 0,
                   sqlite_max: int = 1_000_000, ann_max: int = 100_000) -> dict[str, Any]:
    work_dir.mkdir(parents=True, exist_ok=True)
    settings = _settings(work_dir / "data", "sealed")
    templates = _templates(dims, seed)
    faces = GeneratedFaces(stored_faces, dims, seed, templates)
    exact_s, top = _exact(faces, np.stack([t.embedding for t in templates]).astype(np.float32))
    result: dict[str, Any] = {"stored_faces": stored_faces, "dims": dims,
                              "exact_scan_s": exact_s / len(templates)}
    store: IndexedStore = faces
    if stored_faces <= sqlite_max:
        sqlite = registry.open_store(settings)
        started = time.perf_counter()
        _fill(sqlite, faces, templates)
        result["sqlite_fill_s"] = time.perf_counter() - started
        assert isinstance(sqlite, IndexedStore)
        store = sqlite
    result["feed"] = "sqlite" if store is not faces else "generated"
    threshold = settings.faces.threshold_for(MODEL)
    try:
        result |= _index_run(settings, store, templates, threshold, top)
        plain = _settings(work_dir / "data", "plain")
        result["plain"] = _index_run(plain, store, templates, threshold, top)
    finally:
        if isinstance(store, Store):
            store.close()
        shutil.rmtree(work_dir / "data", ignore_errors=True)
    result["ann"] = measure_ann(faces, seed) if stored_faces <= ann_max else None
    return result


def _settings(data_dir: Path, at_rest: str) -> Settings:
    return Settings.model_validate({
        "data_dir": data_dir, "security": {"allow_key_in_data_dir": True},
        "index": {"at_rest": at_rest, "folder": data_dir / f"index-{at_rest}"}})


def _templates(dims: int, seed: int) -> list[Template]:
    """Three photos of one person: near one another (cosine ~0.7), unit length."""
    rng = np.random.default_rng([seed, 1 << 30])
    base = rng.standard_normal(dims).astype(np.float32)
    rows = base / np.linalg.norm(base) + 0.65 * rng.standard_normal(
        (3, dims)).astype(np.float32) / np.sqrt(dims)
    rows = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
    return [Template(f"bench-t{i}", "bench-person", MODEL, row) for i, row in enumerate(rows)]


Top = tuple[np.ndarray, np.ndarray]  # per template: the exact top 10 seqs and scores, best first


def _exact(faces: GeneratedFaces, queries: np.ndarray) -> tuple[float, Top]:
    """Seconds of the numpy product over every face, and each template's exact top 10."""
    seconds, best_scores, best_seqs = 0.0, [], []
    _ = faces.rows(0, min(faces.count, 1000)) @ queries.T  # BLAS warms up untimed
    for first, rows in faces.chunks():
        started = time.perf_counter()
        scores = rows @ queries.T
        seconds += time.perf_counter() - started
        top = np.argpartition(-scores, min(9, len(rows) - 1), axis=0)[:10]
        best_scores.append(np.take_along_axis(scores, top, axis=0))
        best_seqs.append(top + first + 1)
    scores, seqs = np.concatenate(best_scores), np.concatenate(best_seqs)
    order = np.argsort(-scores, axis=0)[:10]
    return seconds, (np.take_along_axis(seqs, order, axis=0).T,
                     np.take_along_axis(scores, order, axis=0).T)


def _fill(store: Store, faces: GeneratedFaces, templates: list[Template]) -> None:
    for start in range(0, faces.count, PER_MEDIA):
        rows = faces.rows(start, min(start + PER_MEDIA, faces.count))
        media = Media(media_id=f"{start:064x}", kind="video", content_type="video/mp4", size=1,
                      duration=float(len(rows)))
        store.upsert_media(media)
        store.save_enrichment(media, [Face(
            media_id=media.media_id, model_id=MODEL, index=0, bbox=(0.0, 0.0, 80.0, 80.0),
            landmarks=[(0.0, 0.0)] * 5, det_score=0.9, embedding=row, frame_ts=float(i),
            track=i, face_id=face_id(start + i + 1)) for i, row in enumerate(rows)])
    store.add_person(Person(person_id="bench-person", name="Bench", ref="P-bench"), templates)


def _index_run(settings: Settings, store: IndexedStore, templates: list[Template],
               threshold: float, top: Top) -> dict[str, Any]:
    started = time.perf_counter()
    _open(settings, store).sync()
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    index = _open(settings, store)
    index.sync()  # what a new process pays before its first search
    load_s = time.perf_counter() - started
    rounds = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        found = list(index.search_faces(templates, threshold))
        rounds.append(time.perf_counter() - started)
    seqs, scores = top
    recall = [_recall(index, t, seqs[j], float(scores[j, -1])) for j, t in enumerate(templates)]
    folder = settings.face_index_dir
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"retro_search_s": float(np.median(rounds)) / len(templates),
            "index_build_s": build_s, "index_load_s": load_s, "found": len(found),
            "threshold": threshold, "recall_at_10": float(np.mean(recall)),
            "bytes_per_face": size / max(1, store.face_count(MODEL))}


def _open(settings: Settings, store: IndexedStore) -> FaceIndex:
    index = registry.open_face_index(settings, store, fresh=True)
    assert index is not None
    return index


def _recall(index: FaceIndex, template: Template, wanted: np.ndarray, tenth: float) -> float:
    """Share of the exact top 10 among the top 10 of the index's answer at the 10th score."""
    answer = sorted(index.search_faces([template], tenth - 1e-6), key=lambda m: -m[2])[:10]
    return len({m[0].face_id for m in answer} & {face_id(int(s)) for s in wanted}) / 10
