"""Hostile media: every format Pillow and PyAV write, cut and bit-flipped, plus header and
animation bombs. Images are neutral generated patterns (no faces, nothing from the web)."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from fractions import Fraction

import av
import numpy as np
from PIL import Image

from tests.video_fixtures import encoder_available, make_animation, make_video, pattern

# (Pillow format, file extension, mode) for every still format this Pillow writes from RGB(A).
STILL_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("JPEG", "jpg", "RGB"), ("PNG", "png", "RGBA"), ("GIF", "gif", "P"), ("WEBP", "webp", "RGB"),
    ("BMP", "bmp", "RGB"), ("TIFF", "tif", "CMYK"), ("ICO", "ico", "RGBA"), ("PPM", "ppm", "RGB"),
    ("TGA", "tga", "RGB"), ("PCX", "pcx", "RGB"), ("SGI", "sgi", "RGB"), ("IM", "im", "RGB"),
    ("DDS", "dds", "RGB"), ("QOI", "qoi", "RGB"), ("JPEG2000", "jp2", "RGB"),
    ("AVIF", "avif", "RGB"), ("ICNS", "icns", "RGBA"), ("SPIDER", "spi", "F"),
    ("PDF", "pdf", "RGB"), ("EPS", "eps", "RGB"), ("PNG", "png", "I;16"),
    ("JPEG", "jpg", "L"),
)


def still(fmt: str, mode: str, seed: int, size: tuple[int, int] = (64, 48)) -> bytes | None:
    """One small still image, or None when this Pillow build cannot write it."""
    image = Image.fromarray(pattern(size, seed))
    image = image.convert("RGBA" if mode == "RGBA" else "RGB")
    if mode not in {"RGB", "RGBA"}:
        image = image.convert(mode)
    options: dict[str, object] = {"progressive": True} if fmt == "JPEG" and seed % 2 else {}
    out = io.BytesIO()
    try:
        image.save(out, fmt, **options)
    except (OSError, ValueError, KeyError):
        return None
    return out.getvalue()


def animations(seed: int) -> Iterator[tuple[str, bytes]]:
    """Animated GIF, WebP and APNG of a few frames."""
    frames = [(pattern((48, 32), seed + i), 100) for i in range(4)]
    for fmt, ext in (("GIF", "gif"), ("WEBP", "webp"), ("PNG", "png")):
        yield ext, make_animation(frames, fmt)


def videos(seed: int) -> Iterator[tuple[str, bytes]]:
    """Short clips in every container/codec pair this PyAV wheel encodes."""
    segments = [(pattern((64, 48), seed), 0.5), (pattern((64, 48), seed + 1), 0.5)]
    for codec, container, ext in (("mpeg4", "mp4", "mp4"), ("libx264", "mp4", "mp4"),
                                  ("libvpx", "webm", "webm"), ("libvpx-vp9", "webm", "webm"),
                                  ("mjpeg", "mov", "mov")):
        if encoder_available(codec):
            pix = "yuvj420p" if codec == "mjpeg" else "yuv420p"
            yield ext, _encode(segments, codec, container, pix) if codec == "mjpeg" else make_video(
                segments, codec=codec, container=container, faststart=container == "mp4")


def _encode(segments: list[tuple[np.ndarray, float]], codec: str, container: str,
            pix_fmt: str, fps: int = 10) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format=container) as box:
        stream = box.add_stream(codec, rate=fps)
        assert isinstance(stream, av.video.stream.VideoStream)
        height, width = segments[0][0].shape[:2]
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        index = 0
        for rgb, seconds in segments:
            for _ in range(round(seconds * fps)):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts, frame.time_base = index, Fraction(1, fps)
                box.mux(stream.encode(frame))
                index += 1
        box.mux(stream.encode(None))
    return out.getvalue()


def truncated(data: bytes, rng: random.Random) -> bytes:
    """Cut at a random point (sometimes inside the header)."""
    cut = rng.randrange(1, max(2, min(len(data), 64))) if rng.random() < 0.3 else None
    return data[: cut if cut is not None else rng.randrange(1, len(data))]


def bit_flipped(data: bytes, rng: random.Random) -> bytes:
    """Flip 1–16 random bits; a third of the time, in the first 64 bytes (the header)."""
    mutant = bytearray(data)
    span = min(len(mutant), 64) if rng.random() < 0.33 else len(mutant)
    for _ in range(rng.randint(1, 16)):
        mutant[rng.randrange(span)] ^= 1 << rng.randrange(8)
    return bytes(mutant)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_bomb(width: int, height: int) -> bytes:
    """A valid PNG header declaring width×height over a few bytes of compressed zeros."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def jpeg_header_bomb(width: int, height: int) -> bytes:
    """A real JPEG whose SOF0 dimensions are rewritten to width×height (then cut short)."""
    data = bytearray(still("JPEG", "RGB", 7) or b"")
    sof = data.find(b"\xff\xc0")
    if sof < 0:
        sof = data.find(b"\xff\xc2")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_header_bomb(width: int, height: int, frames: int = 1) -> bytes:
    """A GIF whose logical screen is width×height, holding `frames` 1×1 frames."""
    image_block = (b"\x21\xf9\x04\x00\x01\x00\x00\x00" + b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1)
                   + b"\x00\x02\x02\x44\x01\x00")
    return (b"GIF89a" + struct.pack("<HH", width, height) + b"\xf0\x00\x00"
            + b"\x00\x00\x00\xff\xff\xff"
            + b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00" + image_block * frames + b"\x3b")


def bmp_header_bomb(width: int, height: int) -> bytes:
    header = struct.pack("<2sIHHI", b"BM", 54 + 16, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 16, 2835, 2835, 0, 0)
    return header + info + b"\x00" * 16


def tiff_header_bomb(width: int, height: int) -> bytes:
    """A little-endian TIFF declaring width×height, one strip of 8 bytes."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1),
               (262, 3, 1, 1), (273, 4, 1, 8 + 2 + 12 * 8 + 4), (277, 3, 1, 1),
               (279, 4, 1, 8)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, count, value) for tag, kind, count, value in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00" + b"\x00" * 8


def webp_canvas_bomb() -> bytes:
    """An extended WebP (VP8X) declaring a 16384×16384 canvas around a tiny frame."""
    small = still("WEBP", "RGB", 3, (8, 8)) or b""
    inner = small[12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (16383).to_bytes(3, "little") \
        + (16383).to_bytes(3, "little")
    body = b"WEBP" + vp8x + inner
    return b"RIFF" + struct.pack("<I", len(body)) + body


def many_frame_animation(fmt: str, frames: int) -> bytes:
    """An animation bomb: thousands of tiny frames in a small file."""
    images = [Image.fromarray(pattern((8, 8), i % 7)) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, fmt, save_all=True, append_images=images[1:], duration=10, loop=0)
    return out.getvalue()


def many_frame_video(frames: int, fps: int = 250) -> bytes:
    """A tiny-frame video with thousands of frames in a few seconds."""
    return _encode([(pattern((32, 32), 1), frames / fps)], "mpeg4", "mp4", "yuv420p", fps)
