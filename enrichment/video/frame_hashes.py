"""Perceptual hashes of a video: PDQ of every sampled frame, and vPDQ where it is installed.

PDQ per sampled frame needs nothing beyond what enrichment already has and is what
:func:`enrichment.video.family.compare_videos` matches by default. vPDQ (Meta's video PDQ, the
format ThreatExchange shares) is computed by the `vpdq` package, which decodes the file itself
with its own FFmpeg: it needs a file path, so the bytes go to a private temporary file that is
deleted afterwards. Call it only on bytes that :func:`sample_video` already accepted (a whitelisted
container), so vPDQ's FFmpeg never auto-detects a playlist or other hostile format.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from types import ModuleType

from enrichment.hashes import pdq_hash
from enrichment.video.container import sniff_container
from enrichment.video.sample import VideoSample
from kernel.errors import DecodeError, MediaError, one_line

VPDQ_SECONDS_PER_HASH = 1.0  # vPDQ's own sampling: one frame per this many seconds (its default)


@dataclass(frozen=True)
class FrameHash:
    ts: float  # seconds into the video
    pdq_hex: str  # 64 hex digits, ThreatExchange bit order
    quality: int  # 0-100; below 50 the hash says little


def frame_pdq(sample: VideoSample, long_side: int | None = None) -> list[FrameHash]:
    """PDQ hash and quality of every sampled frame, in time order (`long_side`: see
    `enrichment.hashes.pdq_hash`)."""
    hashes = []
    for frame in sample.frames:
        digest, quality = pdq_hash(frame.rgb, long_side)
        hashes.append(FrameHash(ts=frame.ts or 0.0, pdq_hex=digest, quality=quality))
    return hashes


def _vpdq_module() -> tuple[ModuleType | None, str | None]:
    try:
        import vpdq  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        return None, (f"vPDQ not computed: the vpdq package is not installed ({one_line(exc)}); "
                      "it builds against Debian's FFmpeg development packages")
    return vpdq, None


def vpdq_unavailable_reason() -> str | None:
    """None when vPDQ can be computed here, else one line saying why not (for the record)."""
    return _vpdq_module()[1]


def video_vpdq(data: bytes, *, seconds_per_hash: float = VPDQ_SECONDS_PER_HASH
               ) -> list[FrameHash] | None:
    """vPDQ features of a video (None when vpdq is not installed).

    vPDQ samples by itself: it decodes every frame and hashes one every `seconds_per_hash`
    seconds counted in frames (every round(fps x seconds_per_hash)-th frame) at full resolution,
    so its timestamps are frame-grid times, close to but not always equal to ours.
    """
    vpdq, _ = _vpdq_module()
    if vpdq is None:
        return None
    sniffed = sniff_container(data)
    if sniffed is None:
        raise DecodeError("vPDQ refused: not a supported video container")
    handle, path = tempfile.mkstemp(prefix="jikimi-vpdq-", suffix=f".{sniffed[1]}")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        features = vpdq.computeHash(path, seconds_per_hash=seconds_per_hash)
    except Exception as exc:  # noqa: BLE001 - the binding raises bare Exception on bad input
        raise DecodeError(f"vPDQ could not hash the video: {one_line(exc)}") from None
    finally:
        os.unlink(path)
    if not features:
        raise DecodeError("vPDQ found no decodable frame in the video")
    return [FrameHash(ts=float(f.timestamp), pdq_hex=str(f.hex), quality=int(f.quality))
            for f in features]


def vpdq_or_reason(data: bytes) -> tuple[list[FrameHash] | None, str | None]:
    """(vPDQ features, None), or (None, why not): never fails the item for want of a vPDQ.

    vPDQ refuses some files PyAV still samples (a truncated MP4 gives PyAV its first frames but
    vPDQ nothing), and the per-frame PDQ hashes identify the media family without it.
    """
    reason = vpdq_unavailable_reason()
    if reason is not None:
        return None, reason
    try:
        return video_vpdq(data), None
    except MediaError as exc:
        return None, str(exc)
