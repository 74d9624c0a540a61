"""Metadata a file carries besides C2PA: XMP packets, EXIF Software and PNG text chunks.

Each container keeps these in its own place (JPEG APP1, PNG iTXt/tEXt/eXIf, the WebP XMP/EXIF
chunks, GIF application extensions, MP4 boxes); this module only *finds* them, without decoding
pixels, and leaves judging what they say to :mod:`enrichment.signals.generator_metadata`.
Containers Pillow does not read (video, AVIF, HEIC) are scanned for XMP packets byte-wise.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

from enrichment.signals.png_chunks import read_png_metadata
from enrichment.signals.xmp_packet import find_packets
from kernel.errors import DecodeError

EXIF_SOFTWARE = 0x0131
PNG_XMP_KEYWORD = "XML:com.adobe.xmp"
_PILLOW_READS = frozenset({"image/jpeg", "image/webp", "image/gif", "image/tiff"})
_PILLOW_FAILURES = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    KeyError,
    IndexError,
    TypeError,
)


@dataclass
class EmbeddedMetadata:
    xmp_packets: list[bytes] = field(default_factory=list)
    exif_software: str | None = None
    png_text: dict[str, str] = field(default_factory=dict)  # PNG text chunks by keyword


def _clean(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip() if value is not None else ""
    return text[:200] or None


def _exif_software(exif: Image.Exif) -> str | None:
    return _clean(exif.get(EXIF_SOFTWARE))


def _from_png(data: bytes) -> EmbeddedMetadata:
    png = read_png_metadata(data)
    found = EmbeddedMetadata(png_text=png.text)
    xmp = png.text.get(PNG_XMP_KEYWORD)
    if xmp:
        found.xmp_packets.append(xmp.encode("utf-8"))
    if png.exif:
        exif = Image.Exif()
        exif.load(png.exif)
        found.exif_software = _exif_software(exif)
    return found


def _from_pillow(data: bytes) -> EmbeddedMetadata:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:  # reads headers only, never pixels
            xmp = image.info.get("xmp")
            software = _exif_software(image.getexif())
    packets = [xmp if isinstance(xmp, bytes) else xmp.encode("utf-8")] if xmp else []
    return EmbeddedMetadata(xmp_packets=packets, exif_software=software)


def read_embedded_metadata(data: bytes, content_type: str) -> EmbeddedMetadata:
    """What `data` says about itself outside C2PA; DecodeError when its container is broken."""
    try:
        if content_type == "image/png":
            return _from_png(data)
        if content_type in _PILLOW_READS:
            return _from_pillow(data)
    except _PILLOW_FAILURES as exc:
        raise DecodeError(f"image metadata unreadable: {exc.__class__.__name__}") from None
    return EmbeddedMetadata(xmp_packets=find_packets(data))
