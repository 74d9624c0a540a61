"""decode_image on the kinds of bytes a crawler meets: odd modes, animation, EXIF, and hostility."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from enrichment.decode import MAX_JPEG_SCANS, decode_image
from kernel.errors import DecodeError, MediaError, MediaTooLarge

PHOTOS = Path(__file__).resolve().parents[1] / "jikimi" / "demo" / "photos"
LIMIT = 64_000_000


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **params)
    return buf.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def test_plain_jpeg_photo() -> None:
    decoded = decode_image((PHOTOS / "person_a_1.jpg").read_bytes(), max_pixels=LIMIT)
    assert decoded.format == "JPEG"
    assert (decoded.height, decoded.width) == decoded.rgb.shape[:2] == (244, 204)
    assert decoded.rgb.dtype == np.uint8 and decoded.rgb.shape[2] == 3
    assert decoded.rgb.flags.c_contiguous
    assert decoded.frames == 1


@pytest.mark.parametrize("data", [b"", b"\x00" * 100, b"not an image at all", b"\xff\xd8\xff"])
def test_empty_or_garbage_bytes_are_decode_errors(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode_image(data, max_pixels=LIMIT)
    assert "\n" not in str(info.value)


def test_truncated_jpeg_is_a_decode_error() -> None:
    data = (PHOTOS / "person_b_1.jpg").read_bytes()
    with pytest.raises(DecodeError, match="truncated|cannot decode"):
        decode_image(data[: len(data) // 2], max_pixels=LIMIT)


def test_corrupt_png_checksum_is_a_decode_error() -> None:
    data = bytearray(encode(Image.new("RGB", (32, 32), (10, 20, 30)), "PNG"))
    data[40] ^= 0xFF  # inside IDAT: zlib or CRC failure
    with pytest.raises(DecodeError):
        decode_image(bytes(data), max_pixels=LIMIT)


def test_header_bomb_is_refused_before_decoding() -> None:
    bomb = png_declaring(50_000, 50_000)  # 2.5 gigapixels in ~100 bytes
    assert len(bomb) < 200
    with pytest.raises(MediaTooLarge, match="exceeds"):
        decode_image(bomb, max_pixels=LIMIT)


def test_pillow_bomb_guard_also_becomes_media_too_large() -> None:
    # With our own limit set absurdly high, Pillow's built-in guard still refuses the file.
    with pytest.raises(MediaTooLarge):
        decode_image(png_declaring(100_000, 100_000), max_pixels=10**12)


def test_pixel_limit_is_exact() -> None:
    data = encode(Image.new("RGB", (100, 50)), "PNG")
    assert decode_image(data, max_pixels=5000).width == 100
    with pytest.raises(MediaTooLarge):
        decode_image(data, max_pixels=4999)


def test_jpeg_with_thousands_of_scans_is_refused() -> None:
    data = b"\xff\xd8\xff\xe0" + b"\xff\xda\x00\x08" * (MAX_JPEG_SCANS + 1) + b"\xff\xd9"
    with pytest.raises(DecodeError, match="scans"):
        decode_image(data, max_pixels=LIMIT)


def test_unsupported_format_is_refused() -> None:
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"
    with pytest.raises(DecodeError):
        decode_image(eps, max_pixels=LIMIT)
    pcx = encode(Image.new("RGB", (8, 8), (1, 2, 3)), "PCX")
    with pytest.raises(DecodeError):
        decode_image(pcx, max_pixels=LIMIT)


def test_cmyk_jpeg_becomes_rgb() -> None:
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red in CMYK
    decoded = decode_image(encode(cmyk, "JPEG", quality=95), max_pixels=LIMIT)
    r, g, b = decoded.rgb[8, 8].astype(int)
    assert decoded.rgb.shape == (16, 16, 3)
    assert r > 200 and g < 60 and b < 60


def test_16_bit_png_is_scaled_not_clipped() -> None:
    ramp = np.tile(np.array([0, 257 * 64, 32768, 65535], dtype=np.uint16), (4, 1))
    img = Image.fromarray(ramp)
    assert img.mode.startswith("I;16")
    decoded = decode_image(encode(img, "PNG"), max_pixels=LIMIT)
    assert decoded.rgb[0, :, 0].tolist() == [0, 64, 128, 255]
    assert (decoded.rgb[..., 0] == decoded.rgb[..., 2]).all()


def test_rgba_is_composited_on_white() -> None:
    pixels = np.zeros((2, 2, 4), dtype=np.uint8)
    pixels[0, 0] = (255, 0, 0, 255)  # opaque red
    pixels[0, 1] = (255, 0, 0, 0)  # fully transparent
    pixels[1, 0] = (0, 0, 0, 128)  # half-transparent black
    pixels[1, 1] = (0, 0, 255, 255)
    decoded = decode_image(encode(Image.fromarray(pixels, "RGBA"), "PNG"), max_pixels=LIMIT)
    assert decoded.rgb[0, 0].tolist() == [255, 0, 0]
    assert decoded.rgb[0, 1].tolist() == [255, 255, 255]
    assert decoded.rgb[1, 0].tolist() == [127, 127, 127]
    assert decoded.rgb[1, 1].tolist() == [0, 0, 255]


def test_grayscale_with_alpha() -> None:
    la = Image.fromarray(np.array([[[0, 255], [0, 0]]], dtype=np.uint8), "LA")
    decoded = decode_image(encode(la, "PNG"), max_pixels=LIMIT)
    assert decoded.rgb[0].tolist() == [[0, 0, 0], [255, 255, 255]]


def test_palette_with_transparency() -> None:
    img = Image.new("P", (4, 1))
    img.putpalette([0, 0, 0, 0, 200, 0] + [0] * (256 * 3 - 6))
    img.putdata([0, 1, 1, 0])
    decoded = decode_image(encode(img, "PNG", transparency=0), max_pixels=LIMIT)
    assert decoded.rgb[0].tolist() == [[255, 255, 255], [0, 200, 0], [0, 200, 0], [255, 255, 255]]


def test_grayscale_becomes_three_equal_channels() -> None:
    decoded = decode_image(encode(Image.new("L", (3, 3), 77), "PNG"), max_pixels=LIMIT)
    assert decoded.rgb.shape == (3, 3, 3) and (decoded.rgb == 77).all()


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_gives_first_frame_and_frame_count(fmt: str) -> None:
    colors = [(250, 0, 0), (0, 250, 0), (0, 0, 250)]
    frames = [Image.new("RGB", (20, 10), color) for color in colors]
    params: dict[str, object] = {"save_all": True, "append_images": frames[1:], "duration": 100}
    if fmt == "WEBP":
        params["lossless"] = True
    decoded = decode_image(encode(frames[0], fmt, **params), max_pixels=LIMIT)
    assert decoded.frames == 3
    assert decoded.format == fmt
    r, g, b = decoded.rgb[5, 10].astype(int)
    assert r > 200 and g < 30 and b < 30


def test_exif_orientation_rotates_the_pixels() -> None:
    stored = np.zeros((20, 40, 3), dtype=np.uint8)
    stored[:, :20] = (255, 0, 0)  # left half red
    stored[:, 20:] = (0, 0, 255)  # right half blue
    img = Image.fromarray(stored)
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    decoded = decode_image(encode(img, "JPEG", quality=95, exif=exif), max_pixels=LIMIT)
    assert (decoded.width, decoded.height) == (20, 40)
    top, bottom = decoded.rgb[5, 10].astype(int), decoded.rgb[35, 10].astype(int)
    assert top[0] > 200 and top[2] < 60  # the left (red) half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_mutated_files_never_escape_as_other_errors() -> None:
    """Random byte damage to real files either decodes or raises a MediaError: nothing else."""
    rng = random.Random(1234)
    seeds = [
        (PHOTOS / "person_a_1.jpg").read_bytes(),
        encode(Image.new("RGBA", (64, 48), (1, 2, 3, 4)), "PNG"),
        encode(Image.new("P", (40, 40)), "GIF"),
        encode(Image.new("RGB", (40, 40), (9, 9, 9)), "WEBP"),
        encode(Image.new("RGB", (40, 40), (9, 9, 9)), "TIFF"),
    ]
    outcomes = {"decoded": 0, "refused": 0}
    for seed in seeds:
        for _ in range(40):
            data = bytearray(seed)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            if rng.random() < 0.3:
                data = data[: rng.randrange(1, len(data))]
            try:
                decoded = decode_image(bytes(data), max_pixels=LIMIT)
            except MediaError as exc:
                assert "\n" not in str(exc)
                outcomes["refused"] += 1
            else:
                assert decoded.rgb.ndim == 3 and decoded.rgb.shape[2] == 3
                outcomes["decoded"] += 1
    assert outcomes["decoded"] > 0 and outcomes["refused"] > 0
