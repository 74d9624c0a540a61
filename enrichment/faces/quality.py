"""Quality measured on a detected face's pixels: what enrollment judges a photo by.

The rules that turn these figures into a verdict, and the figures that need no pixels (size,
pose, detector score), are in `kernel.quality`, shared with matching.
"""

from __future__ import annotations

import cv2
import numpy as np

from enrichment.faces.align import align_face
from kernel.ports import DetectedFace
from kernel.quality import FaceQuality, yaw_of


def sharpness_of(rgb: np.ndarray, face: DetectedFace) -> float:
    """Variance of the Laplacian of the aligned grey crop: low when blurred or upscaled."""
    crop = align_face(rgb, face.landmarks)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def detected_quality(rgb: np.ndarray, face: DetectedFace) -> FaceQuality:
    return FaceQuality(
        face_px=float(min(face.bbox[2], face.bbox[3])), yaw=yaw_of(face.landmarks),
        det_score=float(face.score), sharpness=sharpness_of(rgb, face),
    )
