"""Enrollment refuses photos that would make poor templates, saying what to change."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from jikimi import registry
from jikimi.enrollment import enroll, photo_template
from kernel.errors import EnrollmentRefused
from kernel.ports import DetectedFace, FaceEngine
from kernel.settings import Settings
from search.crypto import TemplateCipher
from search.sqlite.store import SqliteStore
from tests.face_photos import engine_settings, photo


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return engine_settings(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def engine(settings: Settings) -> FaceEngine:
    return registry.open_face_engine(settings)


def jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=95)
    return out.getvalue()


class TurnedFaces:
    """The real engine, but every detected face's nose is moved sideways (a turned head)."""

    def __init__(self, inner: FaceEngine) -> None:
        self.inner, self.model_id, self.dims = inner, inner.model_id, inner.dims

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        turned = []
        for face in self.inner.detect(rgb):
            landmarks = face.landmarks.copy()
            eye_distance = float(np.linalg.norm(landmarks[1] - landmarks[0]))
            landmarks[2, 0] += 0.5 * eye_distance
            turned.append(replace(face, landmarks=landmarks))
        return turned

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        return self.inner.embed(rgb, faces)


def test_a_clear_photo_becomes_a_template(engine: FaceEngine, settings: Settings) -> None:
    template = photo_template(jpeg(photo("person_a_1")), "a.jpg", "p1", engine, settings)
    assert template.embedding.shape == (engine.dims,)


@pytest.mark.parametrize(("change", "words"), [
    (lambda rgb: cv2.GaussianBlur(rgb, (0, 0), 3), "blurred"),
    (lambda rgb: cv2.resize(rgb, (rgb.shape[1] // 6, rgb.shape[0] // 6)), "too small"),
])
def test_blurred_and_tiny_faces_are_refused(engine, settings, change, words) -> None:
    source = "person_a_1" if words == "blurred" else "person_a_2"
    with pytest.raises(EnrollmentRefused, match=words) as refused:
        photo_template(jpeg(change(photo(source))), "bad.jpg", "p1", engine, settings)
    assert str(refused.value).startswith("bad.jpg: ")
    assert "photo" in str(refused.value)  # it asks for a better photo


def test_a_turned_face_is_refused(engine: FaceEngine, settings: Settings) -> None:
    with pytest.raises(EnrollmentRefused, match="turned away"):
        photo_template(jpeg(photo("person_b_1")), "side.jpg", "p1", TurnedFaces(engine),
                       settings)


def test_limits_are_settings(engine: FaceEngine, settings: Settings) -> None:
    lenient = settings.model_copy(update={"matching": settings.matching.model_copy(
        update={"enroll_min_sharpness": 0.0})})
    blurred = jpeg(cv2.GaussianBlur(photo("person_a_1"), (0, 0), 3))
    assert photo_template(blurred, "b.jpg", "p1", engine, lenient).person_id == "p1"


def test_one_bad_photo_is_refused_on_its_own_and_alone_it_stores_nothing(
    engine: FaceEngine, settings: Settings, tmp_path: Path
) -> None:
    # Issue 11 changed this deliberately: a refused photo no longer sinks the others (it used to
    # refuse the whole enrollment); it gets its own verdict, and only when no photo is usable is
    # the enrollment refused, storing nothing.
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes(jpeg(photo("person_a_1")))
    bad.write_bytes(jpeg(cv2.GaussianBlur(photo("person_a_2"), (0, 0), 12)))
    store = SqliteStore(":memory:", TemplateCipher.generate())
    with pytest.raises(EnrollmentRefused, match="bad.jpg"):
        enroll(store, engine, settings, name="Ana", photos=[bad], actor="op")
    assert store.list_persons() == [] and store.template_models() == []
    assert store.list_cases() == []
    result = enroll(store, engine, settings, name="Ana", photos=[good, bad], actor="op")
    assert result.templates == 1
    assert [(v.photo, v.code) for v in result.photos] == [(str(good), "ok"),
                                                          (str(bad), "poor_quality")]
    assert "blurred" in result.photos[1].en and "흐립니다" in result.photos[1].ko
