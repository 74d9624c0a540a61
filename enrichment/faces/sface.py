"""SFace recognizer: aligned 112×112 RGB crops → L2-normalised 128-d float32 embeddings, batched.

The graph normalises pixels itself ((x − 127.5) / 128), so crops go in as raw 0–255 RGB floats,
exactly what OpenCV's `FaceRecognizerSF.feature` feeds it. The fixed model has a free batch
dimension, so the faces of one image (or of several, by the caller) run as one batch; batches are
capped so that a crowd photo does not allocate an unbounded tensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from enrichment.faces.align import CROP_SIZE
from enrichment.faces.sessions import get_session

EMBEDDING_DIMS = 128


class SFaceEmbedder:
    def __init__(self, model: Path, providers: Sequence[str], *, max_batch: int = 16) -> None:
        self.session = get_session(model, providers)
        self.input_name = self.session.get_inputs()[0].name
        self.max_batch = max_batch

    def embed(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """(len(crops), 128) float32 unit vectors for (112, 112, 3) uint8 RGB aligned crops."""
        if not crops:
            return np.zeros((0, EMBEDDING_DIMS), dtype=np.float32)
        for crop in crops:
            if crop.shape != (CROP_SIZE, CROP_SIZE, 3):
                raise ValueError(f"SFace needs {CROP_SIZE}x{CROP_SIZE} RGB crops, got {crop.shape}")
        parts = []
        for start in range(0, len(crops), self.max_batch):
            batch = np.stack(crops[start : start + self.max_batch]).astype(np.float32)
            blob = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
            parts.append(self.session.run(None, {self.input_name: blob})[0])
        return l2_normalise(np.concatenate(parts).astype(np.float32))


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
