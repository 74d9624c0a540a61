"""Face-versus-background cues: sharpness, noise and the blend boundary of one face.

A swapped or generated face is rendered separately and pasted into a real frame. It is often
blurrier (or crisper) than the camera's own detail around it, cleaner (denoised) or noisier than
the sensor noise in the rest of the picture, and its paste can leave an edge along the region's
border. Each quantity is measured inside the face and on background patches of the same shape
from the same image, and reported as z = (face − mean(background)) / std(background):

- sharpness: log10 of the variance of the 4-neighbour Laplacian (the classic focus measure);
- noise: log10 of a robust noise sigma: Immerkær's edge-cancelling residual, RMS per 8×8 block,
  10th percentile over the region's blocks (the flattest blocks show the noise floor, textured
  ones mostly texture), / 6 (the kernel's gain);
- boundary: log10 of the mean gradient magnitude on a thin ring along the face box, divided by
  the mean gradient inside the face region, so a textured place doesn't look like a seam.

Laplacian and gradient sums use integral images (O(1) per patch); block noise is computed once
per frame. All maps are computed once per frame and shared by every face in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from enrichment.signals.forensic_geometry import (
    FACE_INSET,
    Rect,
    background_patches,
    exclusion_zones,
    inner_region,
    zscore,
)

RING = 0.05  # ring half-thickness, as a fraction of the box's shorter side
RING_MARGIN = 0.2  # room kept around each background patch for its ring, fraction of its size
NOISE_BLOCK = 8  # pixels: noise is estimated per block, then taken from the flattest blocks
NOISE_PERCENTILE = 10  # of block noise levels: texture raises a block's residual, noise floors it
LOG_FLOOR = 0.05  # log10 units (~12 %): the least background spread a z is divided by
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


@dataclass(frozen=True)
class CueValue:
    z: float
    face: float  # the face's measurement (log10 units)
    background_mean: float
    background_std: float
    patches: int
    patch_w: int
    patch_h: int


@dataclass(frozen=True)
class FaceCues:
    sharpness: CueValue | None
    noise: CueValue | None
    boundary: CueValue | None


class FrameMaps:
    """Per-frame maps every face of the frame is measured on."""

    def __init__(self, gray: np.ndarray) -> None:
        self.height, self.width = gray.shape
        laplacian = cv2.Laplacian(gray, cv2.CV_32F, ksize=1, borderType=cv2.BORDER_REFLECT)
        self._lap_sum, self._lap_sq = cv2.integral2(laplacian, sdepth=cv2.CV_64F)
        gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
        gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
        self._grad_sum = cv2.integral(cv2.magnitude(gx, gy), sdepth=cv2.CV_64F)
        residual = cv2.filter2D(gray, cv2.CV_32F, _IMMERKAER, borderType=cv2.BORDER_REFLECT)
        rows, cols = self.height // NOISE_BLOCK, self.width // NOISE_BLOCK
        energy = residual[: rows * NOISE_BLOCK, : cols * NOISE_BLOCK] ** 2
        blocks = energy.reshape(rows, NOISE_BLOCK, cols, NOISE_BLOCK).mean(axis=(1, 3))
        self._block_sigma = np.sqrt(blocks)  # residual RMS of each 8×8 block of the frame

    def sharpness(self, r: Rect) -> float:
        n = r.w * r.h
        mean = _rect_sum(self._lap_sum, r) / n
        variance = max(_rect_sum(self._lap_sq, r) / n - mean * mean, 0.0)
        return float(np.log10(variance + 1e-6))

    def noise(self, r: Rect) -> float:
        x0, y0 = -(-r.x // NOISE_BLOCK), -(-r.y // NOISE_BLOCK)
        x1, y1 = (r.x + r.w) // NOISE_BLOCK, (r.y + r.h) // NOISE_BLOCK
        blocks = self._block_sigma[y0:y1, x0:x1]
        sigma = float(np.percentile(blocks, NOISE_PERCENTILE)) / 6.0 if blocks.size else 0.0
        return float(np.log10(sigma + 1e-3))

    def boundary(self, region: Rect) -> float | None:
        """Ring-to-interior gradient ratio for a region; None if its ring leaves the frame."""
        box = region.grown(*_inset_to_box(region))
        t = max(2, round(RING * min(box.w, box.h)))
        outer, hole = box.grown(t, t), box.grown(-t, -t)
        if not outer.inside(self.height, self.width) or min(hole.w, hole.h) <= 0:
            return None
        ring_area = outer.w * outer.h - hole.w * hole.h
        ring = (_rect_sum(self._grad_sum, outer) - _rect_sum(self._grad_sum, hole)) / ring_area
        interior = _rect_sum(self._grad_sum, region) / (region.w * region.h)
        return float(np.log10((ring + 1e-3) / (interior + 1e-3)))


def measure_face(maps: FrameMaps, box: Rect, all_boxes: Sequence[Rect]) -> FaceCues | None:
    """The three cues for the face in `box`; None when the face region is too small."""
    region = inner_region(box)
    if region is None:
        return None
    patches = background_patches(
        maps.height, maps.width, (region.w, region.h), exclusion_zones(all_boxes), RING_MARGIN
    )
    if not patches:
        return FaceCues(None, None, None)
    sharpness = _cue(maps.sharpness(region), [maps.sharpness(p) for p in patches], patches)
    noise = _cue(maps.noise(region), [maps.noise(p) for p in patches], patches)
    face_ring = maps.boundary(region)
    boundary = None
    if face_ring is not None:
        rings = [v for v in (maps.boundary(p) for p in patches) if v is not None]
        boundary = _cue(face_ring, rings, patches) if len(rings) == len(patches) else None
    return FaceCues(sharpness, noise, boundary)


def _cue(face: float, background: list[float], patches: list[Rect]) -> CueValue:
    ref = np.asarray(background)
    return CueValue(
        z=zscore(face, background, LOG_FLOOR),
        face=face,
        background_mean=float(ref.mean()),
        background_std=float(ref.std(ddof=1)),
        patches=len(patches),
        patch_w=patches[0].w,
        patch_h=patches[0].h,
    )


def _inset_to_box(region: Rect) -> tuple[int, int]:
    """How far a region grows back to its box (the inverse of inner_region's inset)."""
    scale = FACE_INSET / (1 - 2 * FACE_INSET)
    return round(region.w * scale), round(region.h * scale)


def _rect_sum(integral: np.ndarray, r: Rect) -> float:
    x1, y1 = r.x + r.w, r.y + r.h
    return float(integral[y1, x1] - integral[r.y, x1] - integral[y1, r.x] + integral[r.y, r.x])
