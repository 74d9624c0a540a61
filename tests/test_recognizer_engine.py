"""A brought-in recognizer end to end, on the shipped SFace file under a manifest (fresh clone).

The manifest path must give what the built-in engine gives for the same model (same detector,
same alignment, same input), so a deployer's own model is only as different as the model itself.
Then: a wrong checksum or a manifest that describes another model is refused, `jikimi eval faces
--write-thresholds` writes thresholds beside the manifest that matching then uses, and `jikimi
models check` verifies the folder and prints the licence first.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from enrichment.faces.manifest_engine import ManifestFaceEngine
from enrichment.faces.model_fix import SFACE_FILE, bundled_model, fix_model
from jikimi import registry
from jikimi.cli import main
from kernel.errors import ConfigError
from kernel.measured_thresholds import read_measured
from kernel.ports import FaceEngine
from kernel.settings import FaceSettings
from tests.face_photos import NAMES, PHOTOS, engine_settings, identity, photo
from tests.recognizer_folders import MODEL_ID, sface_fields, sface_folder, write_manifest


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def folder(tmp_path: Path, data_dir: Path) -> Path:
    return sface_folder(tmp_path / "sface", data_dir / "models")


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory,
            data_dir: Path) -> tuple[FaceEngine, FaceEngine]:
    folder = sface_folder(tmp_path_factory.mktemp("recognizer"), data_dir / "models")
    built_in = registry.open_face_engine(engine_settings(data_dir))
    by_manifest = registry.open_face_engine(engine_settings(data_dir, recognizer_dir=folder))
    return built_in, by_manifest


def test_manifest_engine_embeds_as_the_built_in_sface(
        engines: tuple[FaceEngine, FaceEngine]) -> None:
    built_in, by_manifest = engines
    assert isinstance(by_manifest, ManifestFaceEngine) and isinstance(by_manifest, FaceEngine)
    assert (by_manifest.model_id, by_manifest.dims) == (MODEL_ID, 128)
    for name in NAMES:
        faces = built_in.detect(photo(name))
        assert [f.bbox for f in by_manifest.detect(photo(name))] == [f.bbox for f in faces]
        expected = built_in.embed(photo(name), faces)
        got = by_manifest.embed(photo(name), faces)
        assert got.shape == (1, 128) and got.dtype == np.float32
        assert float(got[0] @ expected[0]) >= 0.999, name
    several = by_manifest.embed(photo(NAMES[0]), by_manifest.detect(photo(NAMES[0])) * 20)
    assert several.shape == (20, 128)  # more faces than one batch
    assert by_manifest.embed(photo(NAMES[0]), []).shape == (0, 128)


def test_a_model_with_a_fixed_batch_of_one_runs_face_by_face(
        tmp_path: Path, data_dir: Path, engines: tuple[FaceEngine, FaceEngine]) -> None:
    folder = tmp_path / "sface-b1"
    folder.mkdir()
    single = fix_model(bundled_model(SFACE_FILE), tmp_path, free_dims={}, tag="b1")  # as shipped
    shutil.copy(single, folder / "sface1.onnx")
    write_manifest(folder, sface_fields(folder / "sface1.onnx") | {"model_id": "sface-b1"})
    engine = registry.open_face_engine(engine_settings(data_dir, recognizer_dir=folder))
    assert isinstance(engine, ManifestFaceEngine) and engine.recognizer.fixed_batch
    faces = engine.detect(photo(NAMES[0])) * 3
    expected = engines[1].embed(photo(NAMES[0]), faces)
    assert np.allclose(engine.embed(photo(NAMES[0]), faces), expected, atol=1e-5)


def test_wrong_checksum_refuses_to_load(tmp_path: Path, data_dir: Path) -> None:
    folder = sface_folder(tmp_path / "sface", data_dir / "models", sha256="0" * 64)
    with pytest.raises(ConfigError, match="sha256: sface.onnx has .*refusing to load it"):
        registry.open_face_engine(engine_settings(data_dir, recognizer_dir=folder))


@pytest.mark.parametrize(("change", "message"), [
    ({"output": {"dims": 512}}, r"output.dims: the model's output fc1 has shape .*not 512"),
    ({"output": {"name": "embedding", "dims": 128}}, r"output.name: .*no output 'embedding' "
                                                     r"\(it has: fc1\)"),
    ({"input": {"size": 96, "layout": "NCHW", "channel_order": "RGB"}},
     r"input: the model's input data has shape \['batch', 3, 112, 112\]; the manifest "
     r"describes N×3×96×96"),
    ({"input": {"size": 112, "layout": "NHWC", "channel_order": "RGB"}}, "input: .*N×112×112×3"),
])
def test_a_manifest_describing_another_model_is_refused(
        tmp_path: Path, data_dir: Path, change: dict[str, object], message: str) -> None:
    folder = sface_folder(tmp_path / "sface", data_dir / "models", **change)
    with pytest.raises(ConfigError, match=f"recognizer {MODEL_ID}: {message}"):
        registry.open_face_engine(engine_settings(data_dir, recognizer_dir=folder))


def labelled_demo_folder(root: Path) -> Path:
    folder = root / "people"
    for name in NAMES:
        person = folder / identity(name)
        person.mkdir(parents=True, exist_ok=True)
        shutil.copy(PHOTOS / f"{name}.jpg", person / f"{name}.jpg")
    return folder


def test_eval_writes_thresholds_beside_the_manifest_and_matching_uses_them(
        tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    people = labelled_demo_folder(tmp_path)
    monkeypatch.setenv("JIKIMI_FACES__RECOGNIZER_DIR", str(folder))
    data = ["--data-dir", str(tmp_path / "data")]

    # 13 different-person pairs cannot measure 1 false accept in 10,000: refused, nothing written
    assert main([*data, "eval", "faces", str(people), "--write-thresholds"]) == 2
    assert "13 different-person pairs cannot measure" in capsys.readouterr().err
    assert read_measured(folder) is None

    assert main([*data, "eval", "faces", str(people), "--write-thresholds",
                 "--target-far", "0.1"]) == 0
    out = capsys.readouterr().out
    measured = read_measured(folder)
    assert measured is not None and measured.model_id == MODEL_ID
    assert (measured.people, measured.photos, measured.same_pairs,
            measured.different_pairs) == (4, 6, 2, 13)
    assert measured.far <= 0.1 and measured.tar == 1.0 and measured.sets == ["people"]
    assert f"wrote {folder / 'thresholds.yaml'}: {MODEL_ID} threshold " \
           f"{measured.threshold:.4f} for FAR 0.1: TAR 1.000" in out
    assert "== people: 4 people, 6 photos, ROC AUC 1.0000" in out

    in_use = FaceSettings(recognizer_dir=folder).threshold_for(MODEL_ID)
    assert in_use == measured.threshold != FaceSettings().threshold_for(MODEL_ID)
    main([*data, "eval", "faces", str(people), "--json"])
    report = json.loads(capsys.readouterr().out)[0]
    assert report["in_use"]["threshold"] == measured.threshold  # what matching compares with


def test_eval_without_a_brought_in_recognizer_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    people = labelled_demo_folder(tmp_path)
    assert main(["--data-dir", str(tmp_path / "data"), "eval", "faces", str(people),
                 "--write-thresholds"]) == 2
    assert "set faces.recognizer_dir" in capsys.readouterr().err


def test_models_check_prints_the_licence_first(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "models", "check", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "licence: Apache-2.0"
    assert f"model id: {MODEL_ID}" in lines
    assert "alignment: arcface (5-point ArcFace template scaled to 112 px)" in lines
    assert "measured: none: run jikimi eval faces DIR --write-thresholds" in lines
    assert lines[-1].startswith("verified: sha256 matches")

    assert main([*data, "models", "check", str(folder / "manifest.yaml"), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert list(shown)[0] == "licence" and shown["verified"] is True
    assert shown["output"] == "'fc1', 128 dims" and shown["threshold_in_use"] == 0.45

    (folder / "sface.onnx").write_bytes(b"swapped")
    assert main([*data, "models", "check", str(folder)]) == 2
    assert "refusing to load it" in capsys.readouterr().err


def test_thresholds_of_another_model_file_stop_the_engine_until_measured_again(
        tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "thresholds.yaml").write_text(
        f"model_id: {MODEL_ID}\nsha256: {'b' * 64}\nthreshold: 0.2\ntarget_far: 0.1\nfar: 0.1\n"
        "tar: 1.0\nsets: [old]\npeople: 4\nphotos: 6\nsame_pairs: 2\ndifferent_pairs: 13\n"
        "measured_at: 2026-01-01T00:00:00Z\n")
    data_dir = tmp_path / "data"
    with pytest.raises(ConfigError, match="was measured for sface-by-manifest .sha256 bbbb"):
        registry.open_face_engine(engine_settings(data_dir, recognizer_dir=folder))
    monkeypatch.setenv("JIKIMI_FACES__RECOGNIZER_DIR", str(folder))
    assert main(["--data-dir", str(data_dir), "eval", "faces", str(labelled_demo_folder(tmp_path)),
                 "--write-thresholds", "--target-far", "0.1"]) == 0
    assert "it will be replaced" in capsys.readouterr().err
    measured = read_measured(folder)
    assert measured is not None and measured.sets == ["people"] and measured.threshold != 0.2
    assert isinstance(registry.open_face_engine(engine_settings(data_dir, recognizer_dir=folder)),
                      ManifestFaceEngine)
