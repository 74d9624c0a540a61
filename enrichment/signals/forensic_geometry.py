"""Where the forensic cues look: face regions, background patches, and the z-score they share.

Every pixel cue compares a face with *the same image's* background, never with a population we
have not measured: a face is only suspicious relative to its own surroundings (same camera, same
compression, same resizing). So we need, deterministically, a face region that is safely inside
the face (the detector box shrunk a little, so hair and background corners stay out) and a set of
patches of the same size that keep clear of every face. Patches come from a fixed grid and are
thinned evenly, so the same image always gives the same patches and the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FACE_INSET = 0.10  # fraction of the box trimmed from each side to get the inner face region
FACE_EXCLUSION = 0.25  # background patches keep this fraction of a face box's size away from it
MIN_REGION_PX = 32  # a face region (or background patch) smaller than this is not measured
MIN_VISIBLE = 0.7  # a face box must lie at least this much inside the frame
MAX_BACKGROUND = 24  # background patches per face
MIN_BACKGROUND = 6  # fewer than this: no background room, the cue is not reported
PATCH_SHRINK = 0.7  # when same-size patches don't fit, try patches this much smaller


@dataclass(frozen=True)
class Rect:
    """An axis-aligned pixel rectangle [x, x + w) × [y, y + h)."""

    x: int
    y: int
    w: int
    h: int

    def grown(self, dx: int, dy: int) -> Rect:
        return Rect(self.x - dx, self.y - dy, self.w + 2 * dx, self.h + 2 * dy)

    def inside(self, height: int, width: int) -> bool:
        return (
            self.x >= 0 and self.y >= 0 and self.x + self.w <= width and self.y + self.h <= height
        )

    def intersects(self, other: Rect) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


def box_rect(bbox: Sequence[float], height: int, width: int) -> Rect | None:
    """The detector box clipped to the frame, or None when it is invalid or mostly outside."""
    try:
        x, y, w, h = (float(v) for v in bbox)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return None
    if w <= 0 or h <= 0:
        return None
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(width), x + w), min(float(height), y + h)
    if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) < MIN_VISIBLE * w * h:
        return None
    return Rect(round(x0), round(y0), round(x1 - x0), round(y1 - y0))


def inner_region(box: Rect) -> Rect | None:
    """The face region measured: the box with FACE_INSET trimmed from each side."""
    dx, dy = round(box.w * FACE_INSET), round(box.h * FACE_INSET)
    inner = Rect(box.x + dx, box.y + dy, box.w - 2 * dx, box.h - 2 * dy)
    return inner if min(inner.w, inner.h) >= MIN_REGION_PX else None


def exclusion_zones(boxes: Sequence[Rect]) -> list[Rect]:
    return [b.grown(round(b.w * FACE_EXCLUSION), round(b.h * FACE_EXCLUSION)) for b in boxes]


def background_patches(
    height: int, width: int, size: tuple[int, int], avoid: Sequence[Rect], margin_frac: float = 0.0
) -> list[Rect]:
    """Same-size (or, failing that, smaller) patches clear of `avoid`, on a fixed grid.

    `size` is (w, h). `margin_frac` × the patch size must also be free around each patch (room for
    a boundary ring). Patches shrink by PATCH_SHRINK until MIN_BACKGROUND fit; none when even
    MIN_REGION_PX patches don't fit.
    """
    w, h = size
    while min(w, h) >= MIN_REGION_PX:
        patches = _grid_patches(height, width, w, h, avoid, margin_frac)
        if len(patches) >= MIN_BACKGROUND:
            return patches
        w, h = int(w * PATCH_SHRINK), int(h * PATCH_SHRINK)
    return []


def _grid_patches(
    height: int, width: int, w: int, h: int, avoid: Sequence[Rect], margin_frac: float
) -> list[Rect]:
    mx, my = math.ceil(w * margin_frac), math.ceil(h * margin_frac)
    found: list[Rect] = []
    for y in range(my, height - h - my + 1, max(1, h // 2)):
        for x in range(mx, width - w - mx + 1, max(1, w // 2)):
            patch = Rect(x, y, w, h)
            reach = patch.grown(mx, my)
            if not any(reach.intersects(zone) for zone in avoid):
                found.append(patch)
    if len(found) > MAX_BACKGROUND:
        picks = np.linspace(0, len(found) - 1, MAX_BACKGROUND).round().astype(int)
        found = [found[i] for i in picks]
    return found


def zscore(value: float, reference: Sequence[float], floor: float) -> float:
    """(value − mean) / std of the reference, std floored so a flat background can't explode it."""
    ref = np.asarray(reference, dtype=np.float64)
    spread = float(ref.std(ddof=1)) if ref.size > 1 else 0.0
    return float((value - ref.mean()) / max(spread, floor))
