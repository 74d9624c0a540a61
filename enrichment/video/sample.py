"""What sampling a video (or an animated image) hands to the rest of enrichment.

One record for both decoders (PyAV for real video, Pillow for GIF/WebP/APNG), so the enrichment
stage stores duration, resolution and codec the same way and runs the same per-frame steps. The
notes say in plain words what was left out (a cap hit, a truncated stream), because a result from
part of a video must never look like a result from all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kernel.frames import Frame


@dataclass
class VideoSample:
    frames: list[Frame]  # sorted by ts; reason "fps" (exact timestamps) or "scene" (a cut)
    duration: float | None  # seconds, as the container declares it (None: unknown)
    width: int  # of the sampled frames (rotation metadata applied)
    height: int
    codec: str  # decoder name, e.g. "h264", "vp9", "mpeg4", "gif", "webp", "apng"
    container: str  # e.g. "mp4", "mov", "m4v", "webm", "matroska", "gif"
    fps: float | None  # average frame rate the container declares
    frames_decoded: int  # decoded frames looked at (not the number sampled)
    truncated: bool = False  # the stream ended or broke before its declared end
    notes: list[str] = field(default_factory=list)  # one plain line per thing left out
    rotation: int = 0  # degrees counter-clockwise applied from the display matrix
