"""The pipelines `jikimi.bench.enrich` times, each over a list of image files' bytes.

- `faces_only`: what InsightFace's `FaceAnalysis.get` does, the jikimi way: decode (as
  enrichment does), detect, and embed every face of the chunk in shared recognizer batches.
- `per_image`: the same faces embedded image by image (the path before batching), for
  `embedding_cos_min`; never timed.
- `full`: enrichment's own analysis (`enrichment.batch.analyze_many`): decode, faces, PDQ and
  MD5, the pixel digest and every enabled synthetic-media signal; `full_pdq512` the same with
  PDQ on a copy reduced to 512 pixels (`media.pdq_long_side`).
- `face_analysis`: `FaceAnalysis.get` on a BGR decode by OpenCV, as its users call it.

`run_mode` runs one of them by name; `run_chunk` is what a worker process runs
(`enrichment.workers.start_worker` built its tools).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from enrichment.analyze import EnrichSettings
from enrichment.batch import embed_images
from enrichment.decode import decode_image
from enrichment.decode_budget import DecodeBudget
from enrichment.workers import EnrichTools, analyze_in, worker_tools
from kernel.errors import JikimiError
from kernel.ports import FaceEngine
from kernel.records import Media


def faces_only(items: Sequence[bytes], engine: FaceEngine,
               settings: EnrichSettings) -> list[np.ndarray]:
    """Each image's face embeddings (an undecodable image has none)."""
    images = [_decode(data, settings) for data in items]
    found = [(rgb, engine.detect(rgb) if rgb is not None else []) for rgb in images]
    usable = [(rgb, faces) for rgb, faces in found if rgb is not None]
    vectors = iter(embed_images(engine, usable))
    empty = np.zeros((0, engine.dims), dtype=np.float32)
    return [next(vectors) if rgb is not None else empty for rgb, _ in found]


def per_image(items: Sequence[bytes], engine: FaceEngine,
              settings: EnrichSettings) -> list[np.ndarray]:
    """Each image's face embeddings, one recognizer run per image."""
    result = []
    for data in items:
        rgb = _decode(data, settings)
        faces = engine.detect(rgb) if rgb is not None else []
        result.append(engine.embed(rgb, faces) if rgb is not None and faces
                      else np.zeros((0, engine.dims), dtype=np.float32))
    return result


def full(items: Sequence[bytes], tools: EnrichTools, settings: EnrichSettings) -> int:
    """Enrichment's analysis of the chunk; the number of faces found."""
    chunk = [(data, _media(data)) for data in items]
    return sum(len(outcome.faces) for outcome in analyze_in(tools, chunk, settings))


def face_analysis(items: Sequence[bytes], app: Any) -> int:
    """`FaceAnalysis.get` over the images; the number of faces found."""
    faces = 0
    with warnings.catch_warnings():  # its alignment calls a deprecated scikit-image API
        warnings.simplefilter("ignore", FutureWarning)
        for data in items:
            bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            if bgr is not None:
                faces += len(app.get(bgr))
    return faces


def run_chunk(mode: str, items: Sequence[bytes]) -> int:
    """In a worker: `run_mode` with the tools `start_worker` built."""
    tools, settings = worker_tools()
    return run_mode(mode, items, tools, settings)


def run_mode(mode: str, items: Sequence[bytes], tools: EnrichTools,
             settings: EnrichSettings) -> int:
    """Run `mode` ("faces", "full" or "full_pdq512": full with `media.pdq_long_side` 512) over
    the items; the number of faces found."""
    if mode == "faces":
        return sum(len(v) for v in faces_only(items, tools.engine, settings))
    if mode == "full_pdq512":
        settings = pdq_reduced(settings)
    return full(items, tools, settings)


def pdq_reduced(settings: EnrichSettings, long_side: int = 512) -> EnrichSettings:
    """`settings` with PDQ hashed on a copy reduced to `long_side` (media.pdq_long_side)."""
    media = settings.media.model_copy(update={"pdq_long_side": long_side})
    return EnrichSettings(media, settings.video)


def _decode(data: bytes, settings: EnrichSettings) -> np.ndarray | None:
    try:
        return decode_image(data, max_pixels=settings.media.max_pixels,
                            budget=DecodeBudget.from_settings(settings.media)).rgb
    except JikimiError:
        return None


def _media(data: bytes) -> Media:
    # "unknown" kind and no store row: the bench never saves, so nothing can be reused either
    return Media(media_id=hashlib.sha256(data).hexdigest(), kind="unknown", content_type="",
                 size=len(data))
