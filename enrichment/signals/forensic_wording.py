"""The one-line explanations of the forensic cues, kept in one place so they stay consistent.

Each line says what was measured, against what, the z-score, and that it is a cue and not a
probability: the reader may be a victim, an operator or a court, and none of these numbers has
been calibrated on labelled fakes.
"""

from __future__ import annotations

from enrichment.signals.forensic_temporal import REFERENCE_SIGMA

CUE_NAMES = (
    "spectral_upsampling_peaks_face",
    "face_sharpness_mismatch",
    "face_noise_mismatch",
    "face_blend_boundary",
)
NOT_A_PROBABILITY = "a measured cue, not a probability"

_FACE_CUES = {
    "face_sharpness_mismatch": (
        "Sharpness (Laplacian variance)",
        "sharper",
        "blurrier",
        "pasted faces are often blurrier or crisper than their surroundings",
    ),
    "face_noise_mismatch": (
        "Noise level (robust high-pass residual)",
        "noisier",
        "cleaner",
        "pasted faces are often cleaner or noisier than the camera noise around them",
    ),
    "face_blend_boundary": (
        "Edge strength along the face box border (relative to inside the face)",
        "stronger",
        "weaker",
        "a pasted face can leave a seam",
    ),
}


def face_cue_explanation(name: str, z: float, patches: int, n_faces: int) -> str:
    what, higher, lower, why = _FACE_CUES[name]
    direction = higher if z >= 0 else lower
    faces = "the face" if n_faces == 1 else f"the most unusual of {n_faces} faces"
    return (
        f"{what} of {faces} vs {patches} same-size background patches of this image: "
        f"{direction} than the background (z = {z:+.1f}); {why}; {NOT_A_PROBABILITY}."
    )


def spectral_explanation(z: float, block_grid_z: float, face: bool) -> str:
    where = "inside the face" if face else "over the whole picture"
    grid = (
        "; a JPEG/codec block grid is present too and raises these peaks"
        if block_grid_z >= 3
        else ""
    )
    return (
        f"Periodic peaks at 1/2 and 1/4 of the sampling rate in the high-pass residual's spectrum "
        f"{where}, vs neighbouring frequencies (z = {z:+.1f}), as left by up-sampling or "
        f"resizing{grid}; {NOT_A_PROBABILITY}."
    )


def jitter_explanation(z: float, jitter: float, track: int, frames: int) -> str:
    return (
        f"Face landmarks of track {track} wobble by {jitter:.1%} of the eye distance between "
        f"{frames} frames beyond the whole face's motion, vs an assumed detector precision of "
        f"{REFERENCE_SIGMA:.0%} on a steady face (z = {z:+.1f}); {NOT_A_PROBABILITY}."
    )
