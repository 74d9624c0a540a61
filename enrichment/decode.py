"""Decode untrusted image bytes into one RGB array, or fail with a one-line JikimiError.

Crawled media is hostile by default: it can be truncated, corrupt, a decompression bomb (a tiny
file declaring billions of pixels), a progressive JPEG with thousands of scans (slow to decode), or
a format whose Pillow plugin shells out to another program (EPS → Ghostscript). So the format is
whitelisted, the declared pixel count is checked from the header *before* any pixel is decoded,
Pillow's own bomb guard is turned into an error instead of a warning, and every decoder failure
becomes :class:`DecodeError`. Everything downstream (PDQ, face detection) then sees exactly one
shape: upright (EXIF orientation applied), 8-bit, 3-channel RGB, transparency flattened on white.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from kernel.errors import DecodeError, MediaTooLarge, one_line

# Formats a crawler legitimately meets (JPEG covers MPO). Others (EPS, PSD, PCX, ...) are refused.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF")

# A normal progressive JPEG has ~10 scans; thousands make libjpeg spend minutes on a small file.
MAX_JPEG_SCANS = 300

_DECODER_FAILURES: tuple[type[BaseException], ...] = (
    OSError,  # includes Image.UnidentifiedImageError and "image file is truncated"
    SyntaxError,  # several Pillow plugins signal malformed headers this way
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
    zlib.error,
    MemoryError,
    RuntimeError,  # the AVIF plugin (libavif) reports corrupt files this way
)


@dataclass
class DecodedImage:
    """An upright 8-bit RGB image and what its container said about itself."""

    rgb: np.ndarray  # (height, width, 3) uint8, C-contiguous
    width: int
    height: int
    format: str  # Pillow's format name, e.g. "JPEG", "PNG"
    frames: int  # > 1 for animated GIF/WebP/APNG; only the first frame is decoded


def decode_image(data: bytes, *, max_pixels: int) -> DecodedImage:
    """Decode the first frame of `data` into upright RGB; raise DecodeError or MediaTooLarge."""
    if not data:
        raise DecodeError("empty image data")
    if data[:3] == b"\xff\xd8\xff" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise DecodeError(f"JPEG has more than {MAX_JPEG_SCANS} scans (decode-time bomb)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "corrupt EXIF" etc. on hostile input
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, max_pixels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(f"image too large: {one_line(exc)}") from None
    except Image.UnidentifiedImageError:
        raise DecodeError(f"cannot decode image: not a format jikimi reads "
                          f"({', '.join(ALLOWED_FORMATS)})") from None
    except _DECODER_FAILURES as exc:
        raise DecodeError(f"cannot decode image: {one_line(exc)}") from None


def _decode(data: bytes, max_pixels: int) -> DecodedImage:
    Image.init()  # registers plugins once; `formats` may only name registered ones
    allowed = [name for name in ALLOWED_FORMATS if name in Image.OPEN]
    with Image.open(io.BytesIO(data), formats=allowed) as img:
        fmt = img.format or "unknown"
        width, height = img.size
        if width <= 0 or height <= 0:
            raise DecodeError(f"{fmt} declares an empty size {width}x{height}")
        if width * height > max_pixels:
            raise MediaTooLarge(
                f"{fmt} of {width}x{height} = {width * height} pixels exceeds {max_pixels}"
            )
        frames = int(getattr(img, "n_frames", 1) or 1)
        if frames > 1:
            img.seek(0)
        img.load()
        upright = ImageOps.exif_transpose(img) or img
        rgb = to_rgb8(upright)
    return DecodedImage(rgb=rgb, width=rgb.shape[1], height=rgb.shape[0], format=fmt,
                        frames=frames)


def to_rgb8(img: Image.Image) -> np.ndarray:
    """Any Pillow mode → (H, W, 3) uint8 RGB; alpha is composited on white."""
    mode = img.mode
    if mode == "RGB":
        return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))
    if mode in {"I;16", "I;16L", "I;16B", "I;16N", "I", "F"}:
        gray = _wide_gray_to_8bit(np.asarray(img))
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    has_alpha = mode in {"RGBA", "RGBa", "LA", "La", "PA"} or (
        mode in {"P", "L", "RGB"} and "transparency" in img.info
    )
    if has_alpha:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        flat = rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return np.ascontiguousarray(np.clip(flat + 0.5, 0, 255).astype(np.uint8))
    # CMYK (Adobe inversion already handled by the JPEG decoder), L, 1, P, YCbCr, ...
    return np.ascontiguousarray(np.asarray(img.convert("RGB"), dtype=np.uint8))


def _wide_gray_to_8bit(values: np.ndarray) -> np.ndarray:
    """16-bit or 32-bit grayscale to 8 bits by scaling, not clipping (Pillow's convert clips)."""
    arr = values.astype(np.float64)
    if values.dtype.kind == "f":
        top = 1.0 if float(np.nanmax(arr, initial=0.0)) <= 1.0 else 255.0
        arr = np.nan_to_num(arr) * (255.0 / top)
    elif float(arr.max(initial=0.0)) > 255.0:
        arr = arr * (255.0 / 65535.0)
    return np.clip(arr + 0.5, 0, 255).astype(np.uint8)
