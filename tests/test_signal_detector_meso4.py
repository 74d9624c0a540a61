"""The shipped example slot (MesoNet Meso4) on real faces, when ../shared has the model.

The model is not part of the repository (operators install it), so this test skips without
../shared; it checks that the example manifest matches the real model's inputs and outputs and
that its score is reported in 0–1 as an uncalibrated ranking number.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from enrichment.signals.detector import load_detector
from jikimi import registry
from kernel.frames import Frame
from kernel.ports import SignalInput
from kernel.records import Face
from kernel.settings import Settings, SignalSettings
from tests.face_photos import NAMES, SHARED, photo

MESO4 = SHARED / "models" / "mesonet" / "meso4_DF.onnx"
EXAMPLE = Path(__file__).resolve().parents[1] / "infra" / "detectors" / "mesonet-meso4"


@pytest.fixture
def meso4_slot(tmp_path: Path) -> Path:
    if not MESO4.is_file():
        pytest.skip(f"MesoNet Meso4 model not found at {MESO4} (needs ../shared/models/mesonet)")
    slot = tmp_path / "mesonet-meso4"
    slot.mkdir()
    shutil.copy(MESO4, slot / "meso4_DF.onnx")
    manifest = yaml.safe_load((EXAMPLE / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(MESO4.read_bytes()).hexdigest()
    (slot / "manifest.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return slot


def test_meso4_scores_demo_faces_as_an_uncalibrated_ranking(tmp_path: Path,
                                                            meso4_slot: Path) -> None:
    settings = Settings(data_dir=tmp_path, signals=SignalSettings(detector_dir=meso4_slot,
                                                                  detector_batch=4))
    detector = load_detector(settings.signals, settings.faces.providers)
    assert detector is not None
    engine = registry.open_face_engine(Settings(data_dir=tmp_path))
    frames: list[Frame] = []
    faces: list[Face] = []
    for second, name in enumerate(NAMES):
        rgb = photo(name)
        found = engine.detect(rgb)
        embeddings = engine.embed(rgb, found)
        frames.append(Frame(rgb=rgb, ts=float(second), reason="fps"))
        faces += [Face(media_id="demo", model_id=engine.model_id, index=i, bbox=f.bbox,
                       landmarks=[tuple(p) for p in f.landmarks.tolist()], det_score=f.score,
                       embedding=embeddings[i], frame_ts=float(second))
                  for i, f in enumerate(found)]
    assert len(faces) >= len(NAMES)
    subject = SignalInput(data=b"", content_type="video/mp4", kind="video",
                          frames=frames, faces=faces)
    [evidence] = detector.assess(subject)
    value = evidence.value
    assert evidence.name == "detector:mesonet-meso4" and evidence.synthetic is None
    assert value["n"] == len(faces) and value["calibrated"] is False
    assert 0.0 <= value["mean"] <= value["max"] <= 1.0
    assert evidence.score == pytest.approx(value["max"], abs=1e-4)
    assert "uncalibrated ranking number, not a probability" in evidence.explanation

    scores = detector.fake_scores([photo(NAMES[0])[:200, :200]])
    assert scores.shape == (1,) and 0.0 <= float(scores[0]) <= 1.0
