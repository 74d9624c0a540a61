"""Forensic cues on doctored copies of the demo photos and on synthetic patterns.

Every test compares a manipulated input with its untouched original (or a native control) and
asserts the direction the cue must move, never a magic number: the cues are content-dependent
measurements, reported as z-scores against the same image's background.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from enrichment.signals.forensics import ForensicSignal
from jikimi import registry
from kernel.errors import JikimiError
from kernel.frames import Frame
from kernel.ports import MediaSignal, SignalInput
from kernel.records import Evidence, Face
from kernel.settings import Settings, SignalSettings
from tests.face_photos import photo

SIGNAL = ForensicSignal(SignalSettings())
Detect = Callable[..., list[Face]]  # rgb, ts=None, track=None -> faces found by the real engine


@pytest.fixture(scope="module")
def detect(tmp_path_factory: pytest.TempPathFactory) -> Detect:
    engine = registry.open_face_engine(Settings(data_dir=tmp_path_factory.mktemp("data")))

    def faces_in(rgb: np.ndarray, ts: float | None = None, track: int | None = None) -> list[Face]:
        return [
            _face(d.bbox, d.landmarks.tolist(), index=i, ts=ts, track=track, score=d.score)
            for i, d in enumerate(engine.detect(rgb))
        ]

    return faces_in


def _face(
    bbox: tuple[float, float, float, float],
    landmarks: list[list[float]] | np.ndarray,
    *,
    index: int = 0,
    ts: float | None = None,
    track: int | None = None,
    score: float = 0.9,
) -> Face:
    points = [(float(x), float(y)) for x, y in np.asarray(landmarks)]
    return Face(
        media_id="media",
        model_id="model",
        index=index,
        bbox=bbox,
        landmarks=points,
        det_score=score,
        embedding=np.zeros(4, np.float32),
        frame_ts=ts,
        track=track,
    )


def _assess(rgb: np.ndarray, faces: list[Face]) -> dict[str, Evidence]:
    subject = SignalInput(b"", "image/jpeg", "image", [Frame(rgb, None)], faces)
    evidence = SIGNAL.assess(subject)
    names = [e.name for e in evidence]
    assert len(names) == len(set(names)), "each cue is reported once per media item"
    for e in evidence:
        _check_honest(e)
    return {e.name: e for e in evidence}


def _check_honest(e: Evidence) -> None:
    assert e.kind == "forensic" and e.synthetic is None and e.score is None
    assert e.z is not None and math.isfinite(e.z)
    assert "\n" not in e.explanation and "not a probability" in e.explanation
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in e.value.values())


def _box(face: Face) -> tuple[int, int, int, int]:
    x, y, w, h = (round(v) for v in face.bbox)
    return x, y, w, h


def _z(evidence: dict[str, Evidence], name: str) -> float:
    assert name in evidence, f"{name} missing from {sorted(evidence)}"
    z = evidence[name].z
    assert z is not None
    return z


def test_is_a_media_signal() -> None:
    assert isinstance(SIGNAL, MediaSignal) and SIGNAL.name == "forensics"


def test_disabled_in_settings_says_nothing() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    subject = SignalInput(b"", "image/png", "image", [Frame(rgb, None)])
    assert ForensicSignal(SignalSettings(forensics=False)).assess(subject) == []


@pytest.mark.parametrize("name", ["person_b_2", "impostor_2"])
def test_blurred_face_is_blurrier_than_its_background(detect: Detect, name: str) -> None:
    original = np.array(photo(name))
    faces = detect(original)[:1]
    x, y, w, h = _box(faces[0])
    blurred = original.copy()
    blurred[y : y + h, x : x + w] = cv2.GaussianBlur(original[y : y + h, x : x + w], (0, 0), 5)
    before = _z(_assess(original, faces), "face_sharpness_mismatch")
    after = _assess(blurred, faces)
    assert _z(after, "face_sharpness_mismatch") < -2.0
    assert _z(after, "face_sharpness_mismatch") < before - 2.0
    assert "blurrier" in after["face_sharpness_mismatch"].explanation


@pytest.mark.parametrize("name", ["person_b_1", "person_b_2"])
def test_noise_added_to_the_face_only_is_noisier_than_its_background(
    detect: Detect, name: str
) -> None:
    original = np.array(photo(name))
    faces = detect(original)[:1]
    x, y, w, h = _box(faces[0])
    noisy = original.astype(np.float32)
    noisy[y : y + h, x : x + w] += np.random.default_rng(1).normal(0, 12, (h, w, 3))
    noisy_rgb = noisy.clip(0, 255).astype(np.uint8)
    before = _z(_assess(original, faces), "face_noise_mismatch")
    after = _z(_assess(noisy_rgb, faces), "face_noise_mismatch")
    assert after > 2.0 and after > before + 1.5


@pytest.mark.parametrize("name", ["person_b_2", "impostor_2"])
def test_face_pasted_with_a_hard_seam_raises_the_boundary_cue(detect: Detect, name: str) -> None:
    original = np.array(photo(name))
    faces = detect(original)[:1]
    x, y, w, h = _box(faces[0])
    donor = np.array(photo("person_a_2"))
    dx, dy, dw, dh = _box(detect(donor)[0])
    pasted = original.copy()
    pasted[y : y + h, x : x + w] = cv2.resize(donor[dy : dy + dh, dx : dx + dw], (w, h))
    before = _z(_assess(original, faces), "face_blend_boundary")
    after = _z(_assess(pasted, faces), "face_blend_boundary")
    assert after > before + 1.0


def _noise(size: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(128, 40, (size, size, 3)).clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("interpolation", [cv2.INTER_NEAREST, cv2.INTER_LINEAR])
def test_upsampled_noise_shows_spectral_peaks_native_noise_does_not(interpolation: int) -> None:
    native = _z(_assess(_noise(768, 2), []), "spectral_upsampling_peaks")
    upsampled = cv2.resize(_noise(384, 3), (768, 768), interpolation=interpolation)
    peaks = _assess(upsampled, [])
    assert abs(native) < 3.0
    assert _z(peaks, "spectral_upsampling_peaks") > native + 4.0
    assert peaks["spectral_upsampling_peaks"].value["z_period2"] > 4.0


def test_upsampled_face_region_shows_spectral_peaks_inside_the_face() -> None:
    canvas = _noise(768, 4)
    canvas[200:520, 200:520] = cv2.resize(
        _noise(160, 5), (320, 320), interpolation=cv2.INTER_LINEAR
    )
    face = _face(
        (200.0, 200.0, 320.0, 320.0), [[300, 320], [420, 320], [360, 380], [310, 440], [410, 440]]
    )
    native = _assess(_noise(768, 4), [face])
    doctored = _assess(canvas, [face])
    key = "spectral_upsampling_peaks_face"
    assert _z(doctored, key) > _z(native, key) + 4.0


BASE_MARKS = np.array([[38.0, 52.0], [74.0, 52.0], [56.0, 72.0], [42.0, 92.0], [70.0, 92.0]])


def _track(jitter_px: float, frames: int = 8, track: int = 1, seed: int = 7) -> list[Face]:
    """A face turning, zooming and drifting smoothly, plus optional per-frame landmark noise."""
    rng = np.random.default_rng(seed)
    faces = []
    for k in range(frames):
        angle, scale = 0.03 * k, 1.0 + 0.02 * k
        rotation = scale * np.array(
            [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
        )
        marks = BASE_MARKS @ rotation.T + [300 + 5 * k, 200 + 2 * k]
        marks = marks + rng.normal(0, jitter_px, marks.shape)
        faces.append(_face((280.0, 170.0, 120.0, 140.0), marks, ts=0.5 * k, track=track))
    return faces


def _jitter(faces: list[Face]) -> Evidence | None:
    subject = SignalInput(b"", "video/mp4", "video", [], faces)
    found = {e.name: e for e in SIGNAL.assess(subject)}
    return found.get("landmark_jitter")


def test_landmark_noise_raises_jitter_above_smooth_motion() -> None:
    smooth, shaky = _jitter(_track(0.0)), _jitter(_track(2.0))
    assert smooth is not None and shaky is not None
    _check_honest(smooth)
    assert smooth.z is not None and shaky.z is not None
    assert shaky.z > smooth.z + 3.0
    assert shaky.value["jitter_eye_fraction"] > smooth.value["jitter_eye_fraction"]
    assert smooth.value["frames"] == 8 and smooth.value["n_tracks"] == 1


def test_jitter_reports_the_most_extreme_track_and_needs_three_frames() -> None:
    both = _jitter(_track(0.0, track=1) + _track(2.0, track=2, seed=8))
    assert both is not None and both.value["track"] == 2 and both.value["n_tracks"] == 2
    assert _jitter(_track(2.0, frames=2)) is None
    assert _jitter([]) is None


def test_video_reports_each_face_cue_once_over_its_frames(detect: Detect) -> None:
    rgb = np.array(photo("person_b_2"))
    frames = [Frame(rgb, float(t), "fps") for t in range(3)]
    faces = [f for t in range(3) for f in detect(rgb, ts=float(t), track=0)[:1]]
    evidence = SIGNAL.assess(SignalInput(b"", "video/mp4", "video", frames, faces))
    by_name = {e.name: e for e in evidence}
    assert len(by_name) == len(evidence)
    assert by_name["face_sharpness_mismatch"].value["n_frames"] == 3
    assert by_name["face_sharpness_mismatch"].value["track"] == 0
    assert by_name["spectral_upsampling_peaks"].value["n_frames"] == 3
    assert "landmark_jitter" in by_name


def test_same_input_gives_the_same_numbers(detect: Detect) -> None:
    rgb = np.array(photo("impostor_1"))
    faces = detect(rgb)
    first = [e.as_dict() for e in _assess(rgb, faces).values()]
    second = [e.as_dict() for e in _assess(rgb.copy(), list(faces)).values()]
    assert first == second and len(first) == 5


def test_degenerate_inputs_omit_what_cannot_be_measured() -> None:
    tiny = _noise(12, 0)
    assert _assess(tiny, [_face((2.0, 2.0, 6.0, 6.0), BASE_MARKS / 10)]) == {}
    small = _noise(100, 1)  # no full spectral tile, face too small for a region
    assert _assess(small, [_face((40.0, 40.0, 20.0, 20.0), BASE_MARKS / 3 + 30)]) == {}
    rgb = _noise(400, 2)
    whole = _assess(rgb, [_face((0.0, 0.0, 400.0, 400.0), BASE_MARKS * 4)])
    assert "face_sharpness_mismatch" not in whole and "face_blend_boundary" not in whole
    assert "spectral_upsampling_peaks" in whole
    at_border = _assess(rgb, [_face((-30.0, 150.0, 160.0, 160.0), BASE_MARKS)])
    assert "face_blend_boundary" not in at_border  # its ring leaves the frame
    mostly_outside = _assess(rgb, [_face((-150.0, 150.0, 160.0, 160.0), BASE_MARKS)])
    assert set(mostly_outside) == {"spectral_upsampling_peaks"}
    bad_box = _assess(rgb, [_face((math.nan, 0.0, -5.0, 10.0), BASE_MARKS)])
    assert set(bad_box) == {"spectral_upsampling_peaks"}
    assert set(_assess(rgb, [])) == {"spectral_upsampling_peaks"}
    flat = np.full((300, 300, 3), 128, np.uint8)
    assert _assess(flat, []) == {}


def test_a_frame_that_is_not_an_image_is_a_clear_error() -> None:
    subject = SignalInput(b"", "image/png", "image", [Frame(np.zeros((64, 64, 3)), None)])
    with pytest.raises(JikimiError, match="8-bit"):
        SIGNAL.assess(subject)


def test_grey_and_rgba_frames_are_measured() -> None:
    grey = _noise(300, 3)[..., 0]
    rgba = np.dstack([_noise(300, 3), np.full((300, 300), 255, np.uint8)])
    assert "spectral_upsampling_peaks" in _assess(grey, [])
    assert "spectral_upsampling_peaks" in _assess(rgba, [])
