"""Analyse one media item's bytes: frames → faces (and tracks) → hashes → synthetic-media signals.

A still image is one frame. A video, and an animated GIF/WebP/APNG (a short video in all but
name), is the frames sampled at exact timestamps; its faces carry the frame time and a track
number, its hashes are a PDQ per sampled frame (plus vPDQ where the package is installed), and
its media-level PDQ is the best-quality frame's. Every path ends in the same signal suite, so
every item gets `fake_score`, `score_basis` and `evidence`.
Functions here are pure over their inputs: storage, blobs and families are the stage's business.
They take the two settings sections they read (`EnrichSettings`: image limits and video
sampling), not the whole `Settings`, so a caller (a benchmark, a test, the application) states
exactly what an analysis depends on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from enrichment.decode import DecodedImage, decode_image
from enrichment.decode_budget import DecodeBudget
from enrichment.hashes import md5_hex, pdq_hash, pdq_reduces
from enrichment.pixel_digest import pixel_digest
from enrichment.signals.suite import SignalSuite
from enrichment.tracks import assign_tracks
from enrichment.video import (
    VideoSample,
    frame_pdq,
    sample_animation,
    sample_video,
)
from enrichment.video.frame_hashes import vpdq_or_reason
from kernel.errors import JikimiError, MediaTooLarge
from kernel.frames import Frame
from kernel.ports import DetectedFace, FaceEngine, SignalInput
from kernel.records import Face, Media
from kernel.settings import MediaSettings, VideoSettings
from kernel.sniff import sniff

VPDQ_MAX_SECONDS = 3600.0  # vPDQ decodes every frame: longer videos rely on frame PDQ


@dataclass(frozen=True)
class EnrichSettings:
    """The settings sections enrichment reads: `media` (image limits, whether raw bytes are
    kept) and `video` (frame sampling, tracks). The application picks them out of `Settings`."""

    media: MediaSettings
    video: VideoSettings


@dataclass
class StillImage:
    """A still image decoded and hashed, waiting for its faces (`finish_still` completes it)."""

    data: bytes
    media: Media  # sniffed: kind, content type and MD5 set
    image: DecodedImage
    pdq: str
    pdq_quality: int
    digest: str  # equal only for identical decoded pixels (enrichment.pixel_digest)


def analyze(
    data: bytes, media: Media, engine: FaceEngine, suite: SignalSuite, settings: EnrichSettings
) -> tuple[Media, list[Face]]:
    """Enriched media and its faces; raise a JikimiError for unusable input. One item, its faces
    embedded on their own (`enrichment.batch.analyze_many` shares recognizer batches)."""
    opened = open_item(data, media, engine, suite, settings)
    if not isinstance(opened, StillImage):
        return opened
    faces = faces_in(Frame(rgb=opened.image.rgb, ts=None), media.media_id, engine)
    return finish_still(opened, faces, suite)


def open_item(
    data: bytes, media: Media, engine: FaceEngine, suite: SignalSuite, settings: EnrichSettings
) -> StillImage | tuple[Media, list[Face]]:
    """A still image decoded and hashed; a video or animation analysed to the end right away."""
    kind, content_type = sniff(data)
    # the bytes, not the header, say what it is; MD5 is for hash sharing (jikimi.takedown.exports)
    media = replace(media, kind=kind, content_type=content_type,
                    info=dict(media.info, md5=md5_hex(data)))
    if kind == "video":
        sample = sample_video(data, settings.video, cover_whole=True)
        return analyze_sequence(data, media, content_type, sample, engine, suite, settings.video,
                                pdq_long_side=settings.media.pdq_long_side)
    if kind != "image":
        raise JikimiError("not a recognised image or video format")
    if len(data) > settings.media.max_bytes:
        raise MediaTooLarge(f"image is {len(data)} bytes, over media.max_bytes")
    image = decode_image(data, max_pixels=settings.media.max_pixels,
                         budget=DecodeBudget.from_settings(settings.media))
    if image.frames > 1:
        sample = sample_animation(data, settings.video)
        return analyze_sequence(data, media, content_type, sample, engine, suite, settings.video,
                                pdq_long_side=settings.media.pdq_long_side)
    long_side = settings.media.pdq_long_side
    pdq, quality = pdq_hash(image.rgb, long_side)
    if pdq_reduces(image.width, image.height, long_side):
        media = replace(media, info=dict(media.info, pdq_long_side=long_side))
    return StillImage(data, media, image, pdq, quality, pixel_digest(data, image))


def finish_still(still: StillImage, faces: list[Face], suite: SignalSuite,
                 **info: Any) -> tuple[Media, list[Face]]:
    """The still image's signals and its enriched record; `info` adds to media.info."""
    image, media = still.image, still.media
    frame = Frame(rgb=image.rgb, ts=None)
    assessment = suite.assess(SignalInput(still.data, media.content_type, "image", [frame], faces))
    merged: dict[str, Any] = dict(media.info, format=image.format, frames=image.frames,
                                  pixel_digest=still.digest, **info)
    if image.scale != 1.0:  # draft-decoded: faces, hashes and signals saw the decoded size
        merged.update(decode_scale=round(image.scale, 6), decoded_size=[image.width, image.height])
    enriched = replace(
        media, status="enriched", error=None, width=image.full_size[0],
        height=image.full_size[1], pdq=still.pdq, pdq_quality=still.pdq_quality,
        face_count=len(faces), frame_count=1, info=merged,
        fake_score=assessment.fake_score, score_basis=assessment.score_basis,
        evidence=assessment.evidence,
    )
    return enriched, faces


def analyze_sequence(
    data: bytes,
    media: Media,
    content_type: str,
    sample: VideoSample,
    engine: FaceEngine,
    suite: SignalSuite,
    video: VideoSettings,
    *,
    pdq_long_side: int | None = None,
) -> tuple[Media, list[Face]]:
    """Faces per sampled frame grouped into tracks, frame hashes (reduced as `pdq_hash` says
    when `pdq_long_side` is set), and the signals."""
    faces: list[Face] = []
    for frame in sample.frames:
        faces.extend(faces_in(frame, media.media_id, engine))
    tracks = assign_tracks(faces, video.track_similarity)
    hashes = frame_pdq(sample, pdq_long_side)
    best = max(hashes, key=lambda h: h.quality, default=None)
    interval = _sample_interval(sample)
    info: dict[str, Any] = dict(
        media.info, format=sample.container, fps=sample.fps, sample_interval=interval,
        frames_decoded=sample.frames_decoded,
        truncated=sample.truncated, notes=list(sample.notes), tracks=tracks,
        frame_pdq=[[h.ts, h.pdq_hex, h.quality] for h in hashes],
    )
    if pdq_reduces(sample.width, sample.height, pdq_long_side):
        info["pdq_long_side"] = pdq_long_side
    if media.kind == "video":
        why: str | None = "vPDQ skipped: truncated stream or longer than its time budget"
        vpdq = None
        if not sample.truncated and (sample.duration or 0.0) <= VPDQ_MAX_SECONDS:
            vpdq, why = vpdq_or_reason(data)
        info["vpdq"] = None if vpdq is None else [[h.ts, h.pdq_hex, h.quality] for h in vpdq]
        if why:
            info["vpdq_missing"] = why
    assessment = suite.assess(SignalInput(data, content_type, media.kind, sample.frames, faces))
    enriched = replace(
        media, status="enriched", error=None, width=sample.width, height=sample.height,
        pdq=best.pdq_hex if best else None, pdq_quality=best.quality if best else None,
        face_count=len(faces), duration=sample.duration, codec=sample.codec,
        frame_count=len(sample.frames), info=info, fake_score=assessment.fake_score,
        score_basis=assessment.score_basis, evidence=assessment.evidence,
    )
    return enriched, faces


def _sample_interval(sample: VideoSample) -> float | None:
    """The regular spacing of the fps-sampled frames (None with fewer than two)."""
    times = [f.ts for f in sample.frames if f.reason == "fps" and f.ts is not None]
    return round(times[1] - times[0], 6) if len(times) > 1 else None


def faces_in(frame: Frame, media_id: str, engine: FaceEngine) -> list[Face]:
    """Detected and embedded faces of one frame, indexed in detection order."""
    detected = engine.detect(frame.rgb)
    if not detected:
        return []
    return as_faces(detected, engine.embed(frame.rgb, detected), media_id, engine.model_id,
                    frame.ts)


def as_faces(detected: Sequence[DetectedFace], vectors: np.ndarray, media_id: str,
             model_id: str, ts: float | None) -> list[Face]:
    """Face records of one frame's detections and their embeddings, in detection order."""
    return [
        Face(
            media_id=media_id, model_id=model_id, index=i,
            bbox=(float(det.bbox[0]), float(det.bbox[1]), float(det.bbox[2]),
                  float(det.bbox[3])),
            landmarks=[(float(x), float(y)) for x, y in det.landmarks],
            det_score=float(det.score), embedding=vectors[i], frame_ts=ts,
        )
        for i, det in enumerate(detected)
    ]
