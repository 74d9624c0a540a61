"""The InsightFace engine: pack location, pinned checksums, no downloads, and real matching.

The loading path is tested with a temporary pack: SCRFD-500M from ../shared/models (the detector)
and the fixed SFace model as the recognizer, which InsightFace loads as ArcFaceONNX. Production
packs (buffalo_l) load the same way.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
from pathlib import Path

import numpy as np
import pytest

from enrichment.faces.insightface_engine import InsightFaceEngine, locate_pack, verify_checksums
from enrichment.faces.model_fix import file_sha256, fixed_sface
from jikimi import registry
from kernel.errors import ModelError
from kernel.settings import Settings
from tests.face_photos import NAMES, SHARED, engine_settings, identity, photo

SCRFD = SHARED / "models" / "scrfd_500m.onnx"
PACK = "testpack"


def make_pack(root: Path) -> Path:
    folder = root / "models" / PACK
    folder.mkdir(parents=True)
    shutil.copy(SCRFD, folder / "det_500m.onnx")
    shutil.copy(fixed_sface(root / "cache"), folder / "w_sface.onnx")
    return folder


def insightface_settings(root: Path, **faces: object) -> Settings:
    return engine_settings(root / "data", engine="insightface", insightface_root=root,
                           insightface_pack=PACK, **faces)


# ------------------------------------------------ checks that need neither insightface nor SCRFD
def test_missing_pack_is_a_model_error_never_a_download(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="never downloads"):
        locate_pack(tmp_path, "buffalo_l")
    settings = engine_settings(tmp_path, engine="insightface", insightface_root=tmp_path / "none")
    with pytest.raises(ModelError):
        InsightFaceEngine(settings.faces)
    assert not (tmp_path / "none").exists()


def test_unset_root_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="insightface_root"):
        InsightFaceEngine(engine_settings(tmp_path, engine="insightface").faces)


def test_pack_may_be_the_root_folder_itself(tmp_path: Path) -> None:
    (tmp_path / "det.onnx").write_bytes(b"x")
    assert locate_pack(tmp_path, "buffalo_l") == tmp_path.resolve()
    nested = tmp_path / "models" / "buffalo_l"
    nested.mkdir(parents=True)
    (nested / "det.onnx").write_bytes(b"x")
    assert locate_pack(tmp_path, "buffalo_l") == nested.resolve()


def test_pinned_checksums(tmp_path: Path) -> None:
    (tmp_path / "a.onnx").write_bytes(b"weights")
    good = file_sha256(tmp_path / "a.onnx")
    verify_checksums(tmp_path, {"a.onnx": good.upper()})
    with pytest.raises(ModelError, match="checksum mismatch"):
        verify_checksums(tmp_path, {"a.onnx": "0" * 64})
    with pytest.raises(ModelError, match="missing"):
        verify_checksums(tmp_path, {"a.onnx": good, "b.onnx": good})
    with pytest.raises(ModelError, match="unpinned model files .*a.onnx"):
        verify_checksums(tmp_path, {})
    with pytest.raises(ModelError, match="unpinned"):
        verify_checksums(tmp_path, {"b.onnx": good})


# ------------------------------------------------------------------ the real loading path
@pytest.fixture(scope="module")
def pack_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("insightface") is None:
        pytest.skip("insightface is not installed (infra/install-insightface.sh installs it)")
    if not SCRFD.is_file():
        pytest.skip(f"SCRFD test detector absent ({SCRFD})")
    root = tmp_path_factory.mktemp("insightface")
    make_pack(root)
    return root


def test_wrong_checksum_refuses_to_load(pack_root: Path) -> None:
    settings = insightface_settings(pack_root, insightface_checksums={"det_500m.onnx": "0" * 64})
    with pytest.raises(ModelError, match="checksum"):
        InsightFaceEngine(settings.faces)


def test_insightface_pack_matches_the_same_people(pack_root: Path) -> None:
    folder = pack_root / "models" / PACK
    checksums = {name: file_sha256(folder / name) for name in ("det_500m.onnx", "w_sface.onnx")}
    settings = insightface_settings(pack_root, insightface_checksums=checksums)
    engine = registry.open_face_engine(settings)
    assert isinstance(engine, InsightFaceEngine)
    assert engine.model_id == f"insightface-{PACK}" and engine.dims == 128
    vectors = {}
    for name in NAMES:
        faces = engine.detect(photo(name))
        assert len(faces) == 1, name
        right_eye, left_eye = faces[0].landmarks[:2]
        assert right_eye[0] < left_eye[0]
        vectors[name] = engine.embed(photo(name), faces)[0]
        assert abs(float(np.linalg.norm(vectors[name])) - 1.0) < 1e-5
    threshold = settings.faces.threshold_for(engine.model_id)
    for a, b in itertools.combinations(NAMES, 2):
        similarity = float(vectors[a] @ vectors[b])
        if identity(a) == identity(b):
            assert similarity > threshold, (a, b, similarity)
        else:
            assert similarity < threshold, (a, b, similarity)
    assert registry.open_face_engine(settings) is engine
