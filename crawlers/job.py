"""What one crawl needs, in a form that crosses into the crawler's child process.

The crawler names no backend: a :class:`CrawlJob` carries `open_sinks`, a picklable callable the
application's composition root supplies, which opens the store and blob store in whichever
process crawls — in that process's store thread (`crawlers.offload`), the only thread that
touches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crawlers.sites import SiteDefinition
from kernel.ports import BlobStore, Store
from kernel.settings import CrawlSettings, VideoSettings

OpenSinks = Callable[[], tuple[Store, BlobStore]]


@dataclass(frozen=True)
class CrawlJob:
    """One crawl: the site, the crawl settings section, the video size cap, where media goes, and
    the video section (its duration and frame-size caps bound HLS/DASH streams).

    It crosses into the child process, so every field pickles: `open_sinks` must be a module-level
    function or a `functools.partial` of one (the application passes its registry's opener)."""

    site: SiteDefinition
    crawl: CrawlSettings
    max_video_bytes: int
    open_sinks: OpenSinks
    video: VideoSettings = field(default_factory=VideoSettings)
