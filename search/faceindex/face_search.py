"""Retroactive search over the int8 index: the `FaceIndex` port for stores with a face feed.

Only templates the store holds for their person (same id, person, model and vector) can be
searched: this is not a search by arbitrary face. Each search first catches the index up with
the store, scans it for candidates (every face whose similarity can reach the threshold), reads
those back from the store and re-scores them exactly, so it yields exactly the faces at or above
the threshold, as the full scan did.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np

from kernel.errors import StoreError
from kernel.ports import IndexedStore
from kernel.records import Face, Template
from search.faceindex.index import Int8FaceIndex
from search.faceindex.quantize import code_queries

EXACT_SLACK = 1e-6  # float32 rounding between matrix products of different shapes
FETCH = 2000  # candidates read back from the store per query
Match = tuple[Face, int, float]


class IndexedFaceSearch:
    def __init__(self, index: Int8FaceIndex, store: IndexedStore) -> None:
        self.index = index
        self._store = store
        self._feed = store

    def search_faces(self, templates: Sequence[Template],
                     min_similarity: float) -> Iterator[Match]:
        if not templates:
            return iter(())
        model_id, queries = self._enrolled(templates)
        model = self.index.model(self._feed, model_id)
        seqs = model.candidates(code_queries(queries), min_similarity, self.index.product)
        return self._rescored(model_id, seqs, queries, min_similarity)

    def template_scores(self, templates: Sequence[Template]) -> Iterator[np.ndarray]:
        if not templates:
            return iter(())
        model_id, queries = self._enrolled(templates)
        model = self.index.model(self._feed, model_id)
        return model.estimates(code_queries(queries), self.index.product)

    def sync(self, *, compact: bool = False) -> dict[str, int]:
        counts: Counter[str] = Counter()
        # models indexed already, and those someone is enrolled with (the ones searched)
        models = sorted({*self.index.model_ids(), *self._store.template_models()})
        cursors = [self.index.model(self._feed, m, counts, compact=compact).cursor
                   for m in models]
        if compact:
            self._feed.forget_removals(min(cursors, default=self._feed.face_feed().mark))
        return {"models": len(models)} | {key: counts[key] for key in
                                          ("added", "removed", "purged", "rebuilt")}

    def _enrolled(self, templates: Sequence[Template]) -> tuple[str, np.ndarray]:
        model_id = templates[0].model_id
        if any(t.model_id != model_id for t in templates):
            raise StoreError("search_faces takes templates of one model at a time")
        stored = {t.template_id: t for t in self._store.templates(model_id)}
        for t in templates:
            held = stored.get(t.template_id)
            if held is None or held.person_id != t.person_id or held.embedding.shape != (
                    t.embedding.shape) or not np.allclose(held.embedding, t.embedding, atol=1e-6):
                raise StoreError(f"template {t.template_id} is not enrolled: only enrolled "
                                 "people's templates can be searched")
        return model_id, np.stack([t.embedding for t in templates]).astype(np.float32)

    def _rescored(self, model_id: str, seqs: np.ndarray, queries: np.ndarray,
                  min_similarity: float) -> Iterator[Match]:
        for start in range(0, len(seqs), FETCH):
            found = self._feed.faces_at(model_id, seqs[start:start + FETCH].tolist())
            if not found:
                continue
            faces = [face for _, face in found]
            similarity = np.stack([f.embedding for f in faces]).astype(np.float32) @ queries.T
            for fi, qi in zip(*np.nonzero(similarity >= min_similarity - EXACT_SLACK),
                              strict=True):
                yield faces[int(fi)], int(qi), float(similarity[fi, qi])
