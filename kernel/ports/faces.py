"""The face engine port: a detector + recognizer pair, and the faces it detects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass
class DetectedFace:
    bbox: tuple[float, float, float, float]  # x, y, w, h
    landmarks: np.ndarray  # (5, 2) float32: right eye, left eye, nose, mouth right, mouth left
    score: float


@runtime_checkable
class FaceEngine(Protocol):
    """A detector + recognizer pair. `model_id` is stored with every embedding it makes."""

    model_id: str
    dims: int

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Faces in an RGB uint8 image (H, W, 3), highest score first."""

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        """(len(faces), dims) float32 L2-normalised embeddings of 5-point-aligned 112×112 crops."""


@runtime_checkable
class BatchFaceEngine(FaceEngine, Protocol):
    """A face engine that embeds the faces of several images in shared recognizer batches.

    Recognizers run far better on batches than face by face, and most crawled images hold one
    face, so batches are filled across images. Engines without it are embedded image by image
    (`enrichment.batch.embed_images`)."""

    def embed_many(
        self, images: Sequence[tuple[np.ndarray, Sequence[DetectedFace]]]
    ) -> list[np.ndarray]:
        """For each (rgb, faces) pair, in order, what `embed(rgb, faces)` returns."""
