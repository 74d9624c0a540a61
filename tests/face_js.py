"""`static/enroll/face.js` driven in headless Chromium, and the server's verdict on the same
bytes, for the agreement tests and the benchmark (benchmarks/bench_face_js.py).

The portal is served over HTTPS (tests.browser), an account signs in, and the page it stands on
is the face config itself: a document under /enroll, so it gets the Content-Security-Policy the
enrollment page gets (wasm allowed, nothing inline). Photos go in as base64 script arguments and
become Blobs there, as a picked file would; nothing is written anywhere.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from enrichment.decode import decode_image
from enrichment.decode_budget import DecodeBudget
from enrichment.faces.quality import detected_quality
from jikimi import registry
from jikimi.accounts import Accounts
from jikimi.enroll_photos import PhotoRefused, photo_template
from jikimi.portal.face_models import runtime_missing
from kernel.ports import FaceEngine
from kernel.quality import enrollment_problem_list
from kernel.settings import Settings
from tests.browser import chromium, served
from tests.portal_fixtures import PASSWORD, portal_settings
from tests.test_portal_browser import sign_in, wait_for

USER = "operator-face"
LOAD = """
const done = arguments[arguments.length - 1];
const started = performance.now();
import("/static/enroll/face.js").then(async (face) => {
  window.jikimiFace = face;
  window.jikimiModel = await face.loadFaceModel();
  done({ok: true, ms: performance.now() - started});
}).catch((error) => done({ok: false, error: String(error && error.stack || error)}));
"""
TEMPLATE = """
const [data, type, done] = arguments;
const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
const face = window.jikimiFace;
const started = performance.now();
face.templateFromImage(window.jikimiModel, new Blob([bytes], {type})).then((r) => {
  const ms = performance.now() - started;
  const vector = r.vector ? Array.from(r.vector) : null;
  done(Object.assign({}, r, {vector, ms, stages: r.ms || {},
                             base64: r.vector ? face.vectorToBase64(r.vector) : null}));
}).catch((error) => done({ok: false, code: "error", en: String(error && error.stack || error)}));
"""
SAME_PERSON = """
const [vectors, done] = arguments;
done(window.jikimiFace.samePersonProblems(
  window.jikimiModel, vectors.map((v) => Float32Array.from(v))));
"""


@dataclass
class Verdict:
    """What one side made of one photo."""

    code: str  # ok or a PhotoRefused code
    problems: list[str]  # the poor_quality problem codes
    vector: np.ndarray | None
    quality: dict[str, float]
    ms: float = 0.0
    stages: dict[str, float] | None = None  # read, detect, align, embed (ms)


@dataclass
class FacePage:
    driver: Any
    settings: Settings
    load_ms: float

    def template(self, data: bytes, mime: str = "image/jpeg") -> Verdict:
        answer = self.driver.execute_async_script(
            TEMPLATE, base64.b64encode(data).decode(), mime)
        if not answer["ok"] and answer["code"] == "error":
            raise AssertionError(answer["en"])
        vector = None
        if answer["ok"]:
            vector = np.frombuffer(base64.b64decode(answer["base64"]), dtype="<f4")
            assert np.allclose(vector, answer["vector"])
        return Verdict("ok" if answer["ok"] else answer["code"], answer.get("problems") or [],
                       vector, answer.get("quality") or {}, float(answer["ms"]),
                       answer.get("stages"))

    def same_person_problems(self, vectors: list[np.ndarray]) -> list[list[int]]:
        return list(self.driver.execute_async_script(
            SAME_PERSON, [v.astype(float).tolist() for v in vectors]))


def need_runtime() -> None:
    """Skip without the vendored onnxruntime-web (`make web`), unless CI requires Chromium."""
    reason = runtime_missing()
    if reason is None:
        return
    if os.environ.get("JIKIMI_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"in-browser enrollment must run here: {reason}")
    pytest.skip(reason)


@contextmanager
def face_page(folder: Path, *, width: int = 1280, height: int = 900,
              **fields: object) -> Iterator[FacePage]:
    """Chromium signed in to a fresh portal, face.js and both models loaded; `fields` are
    settings (e.g. `faces` for another engine)."""
    settings = portal_settings(folder / "data", **fields)
    with closing(registry.open_store(settings)) as store:
        Accounts(store, settings.accounts).create_account(USER, PASSWORD, "operator",
                                                          actor="test")
    with served(settings, folder) as base, chromium(width, height) as driver:
        sign_in(driver, base, USER)
        wait_for(driver, lambda d: "/login" not in d.current_url)
        driver.get(f"{base}/enroll/face-config.json")
        driver.set_script_timeout(180)
        loaded = driver.execute_async_script(LOAD)
        if not loaded["ok"]:
            raise AssertionError(f"face.js did not load: {loaded['error']}")
        yield FacePage(driver, settings, float(loaded["ms"]))


def server_verdict(data: bytes, engine: FaceEngine, settings: Settings) -> Verdict:
    """The server's enrollment verdict on the same bytes, with its quality figures."""
    rgb = decode_image(data, max_pixels=settings.media.max_pixels,
                       budget=DecodeBudget.from_settings(settings.media)).rgb  # as enrollment
    faces = engine.detect(rgb)
    quality: dict[str, float] = {}
    problems: list[str] = []
    if len(faces) == 1:
        figures = detected_quality(rgb, faces[0])
        quality = {"face_px": figures.face_px, "yaw": figures.yaw,
                   "det_score": figures.det_score, "sharpness": float(figures.sharpness or 0)}
        problems = [p.code for p in enrollment_problem_list(figures, settings.matching)]
    try:
        template = photo_template(data, "photo", "p1", engine, settings)
    except PhotoRefused as refused:
        return Verdict(refused.code, problems, None, quality)
    return Verdict("ok", problems, np.asarray(template.embedding, dtype=np.float32), quality)


def png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()
