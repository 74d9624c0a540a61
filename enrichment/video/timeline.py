"""Which decoded frames become samples: exact timestamps first, then the strongest scene cuts.

The frame sampled for time t is the last decoded frame whose presentation time is <= t, i.e. the
picture a player shows at t. Times are k / sample_fps as exact fractions and frame times are
pts x time_base as exact fractions, so the choice never depends on float rounding, on the decoder,
or on the run: the same bytes give the same frames. (FFmpeg's `fps` filter rounds to the nearest
frame instead and picks different ones.) Scene changes use FFmpeg's `scene` score on small
grayscale thumbnails, so the familiar 0.3-0.4 thresholds mean what they mean there; its damping
of steady motion is skipped after a picture held for 0.2 s or more (a slideshow, an animated
GIF), where every change is a cut. A cut whose decoded frame is also an fps sample (a picture
held past the next sample time) is kept once.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol

import numpy as np

from kernel.frames import Frame

THUMB_WIDTH, THUMB_HEIGHT = 64, 36  # the picture the scene score compares
SLIDE_SECONDS = Fraction(1, 5)  # a picture held this long is a slide: its change counts in full


class Picture(Protocol):
    """One decoded frame; RGB is produced only if the frame is sampled."""

    def rgb(self) -> np.ndarray: ...

    def thumbnail(self) -> np.ndarray: ...  # (THUMB_HEIGHT, THUMB_WIDTH) uint8 grayscale


def scene_score(previous: np.ndarray, current: np.ndarray,
                previous_mafd: float) -> tuple[float, float]:
    """(0-1 change score, mean absolute frame difference) as FFmpeg's `select=scene` computes it.

    The score is min(mafd, |mafd - previous mafd|) / 100 on 8-bit values: a hard cut scores high,
    while steady motion (a large but constant difference every frame) does not.
    """
    mafd = float(np.abs(current.astype(np.int16) - previous.astype(np.int16)).mean())
    score = min(mafd, abs(mafd - previous_mafd)) / 100.0
    return min(max(score, 0.0), 1.0), mafd


@dataclass
class _Decoded:
    index: int
    time: Fraction
    picture: Picture
    thumb: np.ndarray | None
    cached_rgb: np.ndarray | None = None

    def rgb(self) -> np.ndarray:
        if self.cached_rgb is None:
            self.cached_rgb = self.picture.rgb()
        return self.cached_rgb


@dataclass(order=True)
class _SceneCut:
    score: float
    neg_index: int  # at equal scores the earlier cut wins
    time: Fraction = field(compare=False)
    rgb: np.ndarray = field(compare=False)


class TimelineSampler:
    """Feed decoded frames in presentation order; collect fps samples and scene cuts within caps."""

    def __init__(self, *, sample_fps: float, max_frames: int, max_duration: float,
                 scene_threshold: float | None, expected_fps_samples: int | None = None) -> None:
        if sample_fps <= 0:
            raise ValueError("sample_fps must be positive")
        self._step = 1 / Fraction(sample_fps)
        self._max_frames = max(0, max_frames)
        self._max_duration = Fraction(max_duration)
        self._threshold = scene_threshold
        # scene cuts keep RGB until the end: hold no more than the frame cap can still take
        self._scene_capacity = max(0, self._max_frames - (expected_fps_samples or 0))
        self._k = 0
        self._prev: _Decoded | None = None
        self._prev_mafd = 0.0
        self._fps: list[tuple[int, Frame]] = []
        self._cuts: list[_SceneCut] = []
        self.frames_seen = 0
        self.out_of_order = 0
        self.full = False  # every fps sample the cap allows has been taken

    @property
    def last_time(self) -> Fraction | None:
        return None if self._prev is None else self._prev.time

    def offer(self, time: Fraction, picture: Picture) -> bool:
        """Take the next decoded frame; False when no later frame can add a sample."""
        if self._prev is not None and time < self._prev.time:
            self.out_of_order += 1
            return True
        if time >= self._max_duration:
            self._flush(self._max_duration, inclusive=False)
            return False
        self.frames_seen += 1
        current = _Decoded(self.frames_seen - 1, time, picture, None)
        if self._prev is None:
            self._prev = current  # times before the first frame show the first frame
        if not self._flush(time, inclusive=False):
            return False
        if self._threshold is not None:
            current.thumb = picture.thumbnail()
            if self._prev is not current and self._prev.thumb is not None:
                self._consider_cut(current)
        self._prev = current
        return True

    def flush_before(self, time: Fraction) -> bool:
        """Sample the current frame for every pending time < `time` (an animation knows when its
        frame ends before it decodes the next one); False once the cap is full."""
        return self._flush(time, inclusive=False)

    def _flush(self, limit: Fraction, *, inclusive: bool) -> bool:
        prev = self._prev
        while prev is not None and self._due() < self._max_duration and (
            self._due() <= limit if inclusive else self._due() < limit
        ):
            if len(self._fps) >= self._max_frames:
                self.full = True
                return False
            self._fps.append((prev.index, Frame(rgb=prev.rgb(), ts=float(self._due()),
                                                reason="fps")))
            self._k += 1
        return True

    def finish(self, end: Fraction | None) -> list[Frame]:
        """All samples sorted by time; `end`: declared duration (None: through the last frame)."""
        if self._prev is not None and not self.full:
            if end is None:
                self._flush(self._prev.time, inclusive=True)
            else:
                self._flush(end, inclusive=False)
        taken = {index for index, _ in self._fps}
        room = self._max_frames - len(self._fps)
        cuts = sorted((c for c in self._cuts if -c.neg_index not in taken), reverse=True)[:room]
        frames = [frame for _, frame in self._fps]
        frames += [Frame(rgb=c.rgb, ts=float(c.time), reason="scene") for c in cuts]
        frames.sort(key=lambda f: (f.ts, f.reason != "fps"))
        return frames

    def _due(self) -> Fraction:
        return self._k * self._step

    def _consider_cut(self, current: _Decoded) -> None:
        assert self._prev is not None and self._prev.thumb is not None and current.thumb is not None
        held = current.time - self._prev.time
        motion = 0.0 if held >= SLIDE_SECONDS else self._prev_mafd
        score, self._prev_mafd = scene_score(self._prev.thumb, current.thumb, motion)
        if self._threshold is None or score <= self._threshold or self._scene_capacity == 0:
            return
        key = _SceneCut(score, -current.index, current.time, np.empty(0, np.uint8))
        if len(self._cuts) >= self._scene_capacity and key <= self._cuts[0]:
            return
        key.rgb = current.rgb()
        heapq.heappush(self._cuts, key)
        if len(self._cuts) > self._scene_capacity:
            heapq.heappop(self._cuts)
