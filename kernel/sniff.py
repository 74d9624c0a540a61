"""Content-type sniffing from magic bytes: neither a server's header nor a URL's extension
is trusted."""

from __future__ import annotations

from kernel.records import MediaKind

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
    return "unknown", "application/octet-stream"
