"""Open untrusted video bytes with PyAV, choosing the demuxer ourselves, and describe the stream.

FFmpeg's format auto-detection is a hazard on hostile input: an HLS or concat playlist disguised
as a video makes libavformat open the files and URLs it names (local-file disclosure, SSRF). So
the demuxer is picked from magic bytes among a short whitelist (MP4/MOV/M4V, Matroska/WebM, AVI,
FLV, MPEG-TS) and passed to FFmpeg explicitly; nothing else is ever probed. Every FFmpeg failure
becomes a one-line :class:`DecodeError`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av
import av.container
import av.video.stream

from kernel.errors import DecodeError, one_line

# ISO-BMFF top-level boxes a QuickTime/MP4 file may start with (MOV often starts with wide/mdat).
_MP4_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}

FAILURES: tuple[type[BaseException], ...] = (
    av.FFmpegError, OSError, ValueError, EOFError, IndexError, KeyError, TypeError,
    OverflowError, ZeroDivisionError, MemoryError, RuntimeError,
)


@dataclass
class VideoInfo:
    """What the container says about its first video stream (before any frame is decoded)."""

    container: str  # "mp4", "mov", "m4v", "webm", "matroska", "avi", "flv", "mpegts"
    codec: str
    width: int
    height: int
    duration: float | None
    fps: float | None
    start: Fraction  # presentation time of the stream's start, subtracted from frame times


def sniff_container(data: bytes) -> tuple[str, str] | None:
    """(FFmpeg demuxer name, friendly container name) judged from magic bytes, or None."""
    head = data[:64]
    if head[4:8] in _MP4_FIRST_BOXES:
        brand = head[8:12] if head[4:8] == b"ftyp" else b""
        if brand == b"qt  " or head[4:8] in {b"wide", b"mdat", b"pnot"}:
            return "mov", "mov"
        return "mov", "m4v" if brand in {b"M4V ", b"M4VH", b"M4VP"} else "mp4"
    if head[:4] == b"\x1aE\xdf\xa3":
        return "matroska", "webm" if b"webm" in head else "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi", "avi"
    if head[:3] == b"FLV":
        return "flv", "flv"
    if len(data) > 376 and data[0] == data[188] == data[376] == 0x47:
        return "mpegts", "mpegts"
    return None


def open_video(data: bytes) -> tuple[av.container.InputContainer, str]:
    """Open `data` with a whitelisted demuxer: (container, friendly container name)."""
    if not data:
        raise DecodeError("empty video data")
    sniffed = sniff_container(data)
    if sniffed is None:
        raise DecodeError("not a supported video container "
                          "(mp4, mov, m4v, webm, mkv, avi, flv, ts)")
    demuxer, name = sniffed
    try:
        container = av.open(io.BytesIO(data), mode="r", format=demuxer, metadata_errors="replace",
                            options={"probesize": "5000000", "analyzeduration": "5000000"})
    except FAILURES as exc:
        missing = demuxer == "mov" and isinstance(exc, av.InvalidDataError)
        hint = " (truncated file, or its index is missing)" if missing else ""
        raise DecodeError(f"cannot open {name} video{hint}: {one_line(exc)}") from None
    return container, name


def first_video_stream(container: av.container.InputContainer,
                       name: str) -> av.video.stream.VideoStream:
    if not container.streams.video:
        kinds = ", ".join(sorted({str(s.type) for s in container.streams})) or "no"
        raise DecodeError(f"{name} file has no video stream ({kinds} streams only)")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # FFmpeg has no decoder for the stream's codec tag
        raise DecodeError(f"{name} video stream uses a codec this decoder does not support")
    return stream


def describe(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
             name: str) -> VideoInfo:
    ctx = stream.codec_context
    base = stream.time_base or Fraction(1, 1)
    duration: float | None = None
    if stream.duration is not None and stream.duration > 0:
        duration = float(stream.duration * base)
    elif container.duration is not None and container.duration > 0:
        duration = container.duration / av.time_base
    rate = stream.average_rate or stream.guessed_rate
    fps = float(rate) if rate else None
    start = Fraction(stream.start_time) * base if stream.start_time is not None else Fraction(0)
    return VideoInfo(container=name, codec=ctx.name or "unknown", width=ctx.width or 0,
                     height=ctx.height or 0, duration=duration, fps=fps, start=start)


def probe_video(data: bytes) -> VideoInfo:
    """Container, codec, resolution, duration and frame rate without decoding a frame."""
    container, name = open_video(data)
    try:
        return describe(container, first_video_stream(container, name), name)
    finally:
        container.close()
