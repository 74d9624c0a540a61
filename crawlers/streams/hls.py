"""HLS playlists (RFC 8216) read with the `m3u8` package: which variant, segments and keys.

`m3u8` (MIT, the parser most Python HLS tools use) handles the tag grammar, attribute lists and
URL resolution; this module only decides. A master playlist gives the largest variant whose
`RESOLUTION` fits `video.max_pixels` (audio-only variants are never taken); a media playlist
gives its segments, each with the AES-128 key and IV it needs (the IV defaults to the segment's
media sequence number, RFC 8216 §5.2) and its `EXT-X-MAP` initialisation segment when it is
fMP4. A live playlist (no `EXT-X-ENDLIST`) is taken as the window it lists when fetched.

Only `m3u8.loads` is used: `m3u8.load` would fetch by itself, past the address guard. Not
supported, with a clear error: SAMPLE-AES and other DRM methods, `EXT-X-BYTERANGE` sub-ranges,
and a change of `EXT-X-MAP` within the segments kept (the stream is cut there, with a note).
"""

from __future__ import annotations

from dataclasses import dataclass

import m3u8

from crawlers.streams.plan import (
    Segment,
    SegmentKey,
    StreamError,
    StreamLimits,
    StreamPlan,
    bound_segments,
    pick_largest_within,
)

_PARSE_FAILURES = (ValueError, TypeError, AttributeError, IndexError, KeyError, AssertionError)
_AUDIO_ONLY_CODECS = ("mp4a", "ac-3", "ec-3", "opus", "flac", "mp3", "vorb")


@dataclass(frozen=True)
class Variant:
    url: str
    width: int | None
    height: int | None
    bandwidth: int | None

    @property
    def pixels(self) -> int | None:
        return self.width * self.height if self.width and self.height else None


def looks_like_hls(body: bytes) -> bool:
    """Whether `body` is an HLS playlist (it must start with `#EXTM3U`, after an optional BOM)."""
    return body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")[:7] == b"#EXTM3U"


def parse(body: bytes, url: str) -> m3u8.M3U8:
    try:
        return m3u8.loads(body.decode("utf-8", errors="replace"), uri=url)
    except _PARSE_FAILURES as exc:
        raise StreamError(f"cannot be parsed: {exc}") from None


def master_choice(playlist: m3u8.M3U8, limits: StreamLimits) -> Variant | None:
    """The variant to follow when `playlist` is a master playlist, else None."""
    if not playlist.is_variant:
        return None
    variants = [_variant(p) for p in playlist.playlists if not _audio_only(p)]
    return pick_largest_within(variants, lambda v: v.pixels, lambda v: v.bandwidth,
                               limits.max_pixels)


def media_plan(playlist: m3u8.M3U8, limits: StreamLimits) -> StreamPlan:
    """The segments of a media playlist, bounded by `limits`, with their keys and init segment."""
    if playlist.is_variant:
        raise StreamError("a variant playlist names another master playlist")
    segments = list(playlist.segments)
    first_map: str | None = None
    planned: list[Segment] = []
    notes: list[str] = []
    for index, segment in enumerate(segments):
        if segment.byterange:
            raise StreamError("EXT-X-BYTERANGE segments are not supported")
        init = segment.init_section.absolute_uri if segment.init_section is not None else None
        if index == 0:
            first_map = init
        elif init != first_map:
            notes.append(f"the initialisation segment changes at segment {index + 1}: "
                         f"kept the {index} segments before it")
            break
        planned.append(Segment(url=segment.absolute_uri, duration=float(segment.duration or 0),
                               key=_key(segment, playlist.media_sequence or 0, index),
                               init_url=init))
    plan = bound_segments("hls", planned, len(planned), limits)
    plan.notes.extend(notes)
    return plan


def _key(segment: m3u8.Segment, first_sequence: int, index: int) -> SegmentKey | None:
    key = segment.key
    method = (key.method or "NONE").upper() if key is not None else "NONE"
    if method == "NONE":
        return None
    if method != "AES-128":
        raise StreamError(f"encryption {method} is not supported (only AES-128)")
    if not key.absolute_uri:
        raise StreamError("AES-128 key without a URI")
    return SegmentKey(url=key.absolute_uri, iv=_iv(key.iv, first_sequence + index))


def _iv(declared: str | None, sequence: int) -> bytes:
    if not declared:  # RFC 8216 §5.2: the media sequence number, big-endian, 16 bytes
        return (sequence % (1 << 128)).to_bytes(16, "big")
    digits = declared[2:] if declared[:2].lower() == "0x" else declared
    try:
        value = bytes.fromhex(digits.rjust(32, "0"))
    except ValueError:
        raise StreamError(f"key IV {declared!r} is not hexadecimal") from None
    if len(value) != 16:
        raise StreamError(f"key IV {declared!r} is not 128 bits")
    return value


def _variant(playlist: m3u8.Playlist) -> Variant:
    info = playlist.stream_info
    resolution = info.resolution if info is not None else None
    width, height = resolution if resolution else (None, None)
    return Variant(url=playlist.absolute_uri, width=width, height=height,
                   bandwidth=info.bandwidth if info is not None else None)


def _audio_only(playlist: m3u8.Playlist) -> bool:
    info = playlist.stream_info
    if info is None or info.resolution or not info.codecs:
        return False
    codecs = [c.strip().lower() for c in info.codecs.split(",") if c.strip()]
    return all(c.startswith(_AUDIO_ONLY_CODECS) for c in codecs)
