"""PNG text chunks read straight from the container, without decoding a single pixel.

Generators write their settings into tEXt/zTXt/iTXt chunks (A1111 `parameters`, ComfyUI
`prompt`/`workflow`), XMP into iTXt `XML:com.adobe.xmp`, and EXIF into `eXIf`; some write them
after the image data, where a reader that stops at the first IDAT never looks. Every size is
capped and compressed text is inflated with a limit, so a hostile file cannot exhaust memory.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_TEXT_BYTES = 1024 * 1024  # per chunk, after inflating
MAX_CHUNKS = 100_000  # a PNG split into more chunks than this is read only this far


@dataclass
class PngMetadata:
    text: dict[str, str] = field(default_factory=dict)  # keyword -> text (first one wins)
    exif: bytes | None = None


def _inflate(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        return inflater.decompress(compressed, MAX_TEXT_BYTES)
    except zlib.error:
        return b""


def _text_chunk(kind: bytes, body: bytes) -> tuple[str, str] | None:
    keyword, sep, rest = body.partition(b"\x00")
    if not sep or not keyword:
        return None
    name = keyword[:79].decode("latin-1")
    if kind == b"tEXt":
        return name, rest[:MAX_TEXT_BYTES].decode("latin-1")
    if kind == b"zTXt":
        return name, _inflate(rest[1:]).decode("latin-1")
    # iTXt: compression flag, method, language tag\0, translated keyword\0, UTF-8 text
    if len(rest) < 2:
        return None
    compressed = rest[0] == 1
    fields = rest[2:].split(b"\x00", 2)
    if len(fields) < 3:
        return None
    text = _inflate(fields[2]) if compressed else fields[2][:MAX_TEXT_BYTES]
    return name, text.decode("utf-8", "replace")


def read_png_metadata(data: bytes) -> PngMetadata:
    """Text chunks and the eXIf payload of a PNG (empty when `data` is not a PNG)."""
    found = PngMetadata()
    if not data.startswith(PNG_SIGNATURE):
        return found
    offset = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if offset + 8 > len(data):
            break
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        start, offset = offset + 8, offset + 12 + length
        if kind == b"IEND" or start + length > len(data):
            break
        if kind in (b"tEXt", b"zTXt", b"iTXt"):  # only metadata chunks are copied out
            pair = _text_chunk(kind, data[start : start + length])
            if pair is not None:
                found.text.setdefault(*pair)
        elif kind == b"eXIf" and found.exif is None:
            found.exif = data[start : start + length]
    return found
