"""A decoded picture and where it sits in time: what every per-frame step consumes.

A still image is one frame with `ts=None`; a video (or an animated GIF/WebP, treated as a short
video) is the frames sampled at exact timestamps. Keeping one shape lets face detection, PDQ and
the synthetic-media signals treat images and videos alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

FrameReason = Literal["still", "fps", "scene"]


@dataclass
class Frame:
    rgb: np.ndarray  # (H, W, 3) uint8, C-contiguous
    ts: float | None  # seconds from the start; None for a still image
    reason: FrameReason = "still"  # why it was sampled: regular interval or a scene change


def frame_key(ts: float | None) -> float | None:
    """The key that ties a face (`Face.frame_ts`) to its frame (`Frame.ts`): times rounded to the
    millisecond, as stored; None for a still image."""
    return None if ts is None else round(float(ts), 3)
