"""What a detector sees: face crops or whole frames, turned into the tensor its manifest describes.

Detectors are trained on a particular framing (a square crop a little wider than the face) and a
particular normalisation; feeding them anything else makes their output meaningless. So crop
geometry and pixel preprocessing are spelt out here, deterministic, and tested by exact values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from enrichment.onnx_input import pixel_tensor
from enrichment.signals.detector_manifest import InputSpec
from kernel.frames import Frame, frame_key
from kernel.records import Face

CropBox = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive ends) in frame pixels


def face_crop_box(bbox: tuple[float, float, float, float], margin: float,
                  frame_width: int, frame_height: int) -> CropBox | None:
    """A square around the face box, `margin` × its longer side wider on every side, clipped.

    None when nothing of the square lies inside the frame (or the box is degenerate).
    """
    x, y, w, h = bbox
    if not all(math.isfinite(v) for v in bbox) or w <= 0 or h <= 0:
        return None
    side = max(w, h) * (1.0 + 2.0 * margin)
    cx, cy = x + w / 2.0, y + h / 2.0
    x0 = max(0, round(cx - side / 2.0))
    y0 = max(0, round(cy - side / 2.0))
    x1 = min(frame_width, round(cx + side / 2.0))
    y1 = min(frame_height, round(cy + side / 2.0))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def face_crops(frames: Sequence[Frame], faces: Sequence[Face], margin: float) -> list[np.ndarray]:
    """RGB crops (views into the frames) of every face whose frame is among `frames`."""
    by_ts = {frame_key(frame.ts): frame for frame in frames}
    crops: list[np.ndarray] = []
    for face in faces:
        frame = by_ts.get(frame_key(face.frame_ts))
        if frame is None:
            continue
        height, width = frame.rgb.shape[:2]
        box = face_crop_box(face.bbox, margin, width, height)
        if box is not None:
            x0, y0, x1, y1 = box
            crops.append(frame.rgb[y0:y1, x0:x1])
    return crops


def _resized(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    if rgb.shape[0] == height and rgb.shape[1] == width:
        return rgb
    shrinking = rgb.shape[0] * rgb.shape[1] > width * height
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(rgb), (width, height), interpolation=interpolation)


def to_tensor(images: Sequence[np.ndarray], spec: InputSpec) -> np.ndarray:
    """A float32 batch: resized, channel-ordered, (pixel · scale − mean) / std, laid out."""
    return pixel_tensor(np.stack([_resized(image, spec.width, spec.height) for image in images]),
                        spec)
