"""A digest that is equal only when two images decode to exactly the same pixels.

Enrichment reuses an enriched image's faces for another file only when the pixels are identical
(`enrichment.reuse`). Hashing the decoded RGB costs ~3 ms per megapixel here, more than the reuse
saves on average, so for JPEG (most crawled images) the digest covers what the decoder reads
instead: every byte of the file except the segments that cannot change the decoded pixels —
APP1 (EXIF, XMP: the EXIF orientation, which jikimi applies, is added separately), APP2 (ICC
profiles, which Pillow does not apply, and MPO indexes, whose extra frames already make an item a
sequence), APP13 (IPTC) and comments. The usual re-upload with stripped or rewritten metadata
therefore gets the same digest; any change to the tables, frame header or scans gives another
one. Segments the list does not name are kept, so an unusual one errs towards "different".
Other formats hash the decoded pixels.
"""

from __future__ import annotations

import hashlib

import numpy as np

from enrichment.decode import DecodedImage

_IGNORED_SEGMENTS = frozenset({0xE1, 0xE2, 0xED, 0xFE})
_SOS = 0xDA
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RSTn: markers without a length


def pixel_digest(data: bytes, image: DecodedImage) -> str:
    """"jpeg:<sha256>" over the decoder's input, else "rgb:<sha256>" of the pixels; the
    decoded size and EXIF orientation are part of it either way."""
    header = f"{image.width}x{image.height}:{image.orientation}:".encode()
    jpeg = _jpeg_decoder_input(data) if image.format == "JPEG" else None
    if jpeg is not None:
        return "jpeg:" + hashlib.sha256(header + jpeg).hexdigest()
    pixels = hashlib.sha256(header)
    pixels.update(np.ascontiguousarray(image.rgb).data)
    return "rgb:" + pixels.hexdigest()


def _jpeg_decoder_input(data: bytes) -> bytes | None:
    """The JPEG without its metadata segments; None when its marker structure is not plain."""
    if not data.startswith(b"\xff\xd8"):
        return None
    kept = [data[:2]]
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _STANDALONE:
            kept.append(data[pos:pos + 2])
            pos += 2
            continue
        if marker == _SOS:  # the scans and everything after them, as they are
            kept.append(data[pos:])
            return b"".join(kept)
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker not in _IGNORED_SEGMENTS:
            kept.append(data[pos:end])
        pos = end
    return None
