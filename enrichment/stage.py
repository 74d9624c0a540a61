"""The enrichment stage: turn newly crawled media into faces, hashes and metadata.

Each item is processed on its own: a corrupt or oversized file gets a recorded error and the
batch goes on. Results are written with content-derived ids in one transaction per item, so a
crash loses at most the item in flight, and a re-run redoes only what is still "new". Raw bytes
(of usable and unusable items alike) are deleted from the blob store afterwards unless
`media.keep_media` is set; bytes a crash left behind are swept on the next run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from enrichment.decode import decode_image
from enrichment.hashes import pdq_hash
from enrichment.sniff import sniff
from jikimi.errors import JikimiError, NotFound
from jikimi.ports import BlobStore, FaceEngine, MediaStore
from jikimi.records import INCOMING_PREFIX, Face, Media
from jikimi.settings import Settings

Progress = Callable[[str], None]


@dataclass
class EnrichReport:
    media: int = 0
    enriched: int = 0
    faces: int = 0
    errors: list[str] = field(default_factory=list)
    swept: int = 0
    seconds: float = 0.0


def analyze_image(data: bytes, media: Media, engine: FaceEngine, settings: Settings) -> tuple[
    Media, list[Face]
]:
    """Decode, hash and find faces in one image; raise a JikimiError for unusable input."""
    image = decode_image(data, max_pixels=settings.media.max_pixels)
    pdq, quality = pdq_hash(image.rgb)
    detected = engine.detect(image.rgb)
    vectors = engine.embed(image.rgb, detected) if detected else np.zeros((0, engine.dims))
    faces = [
        Face(
            media_id=media.media_id,
            model_id=engine.model_id,
            index=i,
            bbox=tuple(float(v) for v in det.bbox),  # type: ignore[arg-type]
            landmarks=[(float(x), float(y)) for x, y in det.landmarks],
            det_score=float(det.score),
            embedding=vectors[i],
        )
        for i, det in enumerate(detected)
    ]
    info = dict(media.info, format=image.format, frames=image.frames)
    enriched = replace(
        media, status="enriched", error=None, width=image.width, height=image.height,
        pdq=pdq, pdq_quality=quality, face_count=len(faces), info=info,
    )
    return enriched, faces


def enrich_pending(
    store: MediaStore,
    blobs: BlobStore,
    engine: FaceEngine,
    settings: Settings,
    *,
    limit: int | None = None,
    progress: Progress | None = None,
) -> EnrichReport:
    """Enrich every media item with status "new"; return counts and per-item errors."""
    started = time.monotonic()
    report = EnrichReport()
    if not settings.media.keep_media:
        report.swept = sweep_processed_blobs(store, blobs)
    pending = store.media_to_enrich(limit)
    for n, media in enumerate(pending, 1):
        report.media += 1
        try:
            enriched, faces = _enrich_one(media, blobs, engine, settings)
        except JikimiError as exc:
            store.set_media_error(media.media_id, str(exc))
            report.errors.append(f"{media.media_id[:12]}: {exc}")
            if not settings.media.keep_media and media.blob_key:
                blobs.delete(media.blob_key)  # unusable bytes are not kept either
            continue
        if not settings.media.keep_media and media.blob_key:
            enriched = replace(enriched, blob_key=None)
        store.save_enrichment(enriched, faces)
        if not settings.media.keep_media and media.blob_key:
            blobs.delete(media.blob_key)
        report.enriched += 1
        report.faces += len(faces)
        if progress and (n % 25 == 0 or n == len(pending)):
            progress(f"enrich: {n}/{len(pending)} media, {report.faces} faces")
    report.seconds = time.monotonic() - started
    return report


def sweep_processed_blobs(store: MediaStore, blobs: BlobStore) -> int:
    """Delete raw bytes left behind by a crash between storing results and deleting them.

    Only media the store knows as processed ("enriched" or "error") is swept: bytes of unknown
    media may belong to a crawl that is still writing.
    """
    swept = 0
    for key in list(blobs.keys(INCOMING_PREFIX)):
        media = store.get_media(key.removeprefix(INCOMING_PREFIX))
        if media is not None and media.status != "new":
            blobs.delete(key)
            swept += 1
    return swept


def _enrich_one(
    media: Media, blobs: BlobStore, engine: FaceEngine, settings: Settings
) -> tuple[Media, list[Face]]:
    if not media.blob_key:
        raise NotFound("no stored bytes for this media (already processed or never downloaded)")
    data = blobs.get(media.blob_key)
    if len(data) > settings.media.max_bytes:
        raise JikimiError(f"media is {len(data)} bytes, over media.max_bytes")
    kind, content_type = sniff(data)
    if kind == "video":
        raise JikimiError(f"video ({content_type}) is not analysed yet: frames come with issue 3")
    if kind != "image":
        raise JikimiError("not a recognised image format")
    return analyze_image(data, media, engine, settings)
