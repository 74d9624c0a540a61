"""Face engines (detector + recognizer pairs) behind jikimi.ports.FaceEngine.

`build_engine` picks the engine named by `faces.engine` and caches it per the settings that shape
it, so repeated calls (one per enrichment batch, per enrollment) reuse loaded models instead of
re-reading and re-optimising them.
"""

from __future__ import annotations

import json
import threading

from jikimi.errors import ConfigError
from jikimi.ports import FaceEngine
from jikimi.settings import Settings

_engines: dict[str, FaceEngine] = {}
_lock = threading.Lock()


def engine_cache_key(settings: Settings) -> str:
    """Everything that changes what an engine loads or returns (thresholds applied later don't)."""
    faces = settings.faces
    relevant: dict[str, object] = {
        "engine": faces.engine,
        "providers": faces.providers,
        "det_size": faces.det_size,
        "min_face_px": faces.min_face_px,
        "det_threshold": faces.det_threshold,
        "cache_dir": str(settings.model_cache_dir.resolve()),
    }
    if faces.engine == "insightface":
        relevant |= {
            "root": str(faces.insightface_root),
            "pack": faces.insightface_pack,
            "checksums": sorted(faces.insightface_checksums.items()),
        }
    return json.dumps(relevant, sort_keys=True)


def build_engine(settings: Settings) -> FaceEngine:
    """The configured face engine, loaded once per distinct configuration."""
    key = engine_cache_key(settings)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _load(settings)
            _engines[key] = engine
        return engine


def _load(settings: Settings) -> FaceEngine:
    if settings.faces.engine == "yunet-sface":
        from enrichment.faces.yunet_sface import YuNetSFaceEngine

        return YuNetSFaceEngine(settings)
    if settings.faces.engine == "insightface":
        from enrichment.faces.insightface_engine import InsightFaceEngine

        return InsightFaceEngine(settings)
    raise ConfigError(f"unknown face engine: {settings.faces.engine}")
