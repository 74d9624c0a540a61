"""face.js, the browser's enrollment engine (issue 16), agrees with the server: the same
template for every demo photo (cosine ≥ 0.99), the same refusals for a photo without a face,
with two, with a face too small or blurred, and the same verdict on whether photos show one
person. Chromium loads the models once for the module."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import cv2
import numpy as np
import pytest
from PIL import Image

from jikimi import registry
from jikimi.enroll_checks import disagreements
from jikimi.enroll_photos import PhotoVerdict
from kernel.ports import FaceEngine
from kernel.records import Template
from tests.browser import need_chromium
from tests.face_js import FacePage, Verdict, face_page, need_runtime, png, server_verdict
from tests.face_photos import NAMES, PHOTOS, photo, side_by_side

REFUSALS = {
    "plain": lambda: png(np.full((300, 400, 3), 180, dtype=np.uint8)),
    "two_faces": lambda: png(side_by_side(photo("person_a_1"), photo("person_b_1"))),
    "too_small": lambda: png(cv2.resize(photo("person_a_2"), (
        photo("person_a_2").shape[1] // 6, photo("person_a_2").shape[0] // 6))),
    "blurred": lambda: png(cv2.GaussianBlur(photo("person_a_1"), (0, 0), 3)),
}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FacePage]:
    need_chromium()
    need_runtime()
    with face_page(tmp_path_factory.mktemp("face-js")) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def engine(page: FacePage) -> FaceEngine:
    return registry.open_face_engine(page.settings)


@pytest.fixture(scope="module")
def browser_vectors(page: FacePage) -> dict[str, Verdict]:
    return {name: page.template((PHOTOS / f"{name}.jpg").read_bytes()) for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_the_browser_template_is_the_servers(name: str, page: FacePage, engine: FaceEngine,
                                             browser_vectors: dict[str, Verdict]) -> None:
    server = server_verdict((PHOTOS / f"{name}.jpg").read_bytes(), engine, page.settings)
    browser = browser_vectors[name]
    assert server.code == browser.code == "ok"
    assert server.vector is not None and browser.vector is not None
    assert browser.vector.shape == (engine.dims,)
    assert abs(float(np.linalg.norm(browser.vector)) - 1.0) < 1e-5
    cosine = float(browser.vector @ server.vector)
    print(f"{name}: cosine {cosine:.5f}, browser {browser.quality}, server {server.quality}")
    assert cosine >= 0.999  # issue 16 asks 0.99; measured ≥ 0.9999 on every demo photo
    # the figures refusals are decided by (measured: within 0.01 %, 1e-5, 0.2 %)
    assert browser.quality["face_px"] == pytest.approx(server.quality["face_px"], rel=1e-3)
    assert browser.quality["yaw"] == pytest.approx(server.quality["yaw"], abs=1e-3)
    assert browser.quality["det_score"] == pytest.approx(server.quality["det_score"], abs=1e-3)
    assert browser.quality["sharpness"] == pytest.approx(server.quality["sharpness"], rel=0.01)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_the_browser_refuses_what_the_server_refuses(case: str, page: FacePage,
                                                     engine: FaceEngine) -> None:
    data = REFUSALS[case]()
    server = server_verdict(data, engine, page.settings)
    browser = page.template(data, "image/png")
    expected = {"plain": ("no_face", []), "two_faces": ("several_faces", []),
                "too_small": ("poor_quality", ["too_small"]),
                "blurred": ("poor_quality", ["blurred"])}[case]
    assert (server.code, server.problems) == expected
    assert (browser.code, browser.problems) == expected
    assert browser.vector is None


def test_the_refusal_speaks_the_servers_words(page: FacePage) -> None:
    answer = page.driver.execute_async_script(
        """const [data, done] = arguments;
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        window.jikimiFace.templateFromImage(window.jikimiModel,
            new Blob([bytes], {type: "image/png"}), "selfie.png").then(done);""",
        base64.b64encode(REFUSALS["two_faces"]()).decode())
    assert answer["code"] == "several_faces"
    assert answer["en"] == ("selfie.png: 2 faces found; use a photo that shows only the person "
                            "enrolling")
    assert answer["ko"].startswith("selfie.png: 얼굴이 2개 있습니다")
    broken = page.template(b"\xff\xd8\xff\xe0 not really a jpeg")
    assert broken.code == "unreadable"


def test_the_same_person_check_agrees(page: FacePage, engine: FaceEngine,
                                      browser_vectors: dict[str, Verdict]) -> None:
    vectors = [browser_vectors[n].vector for n in NAMES]
    assert all(v is not None for v in vectors)
    found = page.same_person_problems([v for v in vectors if v is not None])
    threshold = page.settings.faces.threshold_for(engine.model_id)
    verdicts = [PhotoVerdict(name, "ok", template=Template(
        name, "p1", engine.model_id, server_verdict(
            (PHOTOS / f"{name}.jpg").read_bytes(), engine, page.settings).vector))
        for name in NAMES]
    on_server = [[NAMES.index(d.first), NAMES.index(d.second)]
                 for d in disagreements(verdicts, threshold)]
    assert found == on_server
    assert [0, 1] not in found and [2, 3] not in found  # person_a twice, person_b twice
    assert [0, 4] in found and [1, 4] in found  # person_a and an impostor


def test_the_exif_orientation_is_applied_as_the_server_applies_it(
        page: FacePage, engine: FaceEngine, browser_vectors: dict[str, Verdict]) -> None:
    stored = np.ascontiguousarray(np.rot90(photo("person_b_1")))  # turned left on the sensor
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn right 90° to show it
    out = io.BytesIO()
    Image.fromarray(stored).save(out, "JPEG", quality=95, exif=exif.tobytes())
    server = server_verdict(out.getvalue(), engine, page.settings)
    browser = page.template(out.getvalue())
    assert server.code == browser.code == "ok"
    assert server.vector is not None and browser.vector is not None
    assert float(browser.vector @ server.vector) >= 0.999
    upright = browser_vectors["person_b_1"].vector
    assert upright is not None and float(browser.vector @ upright) >= 0.9


def test_a_bitmap_or_a_canvas_gives_the_files_template(
        page: FacePage, browser_vectors: dict[str, Verdict]) -> None:
    similarities = page.driver.execute_async_script(
        """const [data, done] = arguments;
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const {templateFromImage, cosine} = window.jikimiFace;
        const model = window.jikimiModel;
        (async () => {
          const file = await templateFromImage(model, new Blob([bytes], {type: "image/png"}));
          const bitmap = await createImageBitmap(new Blob([bytes]),
                                                 {colorSpaceConversion: "none"});
          const canvas = document.createElement("canvas");
          [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
          canvas.getContext("2d").drawImage(bitmap, 0, 0);
          const fromBitmap = await templateFromImage(model, bitmap);
          const fromCanvas = await templateFromImage(model, canvas);
          return [cosine(file.vector, fromBitmap.vector), cosine(file.vector, fromCanvas.vector)];
        })().then(done, (error) => done(String(error)));""",
        base64.b64encode(png(photo("person_b_2"))).decode())
    assert isinstance(similarities, list), similarities
    assert min(similarities) >= 0.999


def test_transparency_is_flattened_on_white_as_on_the_server(
        page: FacePage, engine: FaceEngine) -> None:
    rgb = photo("person_a_2")
    alpha = np.zeros(rgb.shape[:2], dtype=np.uint8)
    h, w = alpha.shape
    alpha[h // 10: h - h // 10, w // 10: w - w // 10] = 255
    alpha[h // 10: h // 5] = 128  # and a half-transparent band
    data = png(np.dstack([rgb, alpha]))
    server = server_verdict(data, engine, page.settings)
    browser = page.template(data, "image/png")
    assert server.code == browser.code == "ok"
    assert server.vector is not None and browser.vector is not None
    assert float(browser.vector @ server.vector) >= 0.999


def test_a_huge_jpeg_is_judged_at_the_servers_decoded_size(
        page: FacePage, engine: FaceEngine) -> None:
    small = photo("person_a_1")  # made twice the decode long side: the server drafts it
    scale = 2 * page.settings.media.decode_long_side / max(small.shape[:2]) + 0.1
    big = cv2.resize(small, (round(small.shape[1] * scale), round(small.shape[0] * scale)))
    out = io.BytesIO()
    Image.fromarray(big).save(out, "JPEG", quality=80)
    server = server_verdict(out.getvalue(), engine, page.settings)
    browser = page.template(out.getvalue())
    assert server.code == browser.code == "ok"
    assert browser.quality["face_px"] == pytest.approx(server.quality["face_px"], rel=0.01)
    assert server.vector is not None and browser.vector is not None
    print(f"drafted JPEG: cosine {float(browser.vector @ server.vector):.5f}")
    assert float(browser.vector @ server.vector) >= 0.99  # DCT scaling vs the browser's resize
