"""YuNet face detector: input fitting and output decoding (boxes, 5 landmarks, score, NMS).

YuNet is not SCRFD, so InsightFace's decoder does not apply; this mirrors OpenCV's
`FaceDetectorYN` (2023mar model): anchor-free heads at strides 8/16/32, score =
sqrt(clip(cls)·clip(obj)), box centre offset + log-size, landmark offsets from the cell corner.
The network takes BGR 0–255 floats. Instead of squashing every image into a 640² square (OpenCV's
habit, and slower), the image is only scaled down so its long side is at most `det_size` and then
padded on the right/bottom to a multiple of 32: fewer pixels, no aspect distortion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from enrichment.faces.sessions import get_session
from kernel.ports import DetectedFace

STRIDES = (8, 16, 32)
PAD_MULTIPLE = 32
NMS_THRESHOLD = 0.3  # OpenCV FaceDetectorYN's defaults (the browser's enrollment reads them)
TOP_K = 5000


@dataclass
class FittedInput:
    """The network input built from one image, and how to map results back to it."""

    blob: np.ndarray  # (1, 3, H, W) float32 BGR
    scale: float  # network pixels per source pixel (≤ 1)


def fit_input(rgb: np.ndarray, det_size: int) -> FittedInput:
    """Scale down (never up) so the long side ≤ det_size, pad to a multiple of 32, make a blob."""
    height, width = rgb.shape[:2]
    scale = min(1.0, det_size / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_LINEAR)
    return FittedInput(blob=padded_blob(rgb), scale=scale)


def padded_blob(rgb: np.ndarray) -> np.ndarray:
    """(1, 3, H', W') BGR float32, zero-padded on the right/bottom to multiples of 32."""
    height, width = rgb.shape[:2]
    pad_h = -(-height // PAD_MULTIPLE) * PAD_MULTIPLE
    pad_w = -(-width // PAD_MULTIPLE) * PAD_MULTIPLE
    blob = np.zeros((1, 3, pad_h, pad_w), dtype=np.float32)
    blob[0, :, :height, :width] = rgb[:, :, ::-1].transpose(2, 0, 1)
    return blob


def decode_outputs(outputs: dict[str, np.ndarray], pad_h: int, pad_w: int,
                   score_threshold: float) -> np.ndarray:
    """Raw head outputs → (N, 15) rows [x, y, w, h, 10 landmark coords, score] above threshold."""
    rows: list[np.ndarray] = []
    for stride in STRIDES:
        cols = pad_w // stride
        cls = np.clip(outputs[f"cls_{stride}"][0, :, 0], 0.0, 1.0)
        obj = np.clip(outputs[f"obj_{stride}"][0, :, 0], 0.0, 1.0)
        score = np.sqrt(cls * obj)
        keep = np.nonzero(score >= score_threshold)[0]
        if keep.size == 0:
            continue
        bbox = outputs[f"bbox_{stride}"][0, keep].astype(np.float32)
        kps = outputs[f"kps_{stride}"][0, keep].astype(np.float32)
        col = (keep % cols).astype(np.float32)
        row = (keep // cols).astype(np.float32)
        cx = (col + bbox[:, 0]) * stride
        cy = (row + bbox[:, 1]) * stride
        w = np.exp(bbox[:, 2]) * stride
        h = np.exp(bbox[:, 3]) * stride
        marks = np.empty((keep.size, 10), dtype=np.float32)
        marks[:, 0::2] = (kps[:, 0::2] + col[:, None]) * stride
        marks[:, 1::2] = (kps[:, 1::2] + row[:, None]) * stride
        rows.append(np.column_stack([cx - w / 2, cy - h / 2, w, h, marks, score[keep]]))
    if not rows:
        return np.zeros((0, 15), dtype=np.float32)
    return np.concatenate(rows).astype(np.float32)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, top_k: int) -> list[int]:
    """Greedy non-maximum suppression on (x, y, w, h) boxes; indices in descending score."""
    order = list(np.argsort(-scores, kind="stable")[:top_k])
    x1, y1 = boxes[:, 0], boxes[:, 1]
    x2, y2 = x1 + boxes[:, 2], y1 + boxes[:, 3]
    areas = boxes[:, 2] * boxes[:, 3]
    kept: list[int] = []
    while order:
        best = order.pop(0)
        kept.append(int(best))
        if not order:
            break
        rest = np.array(order)
        inter_w = np.clip(np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]), 0, None)
        inter_h = np.clip(np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]), 0, None)
        inter = inter_w * inter_h
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = [int(i) for i, o in zip(rest, iou, strict=True) if o <= iou_threshold]
    return kept


class YuNetDetector:
    """One YuNet session plus the pre/post-processing around it."""

    def __init__(self, model: Path, providers: Sequence[str], *, det_size: int = 640,
                 score_threshold: float = 0.6, nms_threshold: float = NMS_THRESHOLD,
                 top_k: int = TOP_K) -> None:
        self.session = get_session(model, providers, tensorrt=False)  # per-image input sizes
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.det_size = det_size
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.top_k = top_k

    def raw_detections(self, blob: np.ndarray) -> np.ndarray:
        """(N, 15) detections in network-input pixels for an already fitted blob, after NMS."""
        values = self.session.run(self.output_names, {self.input_name: blob})
        outputs = dict(zip(self.output_names, values, strict=True))
        rows = decode_outputs(outputs, blob.shape[2], blob.shape[3], self.score_threshold)
        if len(rows) == 0:
            return rows
        kept = nms(rows[:, :4], rows[:, 14], self.nms_threshold, self.top_k)
        return rows[kept]

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Faces in an RGB uint8 image, in source pixel coordinates, highest score first."""
        fitted = fit_input(rgb, self.det_size)
        rows = self.raw_detections(fitted.blob)
        faces = []
        for row in rows:
            x, y, w, h = (float(v) / fitted.scale for v in row[:4])
            marks = (row[4:14].reshape(5, 2) / fitted.scale).astype(np.float32)
            faces.append(DetectedFace(bbox=(x, y, w, h), landmarks=marks, score=float(row[14])))
        faces.sort(key=lambda face: face.score, reverse=True)
        return faces
