"""A brought-in recognizer behind the InsightFace pack's detector (SCRFD-500M from ../shared).

`faces.engine = insightface` keeps the pack's detector and the manifest replaces its recognizer,
so a pack may hold the detector alone. With the same SFace file, the manifest path must embed as
InsightFace's own recognizer path does. Skips without insightface or ../shared/models.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from enrichment.faces.manifest_engine import ManifestFaceEngine
from enrichment.faces.model_fix import file_sha256, fixed_sface
from enrichment.faces.yunet_sface import MODEL_ID as SFACE_ID
from jikimi import registry
from kernel.settings import DEFAULT_THRESHOLDS
from tests.face_photos import NAMES, SHARED, engine_settings, identity, photo
from tests.recognizer_folders import MODEL_ID, sface_folder

SCRFD = SHARED / "models" / "scrfd_500m.onnx"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("insightface") is None:
        pytest.skip("insightface is not installed (infra/install-insightface.sh installs it)")
    if not SCRFD.is_file():
        pytest.skip(f"SCRFD test detector absent ({SCRFD})")
    return tmp_path_factory.mktemp("insightface")


def pack(root: Path, name: str, *, with_recognizer: bool) -> dict[str, str]:
    folder = root / "models" / name
    folder.mkdir(parents=True)
    shutil.copy(SCRFD, folder / "det_500m.onnx")
    if with_recognizer:
        shutil.copy(fixed_sface(root / "cache"), folder / "w_sface.onnx")
    return {p.name: file_sha256(p) for p in folder.glob("*.onnx")}


def test_scrfd_with_a_manifest_recognizer_embeds_as_insightface_does(root: Path) -> None:
    detector_only = pack(root, "detonly", with_recognizer=False)
    whole = pack(root, "whole", with_recognizer=True)
    folder = sface_folder(root / "sface", root / "cache")
    by_manifest = registry.open_face_engine(engine_settings(
        root / "data", engine="insightface", insightface_root=root, insightface_pack="detonly",
        insightface_checksums=detector_only, recognizer_dir=folder))
    insightface = registry.open_face_engine(engine_settings(
        root / "data", engine="insightface", insightface_root=root, insightface_pack="whole",
        insightface_checksums=whole))
    assert isinstance(by_manifest, ManifestFaceEngine) and by_manifest.model_id == MODEL_ID
    vectors = {}
    for name in NAMES:
        faces = by_manifest.detect(photo(name))
        assert len(faces) == 1, name
        assert [f.bbox for f in insightface.detect(photo(name))] == [faces[0].bbox]
        vectors[name] = by_manifest.embed(photo(name), faces)[0]
        expected = insightface.embed(photo(name), faces)[0]
        assert float(vectors[name] @ expected) >= 0.999, name
    threshold = DEFAULT_THRESHOLDS[SFACE_ID]  # the same SFace file as the built-in engine's
    for a, b in itertools.combinations(NAMES, 2):
        similarity = float(np.dot(vectors[a], vectors[b]))
        assert (similarity > threshold) == (identity(a) == identity(b)), (a, b)
