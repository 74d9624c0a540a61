"""The offline YuNet + SFace engine on the demo photos: detection, alignment, embeddings, matching.

Similarities measured here (cosine, fit-640 detection): person_a 0.606, person_b 0.768; the
highest different-person pair 0.213 (person_a_2 vs impostor_2). Threshold 0.40.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from enrichment.faces.align import ARCFACE_TEMPLATE, align_face, similarity_transform
from enrichment.faces.sessions import resolve_providers
from enrichment.faces.yunet_sface import MODEL_ID, YuNetSFaceEngine
from jikimi import registry
from kernel.ports import FaceEngine
from tests.face_photos import NAMES, SAME_PERSON, engine_settings, identity, photo, side_by_side


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def engine(data_dir: Path) -> FaceEngine:
    return registry.open_face_engine(engine_settings(data_dir))


@pytest.fixture(scope="module")
def embeddings(engine: FaceEngine) -> dict[str, np.ndarray]:
    result = {}
    for name in NAMES:
        faces = engine.detect(photo(name))
        result[name] = engine.embed(photo(name), faces[:1])[0]
    return result


def test_engine_identity(engine: FaceEngine, data_dir: Path) -> None:
    assert isinstance(engine, FaceEngine) and isinstance(engine, YuNetSFaceEngine)
    assert len(list((data_dir / "models").glob("*.onnx"))) == 2  # fixed once into <data-dir>/models
    assert engine.model_id == MODEL_ID == "yunet-2023mar+sface-2021dec"
    assert engine.dims == 128


@pytest.mark.parametrize("name", NAMES)
def test_each_demo_photo_has_exactly_one_face(engine: FaceEngine, name: str) -> None:
    faces = engine.detect(photo(name))
    assert len(faces) == 1
    face = faces[0]
    x, y, w, h = face.bbox
    height, width = photo(name).shape[:2]
    assert 0.85 < face.score <= 1.0
    assert x >= 0 and y >= 0 and x + w <= width * 1.05 and y + h <= height * 1.05
    assert w > 50 and h > 50
    right_eye, left_eye, nose, mouth_right, mouth_left = face.landmarks
    assert face.landmarks.shape == (5, 2) and face.landmarks.dtype == np.float32
    assert right_eye[0] < nose[0] < left_eye[0]  # person's right eye is on the image's left
    assert mouth_right[0] < mouth_left[0]
    assert max(right_eye[1], left_eye[1]) < nose[1] < min(mouth_right[1], mouth_left[1])
    assert x < nose[0] < x + w and y < nose[1] < y + h


def test_blank_image_has_no_face(engine: FaceEngine) -> None:
    assert engine.detect(np.full((480, 640, 3), 200, dtype=np.uint8)) == []
    assert engine.embed(np.zeros((10, 10, 3), np.uint8), []).shape == (0, 128)


def test_two_photos_side_by_side_give_two_faces(engine: FaceEngine) -> None:
    canvas = side_by_side(photo("person_b_1"), photo("impostor_2"))
    faces = engine.detect(canvas)
    assert len(faces) == 2
    assert faces[0].score >= faces[1].score
    centres = sorted(face.bbox[0] + face.bbox[2] / 2 for face in faces)
    split = photo("person_b_1").shape[1]
    assert centres[0] < split < centres[1]
    vectors = engine.embed(canvas, faces)
    alone = engine.embed(photo("person_b_1"), engine.detect(photo("person_b_1")))[0]
    left = int(np.argmin([face.bbox[0] for face in faces]))
    assert float(vectors[left] @ alone) > 0.9


def test_large_image_is_scaled_for_detection_but_answers_in_source_pixels(
    engine: FaceEngine,
) -> None:
    small = photo("person_a_1")  # 204x244: detected at native size
    big = cv2.resize(small, (small.shape[1] * 4, small.shape[0] * 4))  # long side 976 > 640
    face_small, face_big = engine.detect(small)[0], engine.detect(big)[0]
    tolerance = 0.08 * face_small.bbox[2]  # detector jitter between scales, not a mapping error
    np.testing.assert_allclose(np.array(face_big.bbox) / 4, face_small.bbox, atol=tolerance)
    np.testing.assert_allclose(face_big.landmarks / 4, face_small.landmarks, atol=tolerance)


def test_min_face_size_and_score_filters(data_dir: Path) -> None:
    tiny = cv2.resize(photo("person_a_2"), (40, 50), interpolation=cv2.INTER_AREA)  # face ~20 px
    assert registry.open_face_engine(engine_settings(data_dir)).detect(tiny) == []
    lenient = registry.open_face_engine(engine_settings(data_dir, min_face_px=8))
    assert len(lenient.detect(tiny)) == 1
    strict = registry.open_face_engine(engine_settings(data_dir, det_threshold=0.99))
    assert strict.detect(photo("person_a_1")) == []


def test_build_engine_reuses_loaded_models(data_dir: Path, engine: FaceEngine) -> None:
    assert registry.open_face_engine(engine_settings(data_dir)) is engine
    assert registry.open_face_engine(engine_settings(data_dir, det_size=320)) is not engine


def test_embeddings_are_unit_norm_and_deterministic(
    engine: FaceEngine, embeddings: dict[str, np.ndarray]
) -> None:
    for name, vector in embeddings.items():
        assert vector.shape == (128,) and vector.dtype == np.float32
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
        again = engine.embed(photo(name), engine.detect(photo(name)))[0]
        np.testing.assert_array_equal(again, vector)


def test_same_person_matches_and_strangers_do_not(
    data_dir: Path, embeddings: dict[str, np.ndarray]
) -> None:
    threshold = engine_settings(data_dir).faces.threshold_for(MODEL_ID)
    measured = {}
    for a, b in itertools.combinations(NAMES, 2):
        similarity = float(embeddings[a] @ embeddings[b])
        measured[(a, b)] = similarity
        if identity(a) == identity(b):
            assert similarity > threshold + 0.1, (a, b, similarity)
        else:
            assert similarity < threshold - 0.1, (a, b, similarity)
    assert {pair for pair in measured if identity(pair[0]) == identity(pair[1])} == set(
        SAME_PERSON
    )


def test_similarity_transform_recovers_a_known_transform() -> None:
    angle, scale, shift = np.deg2rad(17.0), 2.5, np.array([30.0, -12.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = ARCFACE_TEMPLATE @ (scale * rotation).T + shift
    matrix = similarity_transform(ARCFACE_TEMPLATE, moved)
    np.testing.assert_allclose(matrix[:, :2], scale * rotation, atol=1e-9)
    np.testing.assert_allclose(matrix[:, 2], shift, atol=1e-9)


def test_alignment_puts_landmarks_on_the_template(engine: FaceEngine) -> None:
    rgb = photo("person_b_2")
    face = engine.detect(rgb)[0]
    crop = align_face(rgb, face.landmarks)
    assert crop.shape == (112, 112, 3) and crop.dtype == np.uint8
    matrix = similarity_transform(face.landmarks, ARCFACE_TEMPLATE)
    mapped = face.landmarks @ matrix[:, :2].T + matrix[:, 2]
    assert np.abs(mapped - ARCFACE_TEMPLATE).max() < 4.0  # a real face is close to the template


def test_default_providers_include_cpu() -> None:
    assert resolve_providers(None)[-1] == "CPUExecutionProvider"
    assert resolve_providers(["CPUExecutionProvider"]) == ("CPUExecutionProvider",)


def test_non_rgb_input_is_refused(engine: FaceEngine) -> None:
    with pytest.raises(ValueError, match="uint8 RGB"):
        engine.detect(np.zeros((10, 10), np.uint8))
