"""A face engine of the configured detector and a brought-in recognizer (`faces.recognizer_dir`).

The detector stays the engine's own (`faces.engine`: YuNet, or the InsightFace pack's SCRFD), so
landmarks, size and score filters are those already in use; only the embedding changes. The
engine's model id is the manifest's: it is stored with every face and template, so faces are only
compared with templates of the same recognizer, and thresholds are kept per model. Thresholds
measured beside the manifest must be for this very model file; other ones are refused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from enrichment.faces.align import require_rgb8
from enrichment.faces.manifest_recognizer import ManifestRecognizer
from enrichment.faces.model_fix import fixed_yunet
from enrichment.faces.recognizer_manifest import load_recognizer_manifest, measured_thresholds
from enrichment.faces.sessions import resolve_providers
from enrichment.faces.yunet import YuNetDetector
from kernel.errors import ConfigError
from kernel.measured_thresholds import THRESHOLDS_FILE
from kernel.ports import DetectedFace
from kernel.settings import FaceSettings

log = logging.getLogger(__name__)


class FaceDetector(Protocol):
    def detect(self, rgb: np.ndarray) -> list[DetectedFace]: ...


class ManifestFaceEngine:
    """kernel.ports.FaceEngine: any detector's faces, embedded by a manifest's recognizer."""

    def __init__(self, detector: FaceDetector, recognizer: ManifestRecognizer,
                 faces: FaceSettings) -> None:
        self.detector = detector
        self.recognizer = recognizer
        self.model_id = recognizer.manifest.model_id
        self.dims = recognizer.dims
        self.min_face_px = faces.min_face_px
        self.det_threshold = faces.det_threshold

    def detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        require_rgb8(rgb)
        found = [face for face in self.detector.detect(rgb)
                 if face.score >= self.det_threshold and min(face.bbox[2:]) >= self.min_face_px]
        return sorted(found, key=lambda face: face.score, reverse=True)

    def embed(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
        return self.recognizer.embed(require_rgb8(rgb), faces)


def load_manifest_engine(faces: FaceSettings, model_cache_dir: Path) -> ManifestFaceEngine:
    """The engine for `faces.recognizer_dir`, with the detector `faces.engine` names."""
    if faces.recognizer_dir is None:
        raise ConfigError("faces.recognizer_dir is not set (folder with manifest.yaml)")
    folder = Path(faces.recognizer_dir).expanduser()
    manifest, model = load_recognizer_manifest(folder)
    if measured_thresholds(manifest, folder) is None:
        log.warning("recognizer %s has no measured threshold (%s); matching uses %.2f until "
                    "`jikimi eval faces DIR --write-thresholds` measures one", manifest.model_id,
                    folder / THRESHOLDS_FILE, faces.threshold_for(manifest.model_id))
    providers = resolve_providers(faces.providers)
    recognizer = ManifestRecognizer(manifest, model, providers)
    detector: FaceDetector
    if faces.engine == "insightface":
        from enrichment.faces.insightface_engine import InsightFaceDetector

        detector = InsightFaceDetector.load(faces)
    else:
        detector = YuNetDetector(fixed_yunet(model_cache_dir), providers,
                                 det_size=faces.det_size, score_threshold=faces.det_threshold)
    return ManifestFaceEngine(detector, recognizer, faces)
