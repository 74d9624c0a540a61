"""Animated GIF, WebP and APNG as short videos: the same exact-timestamp sampling, via Pillow.

Frame times are the running sum of each frame's declared duration. Like browsers (Chromium and
Firefox), a duration of 10 ms or less, or none at all, counts as 100 ms: "0 ms" animations are
common and would otherwise collapse to an instant. A GIF with a hundred thousand one-pixel frames
is a cheap bomb, so besides the usual caps the number of frames read is capped too.
"""

from __future__ import annotations

import io
import struct
import time
import warnings
import zlib
from fractions import Fraction

import numpy as np
from PIL import Image

from enrichment.decode import to_rgb8
from enrichment.video.sample import VideoSample
from enrichment.video.timeline import THUMB_HEIGHT, THUMB_WIDTH, TimelineSampler
from kernel.errors import DecodeError, MediaTooLarge, one_line
from kernel.settings import VideoSettings

MAX_ANIMATION_FRAMES = 10_000  # frames read per animation, whatever their durations
SHORTEST_FRAME_MS = 10  # at or below this (or absent), a frame lasts ...
DEFAULT_FRAME_MS = 100  # ... this long, as browsers do
_CODECS = {"GIF": "gif", "WEBP": "webp", "PNG": "apng"}
_FAILURES: tuple[type[BaseException], ...] = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
    ZeroDivisionError, struct.error, zlib.error, MemoryError,
)


class _PilPicture:
    """The frame Pillow is positioned on; read before the next seek (the sampler does so)."""

    def __init__(self, image: Image.Image) -> None:
        self._image = image

    def rgb(self) -> np.ndarray:
        return to_rgb8(self._image)

    def thumbnail(self) -> np.ndarray:
        small = self._image.convert("L").resize((THUMB_WIDTH, THUMB_HEIGHT), Image.Resampling.BOX)
        return np.asarray(small, dtype=np.uint8)


def frame_duration(declared: object) -> Fraction:
    """Seconds one frame stays on screen, from Pillow's per-frame `duration` in milliseconds."""
    ms = declared if isinstance(declared, int | float) and declared > SHORTEST_FRAME_MS else None
    return Fraction(ms if ms is not None else DEFAULT_FRAME_MS).limit_denominator(1000) / 1000


def sample_animation(data: bytes, settings: VideoSettings, *,
                     max_animation_frames: int = MAX_ANIMATION_FRAMES) -> VideoSample:
    """Frames of an animated GIF/WebP/APNG at t = k / sample_fps (plus scene cuts)."""
    if not data:
        raise DecodeError("empty animation data")
    if len(data) > settings.max_bytes:
        raise MediaTooLarge(f"animation of {len(data)} bytes exceeds {settings.max_bytes}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _sample(data, settings, max_animation_frames)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(f"animation too large: {one_line(exc)}") from None
    except _FAILURES as exc:
        raise DecodeError(f"cannot decode animation: {one_line(exc)}") from None


def _sample(data: bytes, settings: VideoSettings, max_animation_frames: int) -> VideoSample:
    Image.init()
    with Image.open(io.BytesIO(data), formats=list(_CODECS)) as image:
        codec = _CODECS[image.format or ""]
        width, height = image.size
        if width * height > settings.max_pixels:
            raise MediaTooLarge(f"animation frame of {width}x{height} = {width * height} pixels "
                                f"exceeds {settings.max_pixels}")
        sampler = TimelineSampler(
            sample_fps=settings.sample_fps, max_frames=settings.max_frames,
            max_duration=settings.max_duration,
            scene_threshold=settings.scene_threshold if settings.scene_changes else None)
        deadline = time.monotonic() + settings.max_decode_seconds
        clock, index, stop, broken = Fraction(0), 0, "", ""
        while True:
            if index >= max_animation_frames:
                stop = f"stopped after the {max_animation_frames}-frame cap for animations"
                break
            try:
                image.seek(index)
                image.load()  # WebP sets the frame's duration only when it is loaded
            except EOFError:
                break
            except _FAILURES as exc:
                if index == 0:
                    raise
                broken = one_line(exc)  # a cut or corrupt file: keep the frames before it
                break
            start, clock = clock, clock + frame_duration(image.info.get("duration"))
            if not (sampler.offer(start, _PilPicture(image)) and sampler.flush_before(clock)):
                stop = (f"frame cap of {settings.max_frames} reached" if sampler.full
                        else f"only the first {settings.max_duration:g} s were sampled")
                break
            index += 1
            if time.monotonic() > deadline:
                stop = f"decode stopped at the {settings.max_decode_seconds:g} s time cap"
                break
    if sampler.frames_seen == 0:
        raise DecodeError(f"no decodable frame in {codec} animation")
    complete = not (stop or broken)
    frames = sampler.finish(clock if complete else None)
    notes = [f"{stop} ({float(sampler.last_time or 0):.1f} s into the animation)"] if stop else []
    if broken:
        notes.append(f"animation ended at {float(clock):.1f} s after {index} frames "
                     f"(truncated): {broken}")
    return VideoSample(
        frames=frames, duration=float(clock) if complete else None,
        width=frames[0].rgb.shape[1], height=frames[0].rgb.shape[0], codec=codec,
        container="png" if codec == "apng" else codec, truncated=bool(broken),
        fps=index / float(clock) if complete and clock else None, frames_decoded=index,
        notes=notes)
