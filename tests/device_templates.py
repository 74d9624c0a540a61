"""Face templates as the enrollment page sends them (issue 16), computed from the demo portraits
with the real default engine, the way the browser's pipeline computes them: base64 of the
float32 little-endian embedding, and the quality figures of the face."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from httpx import Response

from enrichment.decode import decode_image
from enrichment.faces.quality import detected_quality
from jikimi import registry
from jikimi.demo.site import photo_bytes
from kernel.settings import Settings


def vector_b64(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()


def device_template(settings: Settings, name: str) -> dict[str, Any]:
    """One template of a demo photo (e.g. "person_a_1.jpg"), as JSON for the endpoint."""
    engine = registry.open_face_engine(settings)
    rgb = decode_image(photo_bytes(name), max_pixels=64_000_000).rgb
    [face] = engine.detect(rgb)
    quality = detected_quality(rgb, face)
    vector = engine.embed(rgb, [face])[0]
    return {"vector": vector_b64(vector),
            "quality": {"face_px": quality.face_px, "yaw": quality.yaw,
                        "det_score": quality.det_score, "sharpness": quality.sharpness}}


def enrollment(settings: Settings, *photos: str, **fields: Any) -> dict[str, Any]:
    """A whole body: her name, the server's model id and a template per photo."""
    body: dict[str, Any] = {"name": "Kim Ana",
                            "model_id": registry.face_model(settings).model_id,
                            "templates": [device_template(settings, p) for p in photos]}
    return body | fields


def post(client: TestClient, csrf: str, case_id: str, body: object) -> Response:
    return client.post(f"/cases/{case_id}/enroll/device", json=body,
                       headers={"X-CSRF-Token": csrf})
