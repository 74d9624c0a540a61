"""face.js with an InsightFace pack configured (issue 16): the browser runs the pack's own SCRFD
detector and recognizer and agrees with the server's InsightFace engine, as it does with the
default engine (tests/test_enroll_face_js.py): the same template for every demo photo (cosine
≥ 0.99) and the same refusals.

The pack is the test pack of tests/test_faces_insightface.py: SCRFD-500M from ../shared/models
and the fixed SFace model as its recognizer, in two forms: as it is (its graph starts by
normalising the pixels, so InsightFace feeds it raw ones) and without those two first nodes, a
recognizer that expects normalised input as ArcFace packs (buffalo_l) do, so InsightFace
normalises (input_mean and input_std 127.5). Without that file or the insightface package the
module skips, saying which is missing.

SCRFD-500M scores the demo faces lower than YuNet does (0.85–0.89 for five of them, one below
the enrollment floor `matching.enroll_min_det_score`, 0.85, calibrated on YuNet), so this portal
lowers that floor (`DET_SCORE_FLOOR`) for the templates of every demo photo to be compared, and
checks that the default floor would refuse the same photo on both sides.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
import pytest

from enrichment.faces.model_fix import file_sha256
from jikimi import registry
from kernel.ports import FaceEngine
from tests.browser import need_chromium
from tests.face_js import FacePage, Verdict, face_page, need_runtime, server_verdict
from tests.face_photos import NAMES, PHOTOS
from tests.portal_fixtures import portal_settings
from tests.test_enroll_face_js import REFUSALS
from tests.test_faces_insightface import PACK, SCRFD, make_pack
from tests.test_portal_face_models import signed_in_client

DET_SCORE_FLOOR = 0.5


RECOGNIZERS = ["sface", "normalised-input"]


def need_pack(root: Path, recognizer: str = "sface") -> dict[str, object]:
    """The `faces` settings of a test pack made under `root`, or skip saying what is missing."""
    if importlib.util.find_spec("insightface") is None:
        pytest.skip("insightface is not installed (infra/install-insightface.sh installs it)")
    if not SCRFD.is_file():
        pytest.skip(f"SCRFD test detector absent ({SCRFD})")
    folder = make_pack(root)
    if recognizer == "normalised-input":
        strip_normalisation(folder / "w_sface.onnx")
    checksums = {path.name: file_sha256(path) for path in folder.glob("*.onnx")}
    return {"engine": "insightface", "insightface_root": str(root), "insightface_pack": PACK,
            "insightface_checksums": checksums}


def strip_normalisation(path: Path) -> None:
    """SFace without its first two nodes (subtract 127.5, scale), rewritten in place."""
    model = onnx.load(str(path))
    sub, mul = model.graph.node[0], model.graph.node[1]
    assert (sub.op_type, mul.op_type) == ("Sub", "Mul") and mul.input[0] == sub.output[0]
    data, scaled = sub.input[0], mul.output[0]
    del model.graph.node[:2]
    for node in model.graph.node:
        node.input[:] = [data if name == scaled else name for name in node.input]
    onnx.save(model, str(path))


@pytest.mark.parametrize(("recognizer", "normalisation"),
                         [("sface", (0.0, 1.0)), ("normalised-input", (127.5, 127.5))])
def test_the_config_serves_the_packs_verified_files(recognizer: str,
                                                    normalisation: tuple[float, float],
                                                    tmp_path: Path) -> None:
    need_runtime()
    faces = need_pack(tmp_path / "pack", recognizer)
    settings = portal_settings(tmp_path / "data", faces=faces)
    folder = tmp_path / "pack" / "models" / PACK
    for client in signed_in_client(settings):
        config = client.get("/enroll/face-config.json").json()
        assert config["available"], config
        assert config["model_id"] == f"insightface-{PACK}" and config["dims"] == 128
        detector = config["detector"]
        assert detector["kind"] == "scrfd" and detector["input_sizes"] == [[640, 640]]
        assert detector["strides"] == [8, 16, 32] and detector["num_anchors"] == 2
        assert len(detector["output_names"]) == 9  # scores, boxes, landmarks per stride
        assert (detector["input_mean"], detector["input_std"]) == (127.5, 128.0)
        # ArcFaceONNX feeds raw pixels to a graph that starts with Sub and Mul nodes
        assert (config["recognizer"]["input_mean"],
                config["recognizer"]["input_std"]) == normalisation
        for part, name in (("detector", "det_500m.onnx"), ("recognizer", "w_sface.onnx")):
            answer = client.get(config[part]["url"])
            assert answer.status_code == 200 and answer.content == (folder / name).read_bytes()
            assert hashlib.sha256(answer.content).hexdigest() == config[part]["sha256"]
        (folder / "w_sface.onnx").write_bytes(b"changed after the engine loaded it")
        changed = client.get("/enroll/face-config.json").json()
        assert not changed["available"] and "pinned" in changed["reason"]
        assert client.get(config["recognizer"]["url"]).status_code == 404


def pack_of(page: FacePage) -> str:
    """Which test pack the page runs, for the printed figures."""
    return Path(str(page.settings.faces.insightface_root)).name


@pytest.fixture(scope="module", params=RECOGNIZERS)
def page(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[FacePage]:
    faces = need_pack(tmp_path_factory.mktemp(f"pack-{request.param}-"), request.param)
    need_chromium()
    need_runtime()
    with face_page(tmp_path_factory.mktemp("face-js-insightface"), faces=faces,
                   matching={"enroll_min_det_score": DET_SCORE_FLOOR}) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def engine(page: FacePage) -> FaceEngine:
    return registry.open_face_engine(page.settings)


@pytest.fixture(scope="module")
def browser_vectors(page: FacePage) -> dict[str, Verdict]:
    return {name: page.template((PHOTOS / f"{name}.jpg").read_bytes()) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_the_browser_template_is_the_packs(name: str, page: FacePage, engine: FaceEngine,
                                           browser_vectors: dict[str, Verdict]) -> None:
    assert engine.model_id == f"insightface-{PACK}"
    server = server_verdict((PHOTOS / f"{name}.jpg").read_bytes(), engine, page.settings)
    browser = browser_vectors[name]
    assert server.code == browser.code == "ok"
    assert server.vector is not None and browser.vector is not None
    assert browser.vector.shape == (engine.dims,)
    assert abs(float(np.linalg.norm(browser.vector)) - 1.0) < 1e-5
    cosine = float(browser.vector @ server.vector)
    print(f"{pack_of(page)} {name}: cosine {cosine:.5f}, {browser.ms:.0f} ms {browser.stages}, "
          f"browser {browser.quality}, server {server.quality}")
    assert cosine >= 0.99
    assert browser.quality["face_px"] == pytest.approx(server.quality["face_px"], rel=1e-3)
    assert browser.quality["yaw"] == pytest.approx(server.quality["yaw"], abs=1e-3)
    assert browser.quality["det_score"] == pytest.approx(server.quality["det_score"], abs=1e-3)
    assert browser.quality["sharpness"] == pytest.approx(server.quality["sharpness"], rel=0.01)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_the_browser_refuses_what_the_pack_refuses(case: str, page: FacePage,
                                                   engine: FaceEngine) -> None:
    data = REFUSALS[case]()
    server = server_verdict(data, engine, page.settings)
    browser = page.template(data, "image/png")
    print(f"{pack_of(page)} {case}: server {server.code} {server.problems}, "
          f"browser {browser.code} {browser.problems}")
    expected = {"plain": ("no_face", []), "two_faces": ("several_faces", []),
                "too_small": ("poor_quality", ["too_small"]),
                "blurred": ("poor_quality", ["blurred"])}[case]
    assert (server.code, server.problems) == expected
    assert (browser.code, browser.problems) == expected
    assert browser.vector is None


def test_the_yunet_calibrated_floor_refuses_the_same_photos(page: FacePage, engine: FaceEngine,
                                                            browser_vectors: dict[str, Verdict],
                                                            ) -> None:
    default = page.settings.model_copy(update={"matching": type(page.settings.matching)()})
    floor = default.matching.enroll_min_det_score
    assert floor > DET_SCORE_FLOOR
    refused = []
    for name in NAMES:
        server = server_verdict((PHOTOS / f"{name}.jpg").read_bytes(), engine, default)
        browser = browser_vectors[name]
        assert browser.quality["det_score"] == pytest.approx(server.quality["det_score"],
                                                             abs=1e-3)
        assert (browser.quality["det_score"] < floor) == ("hard_to_see" in server.problems)
        refused += [name] if server.code != "ok" else []
    print(f"{pack_of(page)} at the default floor {floor}: refused {refused}")
