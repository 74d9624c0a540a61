"""How much memory decoding an image will take, known from its header before any pixel is decoded.

A 127 KB JPEG whose header claims 8000×8000 took enrichment from 0.35 GB to 1.98 GB (issue 13):
the compressed size says nothing about the decoded one. So the decoder asks this module, from the
header's size and mode alone, what the decode will cost, refuses an item whose cost is over
`media.max_decode_bytes`, and lets the enrichment batch admit items while their costs fit
`media.batch_decode_bytes`.

JPEG need not be decoded at full size at all: its DCT can be decoded at 1/2, 1/4 or 1/8 scale
(`Image.draft`), far cheaper in memory and time. The face detector (YuNet) sees every image at
`faces.det_size` (640) on the long side and finds faces down to `faces.min_face_px` (24) there,
so the smallest face it can find in an image whose long side is L is 24·L/640 pixels; the
embedder (SFace) reads a 112×112 crop. Decoding the long side to at least 640·112/24 ≈ 2,987
pixels keeps every face the detector can find at ≥ 112 pixels, i.e. at the embedder's full
resolution: `media.decode_long_side` (3,000) is that number rounded. The draft scale is the
smallest reduction that stays at or above it, so a huge JPEG decodes to 3,000–6,000 pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from kernel.settings import MediaSettings

# Bytes per pixel of Pillow's own storage for each mode (RGB is stored as 4 bytes).
_STORED = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
_ALPHA = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_WIDE_GRAY = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})
MIB = 1024 * 1024
ORIENTATION = 0x0112  # the EXIF tag
_SIZED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")  # headers Pillow reads cheaply


@dataclass(frozen=True)
class DecodeBudget:
    """The per-item decode limits: bytes one decode may take, and the JPEG draft target."""

    max_bytes: int | None = None  # None: no byte limit (max_pixels still applies)
    long_side: int | None = None  # None: JPEG is decoded at full size

    @classmethod
    def from_settings(cls, media: MediaSettings) -> DecodeBudget:
        return cls(max_bytes=media.max_decode_bytes, long_side=media.decode_long_side)


def bytes_per_pixel(mode: str, *, has_transparency: bool = False, rotated: bool = False) -> int:
    """Peak bytes per pixel of decoding an image of `mode` into the (H, W, 3) uint8 RGB array.

    Pillow's storage, plus a second copy when an EXIF orientation is applied, plus the
    conversion to RGB (`enrichment.decode.to_rgb8`): RGB 4 + 3 (the array); transparency
    composited on white 4 (RGBA) + 1 (alpha) + 4 (RGB) + 4 (white) + 3; wide grayscale goes
    through float64 (8 + 8 + 1 + 3); other modes 4 (RGB) + 3 + 3 (Pillow's byte copy). Measured
    within ~10 % of the peak RSS of decoding 16–64 Mpx RGB, RGBA and L images.
    """
    stored = _STORED.get(mode, 4)
    if mode in _WIDE_GRAY:
        convert = stored + 8 + 8 + 1 + 3
    elif mode in _ALPHA or has_transparency:
        convert = 4 + 1 + 4 + 4 + 3
    elif mode == "RGB":
        convert = 3
    else:
        convert = 4 + 3 + 3
    return stored + (stored if rotated else 0) + convert


def decode_bytes(mode: str, width: int, height: int, *, has_transparency: bool = False,
                 rotated: bool = False) -> int:
    """Estimated peak bytes of decoding a `width`×`height` image of `mode` to RGB."""
    per_pixel = bytes_per_pixel(mode, has_transparency=has_transparency, rotated=rotated)
    return width * height * per_pixel


def may_be_rotated(img: Image.Image) -> bool:
    """Whether an EXIF orientation may make the decode copy the image, from the header only:
    JPEG and TIFF carry EXIF before the pixels; for other formats (where reading EXIF can decode
    the whole image, e.g. PNG) any EXIF already seen in the header counts."""
    if img.format in ("JPEG", "MPO", "TIFF"):
        return img.getexif().get(ORIENTATION, 1) not in (1, None)
    return "exif" in img.info


def draft_size(width: int, height: int, long_side: int | None) -> tuple[int, int] | None:
    """The size to ask `Image.draft` for (None: decode at full size)."""
    if long_side is None or max(width, height) <= long_side:
        return None
    factor = long_side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def estimate_decode_bytes(data: bytes, budget: DecodeBudget, *, max_pixels: int) -> int:
    """The decode cost of an image's first frame from its header alone (JPEG at draft scale);
    0 for bytes that are not an image this header reader can size (their decode, if any, fails
    or is bounded elsewhere, and records its own error)."""
    try:
        with Image.open(io.BytesIO(data), formats=list(_SIZED_FORMATS)) as img:
            width, height = img.size
            if width <= 0 or height <= 0 or width * height > max_pixels:
                return 0  # refused before decoding
            requested = draft_size(width, height, budget.long_side)
            if requested is not None:
                img.draft(None, requested)
            return decode_bytes(img.mode, *img.size, rotated=may_be_rotated(img),
                                has_transparency="transparency" in img.info)
    except Exception:  # any malformed header: decode_image will say what is wrong with it
        return 0
