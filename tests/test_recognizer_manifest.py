"""The recognizer manifest: what it must say, how it is refused, and how it turns crops into input.

Validation runs on a stand-in model file (only its bytes are hashed); loading a real model is in
test_recognizer_engine.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from enrichment.faces.align import ARCFACE_TEMPLATE, align_face, align_to
from enrichment.faces.manifest_recognizer import to_tensor
from enrichment.faces.recognizer_manifest import (
    RecognizerManifest,
    load_recognizer_manifest,
    measured_thresholds,
)
from kernel.errors import ConfigError
from kernel.measured_thresholds import MeasuredThresholds, read_measured, write_measured
from kernel.settings import FaceSettings
from tests.recognizer_folders import MODEL_ID, sface_fields, write_manifest


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "sface.onnx").write_bytes(b"stand-in weights")
    return tmp_path


def fields(folder: Path, **changes: Any) -> dict[str, Any]:
    return sface_fields(folder / "sface.onnx") | changes


def test_a_valid_manifest_loads_and_pins_its_file(folder: Path) -> None:
    write_manifest(folder, fields(folder))
    for path in (folder, folder / "manifest.yaml"):  # the folder or the file itself
        manifest, model = load_recognizer_manifest(path)
        assert (manifest.model_id, manifest.output.dims, manifest.input.size) == (MODEL_ID, 128,
                                                                                  112)
        assert model == folder / "sface.onnx"
    assert np.allclose(manifest.template(), ARCFACE_TEMPLATE)


def test_a_changed_model_file_is_refused(folder: Path) -> None:
    write_manifest(folder, fields(folder))
    (folder / "sface.onnx").write_bytes(b"other weights")
    with pytest.raises(ConfigError, match=r"sha256: sface.onnx has [0-9a-f]{64}, the manifest "
                                          r"pins [0-9a-f]{64}; refusing"):
        load_recognizer_manifest(folder)


@pytest.mark.parametrize(("change", "message"), [
    ({"sha256": "abc"}, "sha256: must be 64 hex digits"),
    ({"model_file": "../sface.onnx"}, "model_file: must be a file name relative"),
    ({"model_file": "absent.onnx"}, "model_file: cannot read absent.onnx"),
    ({"model_id": "Bad Id"}, "model_id: use lower-case"),
    ({"model_id": "yunet-2023mar+sface-2021dec"}, "model_id: .* built-in engine's id"),
    ({"model_id": "insightface-buffalo_l"}, "model_id: .* built-in engine's id"),
    ({"colour": "rgb"}, "colour: Extra inputs are not permitted"),
    ({"alignment": "mtcnn"}, "alignment: must be 'arcface' or five"),
    ({"alignment": [[38, 51], [73, 51], [56, 71], [41, 92]]}, "alignment: must be 'arcface'"),
    ({"alignment": [[38, 51], [73, 51], [56, 71], [41, 92], [170, 92]]},
     "alignment: every point must lie inside the 112 × 112 crop"),
    ({"output": {"dims": 1}}, "output.dims: Input should be greater than or equal to 2"),
    ({"licence": ""}, "licence: String should have at least 1 character"),
])
def test_bad_fields_name_the_field(folder: Path, change: dict[str, Any], message: str) -> None:
    write_manifest(folder, fields(folder, **change))
    with pytest.raises(ConfigError, match=f"recognizer manifest {folder}/manifest.yaml: {message}"):
        load_recognizer_manifest(folder)


@pytest.mark.parametrize(("change", "message"), [
    ({"layout": "NCWH"}, "input.layout: Input should be 'NCHW' or 'NHWC'"),
    ({"channel_order": "rgb"}, "input.channel_order"),
    ({"scale": "1/0"}, "input.scale: must be a number or a fraction"),
    ({"std": [1, 0, 1]}, "input.std: every std must be a positive number"),
    ({"size": 8}, "input.size: Input should be greater than or equal to 16"),
])
def test_bad_input_fields_name_the_field(folder: Path, change: dict[str, Any],
                                         message: str) -> None:
    base = fields(folder)
    write_manifest(folder, base | {"input": base["input"] | change})
    with pytest.raises(ConfigError, match=message):
        load_recognizer_manifest(folder)


def test_unreadable_manifests(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_recognizer_manifest(tmp_path / "absent")
    (tmp_path / "manifest.yaml").write_text("model_id: [unclosed\n")
    with pytest.raises(ConfigError, match=r"invalid YAML \(line 2\)"):
        load_recognizer_manifest(tmp_path)
    (tmp_path / "manifest.yaml").write_text("- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping of fields, not list"):
        load_recognizer_manifest(tmp_path)


def test_tensor_follows_order_normalisation_and_layout(folder: Path) -> None:
    base = fields(folder)
    spec = {"size": 16, "layout": "NHWC", "channel_order": "BGR", "scale": "1/255",
            "mean": [0.5, 0.25, 0.0], "std": [0.5, 0.5, 0.25]}
    manifest = RecognizerManifest.model_validate(base | {"input": spec})
    crop = np.zeros((16, 16, 3), dtype=np.uint8)
    crop[..., 0], crop[..., 1], crop[..., 2] = 255, 51, 0  # R, G, B
    tensor = to_tensor([crop, crop], manifest)
    assert tensor.shape == (2, 16, 16, 3) and tensor.dtype == np.float32
    # channels in BGR order: B=0 → (0 − .5)/.5, G=.2 → (.2 − .25)/.5, R=1 → (1 − 0)/.25
    assert np.allclose(tensor[0, 0, 0], [-1.0, -0.1, 4.0])
    nchw = RecognizerManifest.model_validate(base | {"input": spec | {"layout": "NCHW"}})
    assert to_tensor([crop], nchw).shape == (1, 3, 16, 16)


def test_explicit_points_align_like_the_named_template(folder: Path) -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (200, 180, 3), dtype=np.uint8)
    landmarks = ARCFACE_TEMPLATE + np.array([30.0, 40.0])
    points = RecognizerManifest.model_validate(fields(folder, alignment=ARCFACE_TEMPLATE.tolist()))
    crop = align_to(rgb, landmarks, points.template(), 112)
    assert np.array_equal(crop, align_face(rgb, landmarks))
    bigger = RecognizerManifest.model_validate(
        fields(folder) | {"input": fields(folder)["input"] | {"size": 224}})
    assert np.allclose(bigger.template(), ARCFACE_TEMPLATE * 2)


def measured(**changes: Any) -> MeasuredThresholds:
    values: dict[str, Any] = {
        "model_id": MODEL_ID, "sha256": "a" * 64, "threshold": 0.3, "target_far": 1e-3,
        "far": 0.0008, "tar": 0.9, "sets": ["dev"], "people": 13, "photos": 61,
        "same_pairs": 140, "different_pairs": 1690, "measured_at": datetime.now(UTC)}
    return MeasuredThresholds.model_validate(values | changes)


def test_measured_thresholds_are_read_per_model_and_settings_win(tmp_path: Path) -> None:
    faces = FaceSettings(recognizer_dir=tmp_path)
    assert read_measured(tmp_path) is None and faces.threshold_for(MODEL_ID) == 0.45
    write_measured(tmp_path, measured(threshold=0.3125))
    assert read_measured(tmp_path) == measured(threshold=0.3125,
                                               measured_at=read_measured(tmp_path).measured_at)
    assert faces.threshold_for(MODEL_ID) == 0.3125
    assert faces.threshold_for("another-model") == 0.45  # the file names its model
    explicit = FaceSettings(recognizer_dir=tmp_path, thresholds={MODEL_ID: 0.5})
    assert explicit.threshold_for(MODEL_ID) == 0.5
    write_measured(tmp_path, measured(threshold=0.35, people=14))  # a rewrite is read again
    assert faces.threshold_for(MODEL_ID) == 0.35
    (tmp_path / "thresholds.yaml").write_text("model_id: x\nthreshold: 2\n")
    with pytest.raises(ConfigError, match="thresholds.yaml: sha256: Field required"):
        faces.threshold_for(MODEL_ID)


def test_thresholds_of_another_model_file_are_refused(folder: Path) -> None:
    write_manifest(folder, fields(folder))
    manifest, _ = load_recognizer_manifest(folder)
    assert measured_thresholds(manifest, folder) is None
    write_measured(folder, measured(sha256=manifest.sha256))
    assert measured_thresholds(manifest, folder) is not None
    write_measured(folder, measured(sha256="b" * 64))
    with pytest.raises(ConfigError, match="was measured for sface-by-manifest .sha256 bbbb"):
        measured_thresholds(manifest, folder)
