"""XMP packets: where IPTC's DigitalSourceType and the authoring tool are written outside C2PA.

Generators and stock sites (Adobe Firefly, Google, Midjourney exports, exiftool workflows) write
`Iptc4xmpExt:DigitalSourceType` into XMP, as an element or as an attribute, with or without the
NewsCodes prefix; `xmp:CreatorTool` names the tool. XMP is attacker-controlled XML, so it is
parsed with defusedxml (no DTDs, so no entity bombs and no external entities) and size-capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from kernel.errors import DecodeError

MAX_PACKET_BYTES = 2 * 1024 * 1024  # real packets are a few KB; padding adds a few more
MAX_PACKETS = 4
_RDF_RESOURCE = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
_START, _END = b"<x:xmpmeta", b"</x:xmpmeta>"
_WANTED = frozenset({"DigitalSourceType", "CreatorTool"})


@dataclass
class XmpFacts:
    digital_source_types: list[str] = field(default_factory=list)
    creator_tool: str | None = None


def find_packets(data: bytes) -> list[bytes]:
    """XMP packets found by scanning raw bytes (for containers without a metadata reader)."""
    packets: list[bytes] = []
    start = data.find(_START)
    while start >= 0 and len(packets) < MAX_PACKETS:
        end = data.find(_END, start, start + MAX_PACKET_BYTES)
        if end < 0:
            break
        packets.append(data[start : end + len(_END)])
        start = data.find(_START, end)
    return packets


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _values(element: Element) -> list[str]:
    """A property's value: its text, its rdf:resource, or the texts of its rdf:li items."""
    found = [element.text or "", element.get(_RDF_RESOURCE) or ""]
    found += [child.text or "" for child in element.iter() if _local(child.tag) == "li"]
    return [value.strip()[:200] for value in found if value.strip()]


def parse_xmp(packet: bytes | str) -> XmpFacts:
    """Facts from one XMP packet; DecodeError when it is malformed, hostile or too large."""
    raw = packet.encode("utf-8", "replace") if isinstance(packet, str) else packet
    if len(raw) > MAX_PACKET_BYTES:
        raise DecodeError(f"XMP packet too large ({len(raw)} bytes)")
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 packets end in NUL bytes
        raw = raw.strip(b"\x00 \t\r\n")
    try:
        root = fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise DecodeError(f"XMP refused: {exc.__class__.__name__}") from None
    except (ParseError, ValueError, LookupError) as exc:  # LookupError: unknown encoding
        raise DecodeError(f"XMP malformed: {str(exc)[:80]}") from None
    facts = XmpFacts()
    for element in root.iter():
        found = [(_local(key), [value.strip()[:200]]) for key, value in element.attrib.items()]
        if _local(element.tag) in _WANTED:
            found.append((_local(element.tag), _values(element)))
        for name, values in found:
            if name == "DigitalSourceType":
                facts.digital_source_types += [v for v in values if v]
            elif name == "CreatorTool" and values and values[0] and facts.creator_tool is None:
                facts.creator_tool = values[0]
    facts.digital_source_types = list(dict.fromkeys(facts.digital_source_types))
    return facts
