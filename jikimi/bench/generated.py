"""Faces that exist only as a seed: a face feed of N random unit vectors, generated on demand.

Ten million faces do not fit a benchmark's time through SQLite (each is a row, a ciphertext and a
trigger), and the index does not care where its feed comes from: this feed hands out the same
vectors, chunk by chunk, to the index, to the exact scan and to the SQLite fill of smaller runs,
so all of them see one set of faces. Row r (0-based) is the face with seq r + 1 and face id
`f"{r + 1:032x}"`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from kernel.ports import FedFaces, FeedState
from kernel.records import Face, Template

CHUNK = 1 << 20  # rows held at a time for scans
PART = 4096  # rows generated from one seed: a single face is regenerated from its part alone
MODEL = "yunet-2023mar+sface-2021dec"  # the offline engine's model: its threshold applies


def face_id(seq: int) -> str:
    return f"{seq:032x}"


class GeneratedFaces:
    """An `IndexedStore` of `count` faces and one enrolled person's `templates`."""

    def __init__(self, count: int, dims: int, seed: int, templates: list[Template]) -> None:
        self.count, self.dims, self.seed = count, dims, seed
        self._templates = templates
        self._cached: tuple[int, np.ndarray] | None = None

    def chunk(self, k: int) -> np.ndarray:
        """Rows [k·CHUNK, (k+1)·CHUNK) as float32 unit vectors (the last chunk is shorter)."""
        if self._cached is None or self._cached[0] != k:
            first, stop = k * CHUNK, min((k + 1) * CHUNK, self.count)
            self._cached = (k, np.concatenate([self._part(p) for p in range(
                first // PART, -(-stop // PART))]))
        return self._cached[1]

    def _part(self, p: int) -> np.ndarray:
        n = min(PART, self.count - p * PART)
        rows = np.random.default_rng([self.seed, p]).standard_normal(
            (n, self.dims), dtype=np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return rows

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, rows) of every chunk."""
        for k in range(-(-self.count // CHUNK)):
            yield k * CHUNK, self.chunk(k)

    def rows(self, start: int, stop: int) -> np.ndarray:
        parts = []
        while start < stop:
            k, offset = divmod(start, CHUNK)
            take = min(stop - start, CHUNK - offset)
            parts.append(self.chunk(k)[offset:offset + take])
            start += take
        return np.concatenate(parts) if parts else np.zeros((0, self.dims), np.float32)

    # ---------------------------------------------------------------------- IndexedStore ---
    def face_feed(self) -> FeedState:
        return FeedState(f"generated-{self.seed}-{self.count}-{self.dims}", self.count, 0)

    def added_faces(self, model_id: str, after: int, upto: int, limit: int) -> FedFaces:
        stop = min(upto, self.count, after + limit) if model_id == MODEL else after
        return FedFaces(np.arange(after + 1, stop + 1, dtype=np.int64), self.rows(after, stop))

    def removed_faces(self, model_id: str, after: int, upto: int) -> np.ndarray:
        return np.zeros(0, dtype=np.int64)

    def face_count(self, model_id: str) -> int:
        return self.count if model_id == MODEL else 0

    def faces_at(self, model_id: str, seqs: Sequence[int]) -> list[tuple[int, Face]]:
        return [(seq, Face(media_id=f"{seq:064x}", model_id=MODEL, index=0,
                           bbox=(0.0, 0.0, 80.0, 80.0), landmarks=[(0.0, 0.0)] * 5,
                           det_score=0.9, embedding=self._part((seq - 1) // PART)[
                               (seq - 1) % PART],
                           face_id=face_id(seq)))
                for seq in sorted(seqs) if 0 < seq <= self.count and model_id == MODEL]

    def forget_removals(self, through: int) -> int:
        return 0

    def templates(self, model_id: str) -> list[Template]:
        return [t for t in self._templates if t.model_id == model_id]

    def template_models(self) -> list[str]:
        return [MODEL]
