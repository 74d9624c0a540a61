"""DASH manifests (MPD, ISO/IEC 23009-1) read with `mpegdash`: which representation and segments.

`mpegdash` (MIT) maps the MPD schema onto Python objects; it is given a document parsed by
`defusedxml` (no DTDs, no entities: no billion-laughs or external-entity tricks), never a URL
or file name — its own `MPEGDASHParser.parse` would open those with `urlopen`, past the
address guard. Addressing (templates, timelines, lists) is `crawlers.streams.dash_segments`.

The first period with video is taken, and in it the largest video representation whose frames fit
`video.max_pixels` (audio, subtitles and thumbnail tiles are never taken: faces are in the
video). A representation with neither a template nor a list (`SegmentBase`, or a bare
`BaseURL`) is one file, fetched whole. Later periods (e.g. inserted adverts) are left out, with
a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin
from xml.dom.minidom import Document

from defusedxml import DefusedXmlException
from defusedxml.minidom import parseString
from mpegdash.nodes import MPEGDASH
from mpegdash.utils import parse_child_nodes

from crawlers.streams.dash_segments import Addressing, expand, list_segments, template_segments
from crawlers.streams.plan import (
    Segment,
    StreamError,
    StreamLimits,
    StreamPlan,
    bound_segments,
    pick_largest_within,
)

_PARSE_FAILURES = (ValueError, TypeError, AttributeError, IndexError, KeyError,
                   DefusedXmlException)
_XML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<"
                        rb"(?:[A-Za-z_][\w.-]*:)?MPD[\s>]", re.DOTALL)
# ISO 8601 durations as MPDs write them: PnYnMnDTnHnMnS (years and months never appear in
# practice and are refused rather than guessed).
_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                       r"(?:(\d+(?:\.\d+)?)S)?)?$")


@dataclass(frozen=True)
class _Choice:
    period: Any
    adaptation: Any
    representation: Any

    @property
    def pixels(self) -> int | None:
        width = self.representation.width or self.adaptation.width
        height = self.representation.height or self.adaptation.height
        return width * height if width and height else None


def looks_like_dash(body: bytes) -> bool:
    """Whether `body` is an MPD: its root element is `MPD` (after an XML declaration)."""
    return _XML_START.match(body[:4096]) is not None


def plan(body: bytes, url: str, limits: StreamLimits) -> StreamPlan:
    """The segments of the chosen representation, bounded by `limits`."""
    mpd = _parse(body)
    periods = list(mpd.periods or [])
    choices: list[_Choice] = []
    for period in periods:  # the first period that has video
        choices = [_Choice(period, a, r) for a in period.adaptation_sets or [] if _is_video(a)
                   for r in a.representations or [] if _is_video(a, r)]
        if choices:
            break
    chosen = pick_largest_within(choices, lambda c: c.pixels,
                                 lambda c: c.representation.bandwidth, limits.max_pixels)
    segments, total = _segments(mpd, chosen, url)
    result = bound_segments("dash", segments, total, limits)
    later = len(periods) - 1 - periods.index(chosen.period)
    if later > 0:
        result.notes.append(f"{later} later period(s) left out")
    return result


def iso_duration(value: str | None) -> float | None:
    """Seconds of an ISO 8601 duration such as `PT1H2M3.5S` (None when absent)."""
    if not value:
        return None
    match = _DURATION.match(value.strip())
    if match is None:
        raise StreamError(f"duration {value!r} is not understood")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def _parse(body: bytes) -> MPEGDASH:
    try:
        document: Document = parseString(body, forbid_dtd=True)
        found = parse_child_nodes(document, "MPD", MPEGDASH)
    except _PARSE_FAILURES as exc:
        raise StreamError(f"cannot be parsed: {type(exc).__name__}: {exc}") from None
    except Exception as exc:  # expat's ExpatError and friends: a broken document
        raise StreamError(f"not well-formed XML: {exc}") from None
    if not found:
        raise StreamError("no MPD element")
    return found[0]


def _is_video(adaptation: Any, representation: Any = None) -> bool:
    mime = ((representation.mime_type if representation is not None else None)
            or adaptation.mime_type or "").lower()
    content = (adaptation.content_type or "").lower()
    if mime:
        return mime.startswith("video/")
    if content:
        return content == "video"
    width = (representation.width if representation is not None else None) or adaptation.width
    return bool(width)


def _segments(mpd: MPEGDASH, chosen: _Choice, url: str) -> tuple[Any, int]:
    period, adaptation, representation = chosen.period, chosen.adaptation, chosen.representation
    levels = (representation, adaptation, period)
    base = url
    for node in (mpd, period, adaptation, representation):
        if node.base_urls and node.base_urls[0].base_url_value:
            base = urljoin(base, node.base_urls[0].base_url_value.strip())
    templates = [t for n in levels for t in (n.segment_templates or [])[:1]]
    lists = [s for n in levels for s in (n.segment_lists or [])[:1]]
    info = templates or lists
    addressing = Addressing(
        base_url=base, representation_id=str(representation.id or ""),
        bandwidth=representation.bandwidth,
        timescale=_first(info, "timescale") or 1,
        duration=_first(info, "duration"),
        start_number=_first(info, "start_number") or 1,
        presentation_time_offset=_first(info, "presentation_time_offset") or 0,
        period_seconds=_period_seconds(mpd, period),
        timeline=_timeline(info),
    )
    if addressing.timescale <= 0:
        raise StreamError("timescale must be positive")
    if templates:
        media = _first(templates, "media")
        if not media:
            raise StreamError("SegmentTemplate without @media")
        init = _first(templates, "initialization")
        init_url = urljoin(base, expand(init, addressing)) if init else None
        return template_segments(media, addressing, init_url)
    if lists:
        segment_list = lists[0]
        initialization = _first(lists, "initializations")
        init_url = (urljoin(base, initialization[0].source_url or "")
                    if initialization else None)
        media_urls = [s.media for s in segment_list.segment_urls or []]
        return list_segments(media_urls, addressing, init_url)
    whole = Segment(base, addressing.period_seconds or 0.0)  # SegmentBase or a bare BaseURL
    return iter([whole]), 1


def _first(nodes: list[Any], attribute: str) -> Any:
    """The most specific level's value of `attribute` (SegmentTemplate and SegmentList inherit
    attribute by attribute from the AdaptationSet and Period levels)."""
    for node in nodes:
        value = getattr(node, attribute, None)
        if value is not None:
            return value
    return None


def _timeline(info: list[Any]) -> list[tuple[int | None, int, int]]:
    timelines = _first(info, "segment_timelines")
    if not timelines:
        return []
    return [(s.t, int(s.d or 0), int(s.r or 0)) for s in timelines[0].Ss or []]


def _period_seconds(mpd: MPEGDASH, period: Any) -> float | None:
    own = iso_duration(period.duration)
    if own is not None:
        return own
    whole = iso_duration(mpd.media_presentation_duration)
    if whole is None:
        return None
    return max(0.0, whole - (iso_duration(period.start) or 0.0))
