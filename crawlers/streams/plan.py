"""What a stream's playlist asks for, and the caps that bound it before anything is fetched.

HLS and DASH both describe a video as an optional initialisation segment followed by media
segments, each with a duration. :class:`StreamPlan` is that list in play order, whichever
format it came from; `crawlers.streams.fetch` downloads it through the crawl's guarded
downloader and joins the bytes into one file the video sampler opens like any other.

A playlist is hostile input: it can list a million segments, declare endless durations, or offer
a variant larger than anything enrichment will decode. :func:`bound_segments` keeps at most
`crawl.max_stream_segments` segments and stops once `video.max_duration` seconds are covered
(the sampler would read no further), and :func:`pick_largest_within` chooses the largest variant
whose frames stay within `video.max_pixels`. What a cap leaves out is counted, never hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from kernel.settings import CrawlSettings, VideoSettings

T = TypeVar("T")


class StreamError(Exception):
    """A playlist that cannot be followed; the message says why, in one line."""


@dataclass(frozen=True)
class StreamLimits:
    """The bounds of one stream: bytes (`video.max_bytes`), seconds of video
    (`video.max_duration`), pixels per frame (`video.max_pixels`), segments
    (`crawl.max_stream_segments`) and wall-clock seconds (`crawl.max_stream_seconds`)."""

    max_bytes: int = 500 * 1024 * 1024
    max_duration: float = 4 * 3600.0
    max_pixels: int = 8_300_000
    max_segments: int = 3600
    max_seconds: float = 900.0

    @classmethod
    def for_crawl(cls, crawl: CrawlSettings, video: VideoSettings,
                  max_bytes: int) -> StreamLimits:
        return cls(max_bytes=max_bytes, max_duration=video.max_duration,
                   max_pixels=video.max_pixels, max_segments=crawl.max_stream_segments,
                   max_seconds=crawl.max_stream_seconds)


@dataclass(frozen=True)
class SegmentKey:
    """HLS AES-128 encryption of a segment: the key's URL and the CBC initialisation vector."""

    url: str
    iv: bytes


@dataclass(frozen=True)
class Segment:
    url: str
    duration: float  # seconds, as the playlist declares it
    key: SegmentKey | None = None
    init_url: str | None = None  # the initialisation segment (fMP4) this segment needs


@dataclass
class StreamPlan:
    """The segments to fetch, in play order, and what the caps left out (cap name -> segments)."""

    kind: str  # "hls" or "dash"
    segments: list[Segment]
    cut: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def bound_segments(kind: str, segments: Iterable[Segment], total: int,
                   limits: StreamLimits) -> StreamPlan:
    """The first segments within `limits.max_segments` and `limits.max_duration`; `total` is how
    many the playlist lists, so the segments left out are counted without being generated."""
    kept: list[Segment] = []
    covered = 0.0
    cut: dict[str, int] = {}
    iterator: Iterator[Segment] = iter(segments)
    for segment in iterator:
        if covered >= limits.max_duration:
            cut["stream_duration"] = total - len(kept)
            break
        if len(kept) >= limits.max_segments:
            cut["stream_segments"] = total - len(kept)
            break
        kept.append(segment)
        covered += max(0.0, segment.duration)
    if not kept:
        raise StreamError("the playlist lists no segments")
    return StreamPlan(kind, kept, cut={k: v for k, v in cut.items() if v > 0})


def pick_largest_within(options: Sequence[T], pixels: Callable[[T], int | None],
                        bandwidth: Callable[[T], int | None], max_pixels: int) -> T:
    """The option with the most pixels not above `max_pixels` (then the highest bandwidth); an
    option of unknown size is taken only when none has a known one that fits."""
    sized = [o for o in options if (pixels(o) or 0) > 0]
    fitting = [o for o in sized if (pixels(o) or 0) <= max_pixels]
    if fitting:
        return max(fitting, key=lambda o: (pixels(o) or 0, bandwidth(o) or 0))
    unsized = [o for o in options if not (pixels(o) or 0) > 0]
    if unsized:
        return max(unsized, key=lambda o: bandwidth(o) or 0)
    if sized:
        smallest = min(pixels(o) or 0 for o in sized)
        raise StreamError(f"every variant is larger than video.max_pixels ({max_pixels}); "
                          f"the smallest has {smallest} pixels")
    raise StreamError("the playlist offers no video variant")
