"""The ONNX detector slot: manifest checks, preprocessing, crop geometry, batching, calibration.

The models are built here with onnx.helper and output per-channel means of what they are fed,
so every expected score is computed by hand from the pixels and the manifest's normalisation.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import yaml
from onnx import TensorProto, helper

from enrichment.signals.detector import DetectorSignal, load_detector
from enrichment.signals.detector_inputs import face_crop_box
from enrichment.signals.detector_manifest import load_manifest
from kernel.errors import ConfigError
from kernel.frames import Frame
from kernel.ports import MediaSignal, SignalInput
from kernel.records import Face
from kernel.settings import SignalSettings

# colour (R, G, B) = (204, 153, 51) → scaled 0.8, 0.6, 0.2
COLOUR = (204, 153, 51)


def channel_mean_model(path: Path, layout: str, size: int = 8) -> Path:
    """A model whose output "means" (N×3) is the mean of each input channel."""
    shape: list[Any] = ["n", 3, size, size] if layout == "NCHW" else ["n", size, size, 3]
    axes = [2, 3] if layout == "NCHW" else [1, 2]
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["x"], ["means"], axes=axes, keepdims=0)],
        "channel_means",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("means", TensorProto.FLOAT, ["n", 3])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def manifest_dict(model: Path, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "test-means", "version": "1", "model_file": model.name,
        "sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
        "applies_to": "face", "face_margin": 0.0,
        "input": {"height": 8, "width": 8, "layout": "NCHW", "channel_order": "RGB",
                  "scale": "1/255", "mean": [0.5, 0.25, 0.0], "std": [0.5, 0.5, 2.0]},
        "output": {"name": "means", "index": 0, "meaning": "p_fake"},
        "calibration": "none", "licence": "CC0-1.0",
        "model_card": "https://example.org/card", "limitations": "a test model",
    }
    data.update(overrides)
    return data


def install(folder: Path, layout: str = "NCHW", **overrides: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model = channel_mean_model(folder / "means.onnx", layout)
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest_dict(model, **overrides)))
    return folder


class CountingSession:
    """A real onnxruntime session that also counts its runs (to observe batching)."""

    def __init__(self, model: Path) -> None:
        self.inner = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
        self.runs = 0

    def run(self, output_names: list[str], feed: dict[str, np.ndarray]) -> list[Any]:
        self.runs += 1
        return self.inner.run(output_names, feed)

    def get_inputs(self) -> list[Any]:
        return self.inner.get_inputs()

    def get_outputs(self) -> list[Any]:
        return self.inner.get_outputs()


def signal_for(folder: Path, batch: int = 32) -> tuple[DetectorSignal, CountingSession]:
    manifest, model = load_manifest(folder)
    session = CountingSession(model)
    return DetectorSignal(manifest, session, batch=batch), session


def solid(colour: tuple[int, int, int], height: int = 40, width: int = 60) -> np.ndarray:
    return np.full((height, width, 3), colour, dtype=np.uint8)


def face(bbox: tuple[float, float, float, float], ts: float | None = None, index: int = 0) -> Face:
    return Face(media_id="m", model_id="test", index=index, bbox=bbox, landmarks=[],
                det_score=0.9, embedding=np.zeros(4, np.float32), frame_ts=ts)


def still(rgb: np.ndarray, faces: list[Face]) -> SignalInput:
    return SignalInput(data=b"", content_type="image/png", kind="image",
                       frames=[Frame(rgb=rgb, ts=None)], faces=faces)


def test_load_detector_is_none_without_a_slot_and_builds_a_signal_with_one(tmp_path: Path) -> None:
    assert load_detector(SignalSettings(), None) is None
    folder = install(tmp_path / "slot")
    signals = SignalSettings(detector_dir=folder, detector_batch=4)
    detector = load_detector(signals, None)
    assert isinstance(detector, MediaSignal) and detector is not None
    assert detector.name == "detector" and detector.batch == 4
    evidence = detector.assess(still(solid(COLOUR), [face((10, 5, 20, 20))]))
    assert [e.name for e in evidence] == ["detector:test-means"]


@pytest.mark.parametrize(("index", "expected"), [(0, 0.6), (1, 0.7), (2, 0.1)])
def test_nchw_rgb_preprocessing_by_channel(tmp_path: Path, index: int, expected: float) -> None:
    # R: (0.8 − 0.5) / 0.5, G: (0.6 − 0.25) / 0.5, B: (0.2 − 0) / 2
    folder = install(tmp_path, output={"name": "means", "index": index, "meaning": "p_fake"})
    detector, _ = signal_for(folder)
    [evidence] = detector.assess(still(solid(COLOUR), [face((10, 5, 20, 20))]))
    assert evidence.score == pytest.approx(expected, abs=1e-5)


def test_nhwc_bgr_preprocessing_and_p_real(tmp_path: Path) -> None:
    spec = {"height": 8, "width": 8, "layout": "NHWC", "channel_order": "BGR",
            "scale": 1 / 255, "mean": [0.0, 0.25, 0.5], "std": [2.0, 0.5, 0.5]}
    detector, _ = signal_for(install(tmp_path, "NHWC", input=spec))
    pixels = [solid(COLOUR)]
    assert detector.fake_scores(pixels) == pytest.approx([0.1], abs=1e-5)  # B first: 0.2 / 2
    folder = install(tmp_path / "p_real", "NHWC", input=spec,
                     output={"name": "means", "index": 2, "meaning": "p_real"})
    detector, _ = signal_for(folder)
    assert detector.fake_scores(pixels) == pytest.approx([1 - 0.6], abs=1e-5)  # R last


def test_face_crop_box_is_a_square_with_margin_clipped_to_the_frame() -> None:
    assert face_crop_box((50, 20, 40, 40), 0.25, 200, 100) == (40, 10, 100, 70)
    assert face_crop_box((50, 20, 40, 20), 0.25, 200, 100) == (40, 0, 100, 60)
    assert face_crop_box((0, 0, 40, 20), 0.25, 200, 100) == (0, 0, 50, 40)
    assert face_crop_box((300, 300, 10, 10), 0.5, 200, 100) is None
    assert face_crop_box((10, 10, 0, 10), 0.5, 200, 100) is None


def test_crop_geometry_feeds_exactly_the_crop(tmp_path: Path) -> None:
    # Red fills exactly the expected crop (40..100 × 10..70); blue marks its 1-pixel border.
    # With an input size equal to the crop, no resizing blurs the border.
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[10:70, 40:100, 0] = 255
    frame[10:70, 40:100, 2] = 255
    frame[11:69, 41:99, 2] = 0
    spec = {"height": 60, "width": 60, "layout": "NCHW", "channel_order": "RGB",
            "scale": "1/255"}
    model = channel_mean_model(tmp_path / "means.onnx", "NCHW", size=60)
    data = manifest_dict(model, input=spec, face_margin=0.25, applies_to="face")
    detectors = {i: signal_for(install_output(model, data, i))[0] for i in (0, 2)}
    subject = still(frame, [face((50, 20, 40, 40))])
    assert detectors[0].assess(subject)[0].score == pytest.approx(1.0, abs=1e-6)
    assert detectors[2].assess(subject)[0].score == pytest.approx(236 / 3600, abs=1e-6)


def install_output(model: Path, data: dict[str, Any], index: int) -> Path:
    """A slot folder for `model` that reads column `index` of its output."""
    target = model.parent / f"out{index}"
    target.mkdir()
    shutil.copy(model, target / model.name)
    out = dict(data, output={"name": "means", "index": index, "meaning": "p_fake"})
    (target / "manifest.yaml").write_text(yaml.safe_dump(out))
    return target


def test_video_faces_batched_give_the_same_result_as_unbatched(tmp_path: Path) -> None:
    reds = [25, 51, 102, 153, 204, 255, 0]
    frames = [Frame(rgb=solid((r, 0, 0)), ts=float(i), reason="fps") for i, r in enumerate(reds)]
    faces = [face((5, 5, 20, 20), ts=float(i)) for i in range(len(reds))]
    faces.append(face((5, 5, 20, 20), ts=99.0))  # its frame was not analysed: ignored
    subject = SignalInput(data=b"", content_type="video/mp4", kind="video",
                          frames=frames, faces=faces)
    folder = install(tmp_path, input={"height": 8, "width": 8, "layout": "NCHW",
                                      "channel_order": "RGB", "scale": "1/255"})
    batched, batched_session = signal_for(folder, batch=3)
    whole, whole_session = signal_for(folder, batch=32)
    [small] = batched.assess(subject)
    [large] = whole.assess(subject)
    assert (batched_session.runs, whole_session.runs) == (3, 1)
    assert small.value == large.value
    assert small.value["n"] == 7 and small.value["faces"] == 7
    assert small.value["max"] == pytest.approx(1.0)
    assert small.value["mean"] == pytest.approx(sum(reds) / 255 / 7, abs=1e-4)


def test_platt_calibration_is_applied_and_named(tmp_path: Path) -> None:
    calibration = {"method": "platt", "a": 2.0, "b": -1.0}
    detector, _ = signal_for(install(tmp_path, calibration=calibration))
    [evidence] = detector.assess(still(solid(COLOUR), [face((10, 5, 20, 20))]))
    assert evidence.score == pytest.approx(1 / (1 + math.exp(-(2 * 0.6 - 1))), abs=1e-5)
    assert evidence.value["calibrated"] is True and evidence.synthetic is None
    assert "calibrated probability" in evidence.explanation
    assert "Platt" in evidence.explanation


def test_isotonic_calibration_interpolates(tmp_path: Path) -> None:
    calibration = {"method": "isotonic", "points": [[0.0, 0.0], [0.5, 0.1], [1.0, 0.9]]}
    detector, _ = signal_for(install(tmp_path, calibration=calibration))
    assert detector.fake_scores([solid(COLOUR)]) == pytest.approx([0.1 + 0.1 * 1.6], abs=1e-5)


def test_uncalibrated_evidence_says_it_is_not_a_probability(tmp_path: Path) -> None:
    detector, _ = signal_for(install(tmp_path))
    [evidence] = detector.assess(still(solid(COLOUR), [face((10, 5, 20, 20))]))
    assert evidence.kind == "detector" and evidence.synthetic is None
    assert evidence.value["calibrated"] is False and evidence.value["model"] == "test-means 1"
    assert "not a probability" in evidence.explanation
    assert "calibrated probability" not in evidence.explanation


def test_applies_to_face_image_or_both(tmp_path: Path) -> None:
    frame = solid(COLOUR)
    no_faces, one_face = still(frame, []), still(frame, [face((10, 5, 20, 20))])
    face_only, _ = signal_for(install(tmp_path / "f", applies_to="face"))
    image_only, _ = signal_for(install(tmp_path / "i", applies_to="image"))
    both, _ = signal_for(install(tmp_path / "b", applies_to="both"))
    assert face_only.assess(no_faces) == []
    assert image_only.assess(no_faces)[0].value["frames"] == 1
    assert image_only.assess(one_face)[0].value["faces"] == 0
    assert (both.assess(one_face)[0].value["n"], both.assess(no_faces)[0].value["n"]) == (2, 1)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"colour_space": "sRGB"}, "colour_space"),
    ({"model_file": "missing.onnx"}, "model_file"),
    ({"sha256": "0" * 64}, "sha256"),
    ({"calibration": {"method": "platt", "a": -1.0, "b": 0.0}}, "calibration.a"),
    ({"calibration": {"method": "isotonic", "points": [[0, 0.5], [1, 0.2]]}}, "calibration.points"),
    ({"calibration": {"method": "temperature"}}, "calibration"),
    ({"output": {"meaning": "maybe"}}, "output.meaning"),
    ({"input": {"height": 8, "width": 8, "layout": "NCHW", "channel_order": "RGB",
                "scale": "1/0"}}, "input.scale"),
    ({"model_file": "../means.onnx"}, "model_file"),
])
def test_bad_manifests_are_config_errors_naming_the_field(
        tmp_path: Path, overrides: dict[str, Any], field: str) -> None:
    install(tmp_path, **overrides)
    with pytest.raises(ConfigError, match=rf": {field}: ") as caught:
        load_manifest(tmp_path)
    assert "\n" not in str(caught.value)


def test_missing_or_unreadable_manifest_and_wrong_input_size(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.yaml").write_text("name: [unclosed")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_manifest(tmp_path)
    folder = install(tmp_path / "size", input={"height": 16, "width": 16, "layout": "NCHW",
                                               "channel_order": "RGB"})
    with pytest.raises(ConfigError, match="input: .*N×3×16×16"):
        signal_for(folder)
    folder = install(tmp_path / "name", output={"name": "p_fake", "meaning": "p_fake"})
    with pytest.raises(ConfigError, match="output.name: the model has no output 'p_fake'"):
        signal_for(folder)
