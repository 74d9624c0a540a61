"""Decode untrusted image bytes into one RGB array, or fail with a one-line JikimiError.

Crawled media is hostile by default: it can be truncated, corrupt, a decompression bomb (a tiny
file declaring billions of pixels), a progressive JPEG with thousands of scans (slow to decode), or
a format whose Pillow plugin shells out to another program (EPS → Ghostscript). So the format is
whitelisted, the declared pixel count and the decode's memory (`enrichment.decode_budget`) are
checked from the header *before* any pixel is decoded, a large JPEG is decoded at reduced scale
(`Image.draft`), Pillow's own bomb guard is turned into an error instead of a warning, and every
decoder failure becomes :class:`DecodeError`. Everything downstream (PDQ, face detection) then
sees exactly one shape: upright (EXIF orientation applied), 8-bit, 3-channel RGB, transparency
flattened on white.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from enrichment.decode_budget import (
    MIB,
    ORIENTATION,
    DecodeBudget,
    decode_bytes,
    draft_size,
    may_be_rotated,
)
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
    full_size: tuple[int, int] = (0, 0)  # upright (width, height) the header declares
    scale: float = 1.0  # decoded / declared width: < 1 when a JPEG was draft-decoded
    orientation: int = 1  # the EXIF orientation applied (1: none)


def decode_image(data: bytes, *, max_pixels: int,
                 budget: DecodeBudget | None = None) -> DecodedImage:
    """Decode the first frame of `data` into upright RGB; raise DecodeError or MediaTooLarge.

    With a `budget`, a JPEG larger than its long side is draft-decoded at reduced scale, and an
    image whose decode would need more than its bytes is refused before decoding."""
    if not data:
        raise DecodeError("empty image data")
    if data[:3] == b"\xff\xd8\xff" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise DecodeError(f"JPEG has more than {MAX_JPEG_SCANS} scans (decode-time bomb)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "corrupt EXIF" etc. on hostile input
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, max_pixels, budget or DecodeBudget())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(f"image too large: {one_line(exc)}") from None
    except Image.UnidentifiedImageError:
        raise DecodeError(f"cannot decode image: not a format jikimi reads "
                          f"({', '.join(ALLOWED_FORMATS)})") from None
    except _DECODER_FAILURES as exc:
        raise DecodeError(f"cannot decode image: {one_line(exc)}") from None


def _decode(data: bytes, max_pixels: int, budget: DecodeBudget) -> DecodedImage:
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
        requested = draft_size(width, height, budget.long_side)
        if requested is not None:
            img.draft(None, requested)  # JPEG only: DCT scaling (1/2–1/8); others ignore it
        _check_budget(img, fmt, may_be_rotated(img), budget)
        img.load()
        orientation = img.getexif().get(ORIENTATION, 1) or 1
        rotated = orientation != 1
        scale = img.size[0] / width
        upright = ImageOps.exif_transpose(img) if rotated else img  # only then: it copies
        rgb = to_rgb8(upright or img)
    swapped = rgb.shape[:2] != (img.size[1], img.size[0])
    full_size = (height, width) if swapped else (width, height)
    return DecodedImage(rgb=rgb, width=rgb.shape[1], height=rgb.shape[0], format=fmt,
                        frames=frames, full_size=full_size, scale=scale,
                        orientation=int(orientation) if isinstance(orientation, int) else 1)


def _check_budget(img: Image.Image, fmt: str, rotated: bool, budget: DecodeBudget) -> None:
    if budget.max_bytes is None:
        return
    width, height = img.size
    needed = decode_bytes(img.mode, width, height, rotated=rotated,
                          has_transparency="transparency" in img.info)
    if needed > budget.max_bytes:
        raise MediaTooLarge(
            f"image too large to decode: {fmt} {width}×{height} mode {img.mode} needs "
            f"{needed / MIB:.0f} MB > limit {budget.max_bytes / MIB:.0f} MB "
            "(media.max_decode_bytes)"
        )


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
    if has_alpha:  # integer compositing in Pillow: same rounding as float, 1/4 of the memory
        rgba = img.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
        return np.ascontiguousarray(np.asarray(white, dtype=np.uint8))
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
