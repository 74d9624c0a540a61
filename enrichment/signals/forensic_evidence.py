"""Turning forensic measurements into Evidence records: one per cue per media item.

A media item can hold several faces and, for video, the same face in several frames. Each cue is
reported once: per face (for video, per face track, its per-frame z's reduced to their median so
one odd frame can't dominate), the face with the most extreme |z| is reported, with how many
faces and frames were measured, so the reader knows a maximum was picked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from enrichment.signals.forensic_face_region import CueValue
from enrichment.signals.forensic_spectral import SpectralPeaks
from enrichment.signals.forensic_temporal import REFERENCE_SIGMA, track_jitter
from enrichment.signals.forensic_wording import (
    face_cue_explanation,
    jitter_explanation,
    spectral_explanation,
)
from kernel.records import Evidence, Face

Measurement = CueValue | SpectralPeaks


@dataclass
class Measured:
    """One face (or face track) and its per-frame measurements of one cue."""

    values: list[Measurement]  # one per frame the face was measured in
    track: int | None
    frame_ts: list[float | None]

    def median_z(self) -> float:
        return float(np.median([v.z for v in self.values]))

    def representative(self) -> tuple[Measurement, float | None]:
        """The measurement whose z is closest to the median, and its frame time."""
        target = self.median_z()
        i = min(range(len(self.values)), key=lambda k: abs(self.values[k].z - target))
        return self.values[i], self.frame_ts[i]


def face_evidence(per_cue: dict[str, dict[tuple[object, ...], Measured]]) -> list[Evidence]:
    evidence = []
    for name, groups in per_cue.items():
        if not groups:
            continue
        chosen = max(groups.values(), key=lambda m: abs(m.median_z()))
        if name == "spectral_upsampling_peaks_face":
            peaks = [v for v in chosen.values if isinstance(v, SpectralPeaks)]
            evidence.append(spectral_evidence(name, peaks, chosen, len(groups)))
            continue
        value, ts = chosen.representative()
        if not isinstance(value, CueValue):
            continue
        z = chosen.median_z()
        numbers: dict[str, float | int] = {
            "face": round(value.face, 4),
            "background_mean": round(value.background_mean, 4),
            "background_std": round(value.background_std, 4),
            "background_patches": value.patches,
            "patch_w": value.patch_w,
            "patch_h": value.patch_h,
            "n_faces": len(groups),
        }
        numbers |= _where(chosen, ts)
        evidence.append(
            Evidence(
                kind="forensic",
                name=name,
                value=numbers,
                explanation=face_cue_explanation(name, z, value.patches, len(groups)),
                z=round(z, 3),
            )
        )
    return evidence


def spectral_evidence(
    name: str, measured: Sequence[SpectralPeaks], face: Measured | None, n_faces: int = 0
) -> Evidence:
    def median(pick: Callable[[SpectralPeaks], float]) -> float:
        return round(float(np.median([pick(m) for m in measured])), 3)

    z = median(lambda m: m.z)
    numbers: dict[str, float | int] = {
        "z_period2": median(lambda m: m.z_period2),
        "z_period4": median(lambda m: m.z_period4),
        "block_grid_z": median(lambda m: m.block_grid_z),
        "tiles": int(np.median([m.tiles for m in measured])),
        "n_frames": len(measured),
    }
    if face is not None:
        numbers["n_faces"] = n_faces
        numbers |= _where(face, None)
    explanation = spectral_explanation(z, numbers["block_grid_z"], face is not None)
    return Evidence(kind="forensic", name=name, value=numbers, explanation=explanation, z=z)


def jitter_evidence(faces: Sequence[Face]) -> list[Evidence]:
    tracks = track_jitter(faces)
    if not tracks:
        return []
    chosen = max(tracks, key=lambda t: abs(t.z))
    others = [t.jitter for t in tracks if t is not chosen]
    numbers: dict[str, float | int] = {
        "track": chosen.track,
        "frames": chosen.frames,
        "jitter_eye_fraction": round(chosen.jitter, 5),
        "reference_sigma": REFERENCE_SIGMA,
        "reference_mean": round(chosen.reference_mean, 5),
        "reference_std": round(chosen.reference_std, 5),
        "n_tracks": len(tracks),
    }
    if others:
        numbers["other_tracks_median_jitter"] = round(float(np.median(others)), 5)
    return [
        Evidence(
            kind="forensic",
            name="landmark_jitter",
            value=numbers,
            explanation=jitter_explanation(chosen.z, chosen.jitter, chosen.track, chosen.frames),
            z=round(chosen.z, 3),
        )
    ]


def _where(measured: Measured, ts: float | None) -> dict[str, float | int]:
    numbers: dict[str, float | int] = {"n_frames": len(measured.values)}
    if measured.track is not None:
        numbers["track"] = measured.track
    if ts is not None:
        numbers["frame_ts"] = round(ts, 3)
    return numbers
