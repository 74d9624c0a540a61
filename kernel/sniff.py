"""Content-type sniffing from magic bytes: neither a server's header nor a URL's extension
is trusted.

MPEG-TS has no magic number: it is a run of 188-byte packets that each start with the sync byte
0x47, so three sync bytes one packet apart (what FFmpeg's own probe looks for) identify it. HLS
streams the crawler reassembles from `.ts` segments are such files."""

from __future__ import annotations

from kernel.records import MediaKind

TS_PACKET = 188
_TS_SYNC = 0x47
_TS_PACKETS_CHECKED = 3

_SIGNATURES: list[tuple[bytes, int, str, MediaKind]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", "image"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "image"),
    (b"GIF87a", 0, "image/gif", "image"),
    (b"GIF89a", 0, "image/gif", "image"),
    (b"BM", 0, "image/bmp", "image"),
    (b"II*\x00", 0, "image/tiff", "image"),
    (b"MM\x00*", 0, "image/tiff", "image"),
    (b"\x1aE\xdf\xa3", 0, "video/webm", "video"),
    (b"FLV", 0, "video/x-flv", "video"),
]


def sniff(data: bytes) -> tuple[MediaKind, str]:
    """Return (kind, content type) judged from the first bytes of `data`."""
    head = data[:64]
    for magic, offset, ctype, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind, ctype
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video", "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"avif", b"avis"}:
            return "image", "image/avif"
        if brand in {b"heic", b"heix", b"mif1", b"msf1"}:
            return "image", "image/heic"
        if brand == b"qt  ":
            return "video", "video/quicktime"
        return "video", "video/mp4"
    if is_mpeg_ts(data):
        return "video", "video/mp2t"
    return "unknown", "application/octet-stream"


def is_mpeg_ts(data: bytes) -> bool:
    """Whether `data` starts with MPEG-TS packets (a sync byte every 188 bytes, three times)."""
    if len(data) < TS_PACKET * _TS_PACKETS_CHECKED:
        return False
    return all(data[i * TS_PACKET] == _TS_SYNC for i in range(_TS_PACKETS_CHECKED))
