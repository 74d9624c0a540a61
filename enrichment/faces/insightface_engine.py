"""Production face engine: an InsightFace model pack (e.g. `buffalo_l`: SCRFD-10G + ArcFace R50).

InsightFace packs are more accurate than YuNet + SFace but non-commercial and not on a package
registry, so an operator supplies the folder. Two guarantees matter here: jikimi never lets
InsightFace download anything (its loader silently fetches a pack when the folder is missing, which
would put unreviewed weights under a victim's data), and every file the operator pinned in
`faces.insightface_checksums` is verified before it is loaded, and no unpinned .onnx file in the
pack folder is accepted. InsightFace is an optional extra (see infra/install-insightface.sh),
so it is imported only when this engine is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from enrichment.faces.align import align_face, require_rgb8
from enrichment.faces.model_fix import file_sha256
from enrichment.faces.sessions import resolve_providers, session_options
from enrichment.faces.sface import default_batch, l2_normalise, split_rows
from kernel.errors import ModelError
from kernel.ports import DetectedFace
from kernel.settings import FaceSettings


def locate_pack(root: Path, pack: str) -> Path:
    """The folder holding the pack's .onnx files: <root>/models/<pack>, or root itself."""
    for candidate in (root / "models" / pack, root / pack, root):
        if candidate.is_dir() and any(candidate.glob("*.onnx")):
            return candidate.resolve()
    raise ModelError(
        f"InsightFace pack {pack!r} not found under {root} (expected {root / 'models' / pack}"
        "/*.onnx); jikimi never downloads models: copy the pack there"
    )


def verify_checksums(folder: Path, checksums: dict[str, str]) -> None:
    """Every .onnx file in `folder` must be pinned, exist, and match its SHA-256."""
    unpinned = sorted(p.name for p in folder.glob("*.onnx") if p.name not in checksums)
    if unpinned:
        raise ModelError(
            f"unpinned model files in {folder}: {', '.join(unpinned)}; pin the sha256 of each "
            f"in faces.insightface_checksums (sha256sum {folder}/*.onnx prints them)"
        )
    for name, expected in sorted(checksums.items()):
        path = folder / name
        if not path.is_file():
            raise ModelError(f"pinned model file missing: {path}")
        actual = file_sha256(path)
        if actual.lower() != expected.strip().lower():
            raise ModelError(f"checksum mismatch for {path}: sha256 {actual}, expected {expected}")


def import_insightface_app() -> Any:
    try:
        return importlib.import_module("insightface.app")
    except ImportError as exc:
        raise ModelError(
            f"the insightface engine needs the optional insightface package ({exc}); "
            "install it with infra/install-insightface.sh"
        ) from None


def load_pack_app(faces: FaceSettings, modules: Sequence[str]) -> tuple[Any, Path]:
    """InsightFace's FaceAnalysis over the verified pack with only `modules` loaded, and the pack
    folder; every .onnx in the pack is checksum-verified first, whichever modules are used."""
    if faces.insightface_root is None:
        raise ModelError("faces.insightface_root is not set (folder holding the model pack)")
    folder = locate_pack(Path(faces.insightface_root).expanduser(), faces.insightface_pack)
    verify_checksums(folder, faces.insightface_checksums)
    providers = list(resolve_providers(faces.providers))
    app_module = import_insightface_app()
    try:
        # An existing absolute folder as `name` is used as is: nothing can be downloaded.
        app = app_module.FaceAnalysis(
            name=str(folder), root=str(folder.parent), allowed_modules=list(modules),
            providers=providers, sess_options=session_options(),
        )
        ctx_id = 0 if "CUDAExecutionProvider" in providers else -1
        app.prepare(ctx_id=ctx_id, det_thresh=faces.det_threshold,
                    det_size=(faces.det_size, faces.det_size))
    except (AssertionError, RuntimeError, ValueError, OSError) as exc:
        reason = str(exc) or "no detection model"
        raise ModelError(f"cannot load InsightFace pack {folder}: {reason}") from None
    return app, folder


class InsightFaceDetector:
    """The pack's detector (SCRFD) alone: also what a brought-in recognizer pairs with."""

    def __init__(self, detector: Any, faces: FaceSettings) -> None:
        self.detector = detector
        self.min_face_px = faces.min_face_px
        self.det_threshold = faces.det_threshold

    @classmethod
    def load(cls, faces: FaceSettings) -> InsightFaceDetector:
        app, _ = load_pack_app(faces, ["detection"])
        return cls(app.models["detection"], faces)

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        bgr = np.ascontiguousarray(require_rgb8(rgb)[:, :, ::-1])
        boxes, points = self.detector.detect(bgr, max_num=0, metric="default")
        faces = []
        for i in range(boxes.shape[0]):
            x1, y1, x2, y2, score = (float(v) for v in boxes[i, :5])
            w, h = x2 - x1, y2 - y1
            if score < self.det_threshold or min(w, h) < self.min_face_px or points is None:
                continue
            marks = np.asarray(points[i], dtype=np.float32).reshape(5, 2)
            faces.append(DetectedFace(bbox=(x1, y1, w, h), landmarks=marks, score=score))
        return sorted(faces, key=lambda face: face.score, reverse=True)


class InsightFaceEngine:
    """kernel.ports.FaceEngine over an InsightFace pack's detector and recognizer."""

    def __init__(self, faces: FaceSettings) -> None:
        app, folder = load_pack_app(faces, ["detection", "recognition"])
        if "recognition" not in app.models:
            raise ModelError(f"InsightFace pack {folder} has no recognition model")
        self.detector = InsightFaceDetector(app.models["detection"], faces)
        self.recognizer = app.models["recognition"]
        self.model_id = f"insightface-{faces.insightface_pack}"
        self.dims = int(self.recognizer.output_shape[-1])
        self.max_batch = faces.embed_batch or default_batch(resolve_providers(faces.providers))

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        return self.detector.detect(rgb)

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        if not faces:
            return np.zeros((0, self.dims), dtype=np.float32)
        return self.embed_many([(rgb, faces)])[0]

    def embed_many(
        self, images: Sequence[tuple[np.ndarray, Sequence[DetectedFace]]]
    ) -> list[np.ndarray]:
        """Every image's aligned crops through the recognizer in shared batches, split back."""
        crops = []
        for rgb, faces in images:
            if faces:
                bgr = np.ascontiguousarray(require_rgb8(rgb)[:, :, ::-1])
                crops += [align_face(bgr, face.landmarks) for face in faces]
        parts = [np.asarray(self.recognizer.get_feat(crops[i:i + self.max_batch]),
                            dtype=np.float32).reshape(-1, self.dims)
                 for i in range(0, len(crops), self.max_batch)]
        vectors = l2_normalise(np.concatenate(parts)) if parts else np.zeros(
            (0, self.dims), dtype=np.float32)
        return split_rows(vectors, [len(faces) for _, faces in images])

