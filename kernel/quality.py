"""Face quality: is this face good enough to enroll, or to alert on?

A template made from a tiny, blurred or turned face matches its owner poorly and strangers too
well, so enrollment refuses such photos with a message saying what to change. On the probe side
(a crawled face) the image is gone by matching time, so only what the Face record keeps can be
judged: the box size, the 5 landmarks (pose) and the detector's score. A poor probe needs a
higher similarity before it alerts; below that it goes to operator review as "uncertain".

Pose is measured without a pose model: the nose tip's sideways offset from the eyes' midpoint,
in inter-eye distances (0 frontal, about 0.5 for a strong profile), which the 5-point detectors
give for free.

These are values and rules only: the sharpness of a detected face is measured on its pixels in
`enrichment.faces.quality`; matching judges probes, enrollment judges photos, both by these rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kernel.records import Face
from kernel.settings import MatchingSettings


@dataclass(frozen=True)
class FaceQuality:
    face_px: float  # the shorter side of the detector's box, in source pixels
    yaw: float  # nose offset from the eyes' midpoint, in inter-eye distances
    det_score: float
    sharpness: float | None = None  # Laplacian variance of the aligned crop (None: not measured)


def yaw_of(landmarks: Sequence[Sequence[float]] | np.ndarray) -> float:
    points = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    right_eye, left_eye, nose = points[0], points[1], points[2]
    eye_line = left_eye - right_eye
    distance = float(np.linalg.norm(eye_line))
    if distance < 1e-6:
        return float("inf")  # eyes on top of each other: no frontal face
    offset = float(np.dot(nose - (right_eye + left_eye) / 2, eye_line / distance))
    return abs(offset) / distance


def probe_quality(face: Face) -> FaceQuality:
    return FaceQuality(
        face_px=float(min(face.bbox[2], face.bbox[3])), yaw=yaw_of(face.landmarks),
        det_score=float(face.det_score),
    )


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an enrollment photo, as a request in English and in Korean."""

    code: str  # too_small, blurred, turned, hard_to_see
    en: str
    ko: str


def problem_texts(size: str, least: str) -> dict[str, Problem]:
    """Every enrollment problem's request, by code; `size` and `least` fill the too-small one
    (the browser's enrollment gets these with placeholders, so both say the same words)."""
    return {
        "too_small": Problem(
            "too_small",
            f"the face is too small ({size} px; at least {least} px): use a closer or larger "
            "photo",
            f"얼굴이 너무 작습니다({size} px, 최소 {least} px). 더 가까이에서 찍은 사진이나 더 큰 "
            "사진을 사용해 주세요"),
        "blurred": Problem(
            "blurred", "the face is blurred: use a sharp, well-lit photo",
            "얼굴이 흐립니다. 선명하고 밝은 사진을 사용해 주세요"),
        "turned": Problem(
            "turned", "the face is turned away: use a photo looking at the camera",
            "얼굴이 옆으로 돌아가 있습니다. 카메라를 정면으로 바라보는 사진을 사용해 주세요"),
        "hard_to_see": Problem(
            "hard_to_see",
            "the face is hard to see (covered, dark or unusual angle): use a clear photo",
            "얼굴이 잘 보이지 않습니다(가려짐, 어두움, 특이한 각도). 얼굴이 잘 보이는 사진을 "
            "사용해 주세요"),
    }


def enrollment_problem_list(quality: FaceQuality, settings: MatchingSettings) -> list[Problem]:
    """What is wrong with an enrollment photo's face, as requests a person can act on."""
    failing = {
        "too_small": quality.face_px < settings.enroll_min_face_px,
        "blurred": quality.sharpness is not None
        and quality.sharpness < settings.enroll_min_sharpness,
        "turned": quality.yaw > settings.enroll_max_yaw,
        "hard_to_see": quality.det_score < settings.enroll_min_det_score,
    }
    texts = problem_texts(f"{quality.face_px:.0f}", str(settings.enroll_min_face_px))
    return [texts[code] for code, failed in failing.items() if failed]


def enrollment_problems(quality: FaceQuality, settings: MatchingSettings) -> list[str]:
    """The problems of `enrollment_problem_list`, in English."""
    return [problem.en for problem in enrollment_problem_list(quality, settings)]


def probe_is_poor(quality: FaceQuality, settings: MatchingSettings) -> bool:
    """A crawled face too small, too turned or too unsure to alert on at the normal threshold."""
    return (
        quality.face_px < settings.probe_min_face_px
        or quality.yaw > settings.probe_max_yaw
        or quality.det_score < settings.probe_min_det_score
    )
