"""Temporal landmark jitter: does a tracked face's inner geometry flicker from frame to frame?

Face swaps are usually rendered frame by frame, so the swapped face's eyes, nose and mouth can
wobble relative to each other in a way a real, moving head does not. For every interior frame t
of a track we align its neighbours' five landmarks onto frame t with a least-squares similarity
transform (removing the whole face's motion: shift, turn in the image plane, zoom), predict frame
t's landmarks by linear interpolation in time between the aligned neighbours (removing slow,
steady changes such as a smile forming), and measure what is left, in units of the eye distance.
That is normalised so that per-frame white noise of sigma (fraction of eye distance) on each
coordinate reads as roughly sigma. Head turns out of the image plane also leave some residual.

Reference (the z-score's null): a steady face whose landmarks a detector places with independent
noise of REFERENCE_SIGMA (2 %) of the eye distance, at exactly this track's timestamps and with
its mean shape, simulated REFERENCE_RUNS times with a fixed seed and measured the same way. A
positive z means more jitter than that nominal detector precision; the 2 % is an assumption,
not a calibration on labelled video.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kernel.records import Face

MIN_FRAMES = 3
REFERENCE_SIGMA = 0.02  # nominal landmark precision, fraction of the inter-ocular distance
REFERENCE_RUNS = 256
MIN_EYE_PX = 4.0  # eyes closer than this (in pixels) cannot normalise anything
_SEED = 20240611


@dataclass(frozen=True)
class TrackJitter:
    track: int
    frames: int
    jitter: float  # residual landmark wobble, fraction of the eye distance
    reference_mean: float
    reference_std: float
    z: float


def track_jitter(faces: Sequence[Face]) -> list[TrackJitter]:
    """Jitter of every track with at least MIN_FRAMES usable frames, ordered by track number."""
    by_track: dict[int, dict[float, Face]] = {}
    for face in faces:
        if face.track is None or face.frame_ts is None or not _usable(face):
            continue
        frames = by_track.setdefault(int(face.track), {})
        best = frames.get(face.frame_ts)
        if best is None or face.det_score > best.det_score:
            frames[face.frame_ts] = face
    results = []
    for track in sorted(by_track):
        frames = by_track[track]
        if len(frames) < MIN_FRAMES:
            continue
        times = np.array(sorted(frames), dtype=np.float64)
        points = np.array([_complex_points(frames[t]) for t in sorted(frames)])
        results.append(_measure(track, times, points))
    return results


def _usable(face: Face) -> bool:
    if not np.isfinite(face.frame_ts or 0.0):
        return False
    try:
        marks = np.asarray(face.landmarks, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if marks.shape != (5, 2) or not np.all(np.isfinite(marks)):
        return False
    return bool(np.hypot(*(marks[0] - marks[1])) >= MIN_EYE_PX)


def _complex_points(face: Face) -> np.ndarray:
    marks = np.asarray(face.landmarks, dtype=np.float64)
    return marks[:, 0] + 1j * marks[:, 1]


def _measure(track: int, times: np.ndarray, points: np.ndarray) -> TrackJitter:
    jitter = float(_jitter(times, points[None])[0])
    mean_shape = _mean_shape(points)
    rng = np.random.default_rng(_SEED)
    noise = rng.normal(size=(REFERENCE_RUNS, len(times), 5, 2)) * REFERENCE_SIGMA
    simulated = mean_shape[None, None] + (noise[..., 0] + 1j * noise[..., 1])
    reference = _jitter(times, simulated)
    ref_mean, ref_std = float(reference.mean()), float(reference.std(ddof=1))
    z = (jitter - ref_mean) / max(ref_std, 1e-6)
    return TrackJitter(track, len(times), jitter, ref_mean, ref_std, float(z))


def _jitter(times: np.ndarray, points: np.ndarray) -> np.ndarray:
    """RMS interpolation residual per run; points: (runs, frames, 5) complex pixel positions."""
    before, here, after = points[:, :-2], points[:, 1:-1], points[:, 2:]
    span = times[2:] - times[:-2]
    w_before = ((times[2:] - times[1:-1]) / span)[None, :, None]
    w_after = ((times[1:-1] - times[:-2]) / span)[None, :, None]
    predicted = w_before * _align(before, here) + w_after * _align(after, here)
    eye_distance = np.abs(here[..., 0] - here[..., 1])[..., None]
    scale = np.sqrt(1.0 + w_before**2 + w_after**2)
    residual = (here - predicted) / (eye_distance * scale)
    return np.sqrt((np.abs(residual) ** 2).mean(axis=(1, 2)) / 2.0)


def _align(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares similarity (complex a·z + b) of source onto target over the last axis."""
    src = source - source.mean(axis=-1, keepdims=True)
    dst_mean = target.mean(axis=-1, keepdims=True)
    gain = (np.conj(src) * (target - dst_mean)).sum(axis=-1, keepdims=True)
    gain = gain / np.maximum((np.abs(src) ** 2).sum(axis=-1, keepdims=True), 1e-12)
    return gain * src + dst_mean


def _mean_shape(points: np.ndarray) -> np.ndarray:
    """The track's mean landmark shape in eye-distance units (every frame aligned to the first)."""
    anchor = points[0]
    aligned = _align(points, np.broadcast_to(anchor, points.shape))
    shape = aligned.mean(axis=0)
    shape = shape - shape.mean()
    return shape / max(float(np.abs(shape[0] - shape[1])), 1e-12)
