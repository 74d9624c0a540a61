"""DASH segment addressing (ISO/IEC 23009-1 §5.3.9): SegmentTemplate, SegmentTimeline, SegmentList.

`mpegdash` parses the MPD into objects but leaves addressing to its caller, so this module turns a
representation's segment information into URLs and durations: `$RepresentationID$`, `$Number$`,
`$Bandwidth$` and `$Time$` (with `%0Nd` widths) substituted, `SegmentTimeline` runs expanded
(`r="-1"` repeats to the period's end), a duration-only template counted over the period. The
segments are generated lazily and their total is computed arithmetically, so a hostile MPD that
declares a billion segments costs nothing beyond the ones the caps keep.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from urllib.parse import urljoin

from crawlers.streams.plan import Segment, StreamError

_IDENTIFIER = re.compile(r"\$(RepresentationID|Number|Bandwidth|Time|SubNumber)?(?:%0(\d+)d)?\$")
_MAX_PAD = 20


@dataclass(frozen=True)
class Addressing:
    """A representation's segment information, inherited attribute by attribute (Representation,
    then AdaptationSet, then Period), with the values templates substitute."""

    base_url: str
    representation_id: str
    bandwidth: int | None
    timescale: int
    duration: int | None  # per segment, in timescale units
    start_number: int
    presentation_time_offset: int
    period_seconds: float | None
    timeline: Sequence[tuple[int | None, int, int]]  # S@t, S@d, S@r


def expand(template: str, addressing: Addressing, number: int | None = None,
           time: int | None = None) -> str:
    """`template` with its identifiers substituted (ISO/IEC 23009-1 Table 16)."""
    values = {"RepresentationID": addressing.representation_id, "Number": number,
              "Bandwidth": addressing.bandwidth, "Time": time}

    def substitute(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(2)
        if name is None:
            return "$" if width is None else match.group(0)
        value = values.get(name)
        if value is None:
            raise StreamError(f"template {template!r} uses ${name}$, which is not available")
        if width is not None and isinstance(value, int):
            return str(value).zfill(min(int(width), _MAX_PAD))
        return str(value)

    return _IDENTIFIER.sub(substitute, template)


def template_segments(media: str, addressing: Addressing,
                      init_url: str | None) -> tuple[Iterator[Segment], int]:
    """A SegmentTemplate's segments (lazily) and how many there are."""
    if addressing.timeline:
        return _timeline_segments(media, addressing, init_url), _timeline_total(addressing)
    if not addressing.duration or addressing.duration <= 0:
        raise StreamError("SegmentTemplate has neither a SegmentTimeline nor a duration")
    if addressing.period_seconds is None:
        raise StreamError("no SegmentTimeline and no period duration to count segments by "
                          "(live DASH of that kind is not supported)")
    seconds = addressing.duration / addressing.timescale
    total = max(1, math.ceil(addressing.period_seconds / seconds - 1e-9))

    def generate() -> Iterator[Segment]:
        for index in range(total):
            time = addressing.presentation_time_offset + index * (addressing.duration or 0)
            url = expand(media, addressing, number=addressing.start_number + index, time=time)
            yield Segment(urljoin(addressing.base_url, url), seconds, init_url=init_url)

    return generate(), total


def list_segments(media_urls: Sequence[str | None], addressing: Addressing,
                  init_url: str | None) -> tuple[Iterator[Segment], int]:
    """A SegmentList's segments (a `SegmentURL` without `media` is the base URL itself)."""
    durations: list[float] = []
    if addressing.timeline:
        timeline = _timeline_segments("", addressing, None)
        durations = [s.duration for s in islice(timeline, len(media_urls))]
    default = (addressing.duration or 0) / addressing.timescale

    def generate() -> Iterator[Segment]:
        for index, media in enumerate(media_urls):
            seconds = durations[index] if index < len(durations) else default
            yield Segment(urljoin(addressing.base_url, media or ""), seconds, init_url=init_url)

    return generate(), len(media_urls)


def _timeline_runs(addressing: Addressing) -> Iterator[tuple[int, int, int]]:
    """(start time, duration, count) of each `S` run, in timescale units."""
    end = None
    if addressing.period_seconds is not None:
        end = addressing.presentation_time_offset + round(
            addressing.period_seconds * addressing.timescale)
    time = addressing.presentation_time_offset
    timeline = list(addressing.timeline)
    for position, (start, duration, repeat) in enumerate(timeline):
        if duration <= 0:
            raise StreamError("SegmentTimeline has an S element without a positive @d")
        time = start if start is not None else time
        if repeat >= 0:
            count = repeat + 1
        else:  # repeat until the next S's start, or the period's end
            following = timeline[position + 1][0] if position + 1 < len(timeline) else end
            if following is None:
                raise StreamError("SegmentTimeline repeats without end (r=-1, no period "
                                  "duration)")
            count = max(0, math.ceil((following - time) / duration))
        yield time, duration, count
        time += duration * count


def _timeline_total(addressing: Addressing) -> int:
    return sum(count for _, _, count in _timeline_runs(addressing))


def _timeline_segments(media: str, addressing: Addressing,
                       init_url: str | None) -> Iterator[Segment]:
    number = addressing.start_number
    for start, duration, count in _timeline_runs(addressing):
        for step in range(count):
            time = start + step * duration
            url = expand(media, addressing, number=number, time=time) if media else ""
            yield Segment(urljoin(addressing.base_url, url), duration / addressing.timescale,
                          init_url=init_url)
            number += 1
