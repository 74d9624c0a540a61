"""Forensic cues as evidence: measurements against the same image's own background, never verdicts.

No forensic cue here has been calibrated on labelled fakes, and each depends on content (a
portrait with a blurred backdrop, a JPEG's block grid, a head turning). So each is reported as
a z-score with what was measured, `synthetic=None` and no `score`: it can order a review queue
and point a reviewer at something to look at, never decide. A cue that cannot be measured (face
too small, no background room, fewer than 3 frames in a track) is left out rather than guessed.

This module walks the frames and faces and collects measurements; forensic_evidence reduces them
to one Evidence per cue. Video frames are thinned to MAX_FRAMES (evenly, preferring frames with
faces) so a long video costs about as much as a few images.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from enrichment.signals.forensic_evidence import (
    Measured,
    Measurement,
    face_evidence,
    jitter_evidence,
    spectral_evidence,
)
from enrichment.signals.forensic_face_region import FrameMaps, measure_face
from enrichment.signals.forensic_geometry import box_rect, inner_region
from enrichment.signals.forensic_spectral import (
    SpectralPeaks,
    StepMagnitudes,
    spectral_peaks,
    step_magnitudes,
)
from enrichment.signals.forensic_wording import CUE_NAMES
from kernel.errors import DecodeError
from kernel.frames import Frame, frame_key
from kernel.ports import SignalInput
from kernel.records import Evidence, Face
from kernel.settings import SignalSettings

MAX_FRAMES = 8
MIN_SIDE = 16  # frames smaller than this are not measured at all


class ForensicSignal:
    """Spectral peaks, face-vs-background sharpness/noise/boundary, and landmark jitter."""

    name = "forensics"

    def __init__(self, settings: SignalSettings) -> None:
        self.settings = settings

    def assess(self, subject: SignalInput) -> list[Evidence]:
        if not self.settings.forensics:
            return []
        faces_at = _faces_by_frame(subject.faces)
        spectra: list[SpectralPeaks] = []
        per_cue: dict[str, dict[tuple[object, ...], Measured]] = {n: {} for n in CUE_NAMES}
        for frame in _select_frames(subject.frames, faces_at):
            gray = _gray(frame.rgb)
            if gray is None:
                continue
            steps = step_magnitudes(gray)
            whole = spectral_peaks(steps)
            if whole is not None:
                spectra.append(whole)
            faces = faces_at.get(frame_key(frame.ts), [])
            if faces:
                self._measure_faces(gray, steps, frame.ts, faces, per_cue)
        evidence = []
        if spectra:
            evidence.append(spectral_evidence("spectral_upsampling_peaks", spectra, None))
        evidence.extend(face_evidence(per_cue))
        evidence.extend(jitter_evidence(subject.faces))
        return evidence

    def _measure_faces(
        self,
        gray: np.ndarray,
        steps: StepMagnitudes,
        ts: float | None,
        faces: list[Face],
        per_cue: dict[str, dict[tuple[object, ...], Measured]],
    ) -> None:
        height, width = gray.shape
        boxes = [box_rect(f.bbox, height, width) for f in faces]
        valid = [b for b in boxes if b is not None]
        maps = FrameMaps(gray)
        for face, box in zip(faces, boxes, strict=True):
            if box is None:
                continue
            group = ("track", face.track) if face.track is not None else ("face", ts, face.index)
            region = inner_region(box)
            found: dict[str, Measurement | None] = {}
            if region is not None:
                found["spectral_upsampling_peaks_face"] = spectral_peaks(steps, region)
            cues = measure_face(maps, box, valid)
            if cues is not None:
                found["face_sharpness_mismatch"] = cues.sharpness
                found["face_noise_mismatch"] = cues.noise
                found["face_blend_boundary"] = cues.boundary
            for name, value in found.items():
                if value is None:
                    continue
                slot = per_cue[name].setdefault(group, Measured([], face.track, []))
                slot.values.append(value)
                slot.frame_ts.append(ts)


def _faces_by_frame(faces: Sequence[Face]) -> dict[float | None, list[Face]]:
    grouped: dict[float | None, list[Face]] = {}
    for face in faces:
        grouped.setdefault(frame_key(face.frame_ts), []).append(face)
    return grouped


def _select_frames(
    frames: Sequence[Frame], faces_at: dict[float | None, list[Face]]
) -> list[Frame]:
    """At most MAX_FRAMES frames, evenly spread, from those with faces when there are any."""
    with_faces = [f for f in frames if frame_key(f.ts) in faces_at]
    pool = with_faces or list(frames)
    if len(pool) <= MAX_FRAMES:
        return pool
    picks = np.linspace(0, len(pool) - 1, MAX_FRAMES).round().astype(int)
    return [pool[i] for i in picks]


def _gray(rgb: np.ndarray) -> np.ndarray | None:
    """The frame in float32 grey; None when it is too small to measure."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim not in (2, 3):
        raise DecodeError("forensics: frame is not an 8-bit image array")
    if min(rgb.shape[:2]) < MIN_SIDE:
        return None
    if rgb.ndim == 2:
        return rgb.astype(np.float32)
    if rgb.ndim == 3 and rgb.shape[2] in (3, 4):
        code = cv2.COLOR_RGB2GRAY if rgb.shape[2] == 3 else cv2.COLOR_RGBA2GRAY
        return cv2.cvtColor(np.ascontiguousarray(rgb), code).astype(np.float32)
    raise DecodeError(f"forensics: frame has unsupported shape {tuple(rgb.shape)}")
