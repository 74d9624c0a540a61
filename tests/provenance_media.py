"""Media carrying (or lacking) provenance metadata, built in memory for the provenance tests.

Pictures are the licensed demo portraits (jikimi/demo/photos) or flat synthetic patterns; the
metadata is written the way generators and tools write it: PNG text chunks through Pillow,
XMP as an element (exiftool style) or an attribute (exiv2 style), EXIF Software in APP1.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import av
import numpy as np
from PIL import Image, PngImagePlugin

from enrichment.signals.provenance import ProvenanceSignal
from kernel.ports import SignalInput
from kernel.records import Evidence
from kernel.settings import SignalSettings
from kernel.sniff import sniff

PHOTOS = Path(__file__).resolve().parents[1] / "jikimi" / "demo" / "photos"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"


def photo_bytes(name: str = "person_a_1") -> bytes:
    return (PHOTOS / f"{name}.jpg").read_bytes()


def assess(data: bytes, anchors: Path | None = None) -> list[Evidence]:
    kind, content_type = sniff(data)
    signal = ProvenanceSignal(SignalSettings(c2pa_trust_anchors=anchors))
    return signal.assess(SignalInput(data=data, content_type=content_type, kind=kind, frames=[]))


def by_name(evidence: list[Evidence]) -> dict[str, Evidence]:
    return {item.name: item for item in evidence}


def reencode(data: bytes, fmt: str = "JPEG") -> bytes:
    """What an upload pipeline does: decode and save again (metadata is not carried over)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, fmt, quality=90)
    return out.getvalue()


def as_png(data: bytes, info: PngImagePlugin.PngInfo | None = None) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def png_with_text(chunks: dict[str, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, text in chunks.items():
        info.add_text(key, text)
    return as_png(photo_bytes(), info)


def add_chunk_before_iend(png: bytes, kind: bytes, body: bytes) -> bytes:
    """Insert a chunk after the image data, where readers that stop at IDAT never look."""
    iend = png.rindex(b"IEND") - 4
    chunk = struct.pack(">I", len(body)) + kind + body
    chunk += struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return png[:iend] + chunk + png[iend:]


def xmp_packet(source_type: str, *, as_attribute: bool = False, tool: str | None = None) -> str:
    creator = f' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="{tool}"' if tool else ""
    if as_attribute:
        body = (
            f'<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="{IPTC_EXT}"{creator} '
            f'Iptc4xmpExt:DigitalSourceType="{source_type}"/>'
        )
    else:
        body = (
            f'<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="{IPTC_EXT}"{creator}>'
            f"<Iptc4xmpExt:DigitalSourceType>{source_type}</Iptc4xmpExt:DigitalSourceType>"
            f"</rdf:Description>"
        )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">{body}</rdf:RDF>'
        '</x:xmpmeta><?xpacket end="w"?>'
    )


def entity_bomb_xmp() -> str:
    """The "billion laughs" XML entity expansion, dressed as an XMP packet."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE x:xmpmeta [{entities}]><x:xmpmeta>&lol9;</x:xmpmeta>'


def jpeg_with(*, xmp: str | None = None, software: str | None = None) -> bytes:
    image = Image.open(io.BytesIO(photo_bytes()))
    exif = Image.Exif()
    if software:
        exif[0x0131] = software
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes(), xmp=(xmp or "").encode())
    return out.getvalue()


def webp_with_xmp(xmp: str) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes())).save(out, "WEBP", xmp=xmp.encode())
    return out.getvalue()


def tiny_mp4(frames: int = 10) -> bytes:
    """A short flat-grey MPEG-4 video made with PyAV."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(frames):
            rgb = np.full((48, 64, 3), index * 20, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())
    return out.getvalue()
