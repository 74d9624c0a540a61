"""Turn the times of matching video frames into the time ranges a person or operator reads.

Frames are sampled (1 per second by default), so matching frames one sampling interval apart are
one continuous appearance: they are merged into a range. A single frame is a range of zero
length, shown as one time.
"""

from __future__ import annotations

from collections.abc import Iterable

from kernel.records import Media


def merge_gap(sample_interval: float | None, sample_fps: float) -> float:
    """How far apart two matching frames may be and still be one appearance: one and a half
    sampling intervals (the media's own, when long videos were sampled more sparsely)."""
    return 1.5 * (sample_interval if sample_interval else 1.0 / sample_fps)


def media_time_ranges(
    times: Iterable[float], media: Media | None, sample_fps: float
) -> list[tuple[float, float]]:
    """The ranges of matching frame `times` in `media`, merged by its own sampling interval
    (recorded by enrichment) or, failing that, the configured rate."""
    interval = media.info.get("sample_interval") if media is not None else None
    return merge_times(times, merge_gap(interval, sample_fps))


def merge_times(times: Iterable[float], max_gap: float) -> list[tuple[float, float]]:
    """Sorted, merged (start, end) ranges; times at most `max_gap` apart join one range."""
    ranges: list[tuple[float, float]] = []
    for t in sorted(set(times)):
        if ranges and t - ranges[-1][1] <= max_gap + 1e-9:
            ranges[-1] = (ranges[-1][0], t)
        else:
            ranges.append((t, t))
    return ranges


def clock(seconds: float) -> str:
    """0:07, 1:02:03 — whole seconds, rounded down (a frame at 7.9 s is on screen at 0:07)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_ranges(ranges: Iterable[tuple[float, float]]) -> str:
    """"0:03–0:07, 0:12" (en dash between start and end)."""
    return ", ".join(
        clock(start) if clock(start) == clock(end) else f"{clock(start)}–{clock(end)}"
        for start, end in ranges
    )
