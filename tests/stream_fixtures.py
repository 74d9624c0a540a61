"""HLS and DASH streams made at test time with FFmpeg's own muxers (through PyAV), as site routes.

The video is the demo's clip, from the licensed photos only: another person for 2 s, the demo
person for 3 s, an impostor for 2 s (`jikimi.demo.site.CLIP_SEGMENTS`), so a crawl that joins
the stream correctly finds the demo person at 0:02–0:04 when sampled at 1 fps. H.264 (libx264,
in PyAV's wheels) because HLS players and FFmpeg's MPEG-TS demuxer expect it; one keyframe a
second, so the 1-second segments each start with one. Nothing is stored: each call muxes into a
temporary folder and returns the files as `Route`s under a path prefix.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import numpy as np
import pytest

from crawlers.report import CrawlReport
from crawlers.run import crawl
from crawlers.sites import SiteDefinition
from jikimi import registry
from jikimi.demo.clip import letterbox
from jikimi.demo.site import CLIP_PERSON_RANGE, CLIP_SEGMENTS, photo_bytes
from jikimi.flow import crawl_job
from kernel.records import Media, Sighting, incoming_key
from kernel.settings import Settings, VideoSettings
from tests.crawl_site import FixtureSite, Route, crawl_settings
from tests.video_fixtures import encoder_available

PERSON_RANGE = CLIP_PERSON_RANGE
KEY = bytes(range(16))
FPS = 10
TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".mpd":
         "application/dash+xml", ".m4s": "video/iso.segment", ".key": "application/octet-stream"}


@cache
def _pictures(size: tuple[int, int]) -> tuple[tuple[bytes, int], ...]:
    """Each clip segment's letterboxed RGB picture and its frame count."""
    return tuple((letterbox(photo_bytes(name), size).tobytes(), round(seconds * FPS))
                 for name, seconds in CLIP_SEGMENTS)


def _mux(directory: Path, target: str, fmt: str, options: dict[str, str],
         size: tuple[int, int]) -> None:
    if not encoder_available("libx264"):  # PyAV's wheels (≤ 18.1) have it; a custom FFmpeg may not
        pytest.skip("this PyAV build has no libx264 encoder for HLS/DASH fixtures")
    with av.open(str(directory / target), "w", format=fmt, options=options) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        stream.gop_size = FPS
        stream.options = {"preset": "ultrafast", "tune": "stillimage"}
        index = 0
        for raw, frames in _pictures(size):
            picture = np.frombuffer(raw, dtype=np.uint8).reshape(size[1], size[0], 3)
            for _ in range(frames):
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                frame.pts, frame.time_base = index, Fraction(1, FPS)
                container.mux(stream.encode(frame))
                index += 1
        container.mux(stream.encode(None))


def _routes(directory: Path, prefix: str) -> dict[str, Route]:
    return {f"{prefix}/{f.name}": Route(f.read_bytes(), TYPES.get(f.suffix, "video/mp4"))
            for f in sorted(directory.iterdir()) if f.is_file() and f.name != "keyinfo"}


@cache
def hls(prefix: str = "/hls", *, encrypted: bool = False,
        size: tuple[int, int] = (320, 240)) -> dict[str, Route]:
    """`{prefix}/index.m3u8` and its `.ts` segments; with `encrypted`, AES-128 under `KEY`,
    served at `{prefix}/stream.key` (FFmpeg's `hls_key_info_file`)."""
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        options = {"hls_time": "1", "hls_playlist_type": "vod",
                   "hls_segment_filename": str(directory / "seg%03d.ts")}
        if encrypted:
            (directory / "stream.key").write_bytes(KEY)
            (directory / "keyinfo").write_text(f"stream.key\n{directory / 'stream.key'}\n")
            options["hls_key_info_file"] = str(directory / "keyinfo")
        _mux(directory, "index.m3u8", "hls", options, size)
        return _routes(directory, prefix)


@cache
def dash(prefix: str = "/dash", *, template: bool = True,
         size: tuple[int, int] = (320, 240)) -> dict[str, Route]:
    """`{prefix}/manifest.mpd` with a SegmentTemplate (or, `template` False, a SegmentList), its
    init segment and 1-second fMP4 segments (FFmpeg's `dash` muxer writes both forms)."""
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        options = {"seg_duration": "1", "use_template": "1" if template else "0",
                   "use_timeline": "0"}
        _mux(directory, "manifest.mpd", "dash", options, size)
        return _routes(directory, prefix)


def master(prefix: str, variants: list[tuple[str, tuple[int, int], int]]) -> Route:
    """A master playlist naming `(relative URL, (width, height), bandwidth)` variants."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for url, (width, height), bandwidth in variants:
        lines += [f"#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},RESOLUTION={width}x{height}", url]
    return Route(("\n".join(lines) + "\n").encode(), TYPES[".m3u8"])


def text(route: Route) -> str:
    return route.body.decode()


def with_text(route: Route, body: str) -> Route:
    return Route(body.encode(), route.content_type)


@dataclass
class Crawled:
    report: CrawlReport
    settings: Settings
    paths: list[str]
    base: str
    referers: dict[str, str | None]  # path -> the Referer header of its (last) request

    def media_at(self, url: str) -> tuple[Media, list[Sighting], bytes]:
        store = registry.open_store(self.settings)
        try:
            record = store.get_fetch(self.base + url)
            assert record is not None and record.media_id, (url, record)
            media = store.get_media(record.media_id)
            assert media is not None
            sightings = store.sightings(record.media_id)
        finally:
            store.close()
        body = registry.open_blobs(self.settings).get(incoming_key(media.media_id))
        return media, sightings, body

    def fetch_error(self, url: str) -> str | None:
        """The recorded error of a media URL that gave no media."""
        store = registry.open_store(self.settings)
        try:
            record = store.get_fetch(self.base + url)
        finally:
            store.close()
        assert record is not None and record.media_id is None, (url, record)
        return record.error


def crawl_site(tmp_path: Path, routes: dict[str, Route], start: str = "/index.html", *,
               video: VideoSettings | None = None, **caps: object) -> Crawled:
    """Crawl `routes` from `start` (crawl settings `caps`; by default video frames up to
    320×240, so a 640×480 variant is too large) and say what happened."""
    settings = crawl_settings(str(tmp_path), **caps)
    settings.video = video or VideoSettings(max_pixels=320 * 240)
    with FixtureSite(routes) as site:
        job = SiteDefinition(name="streams", start_urls=[site.base + start], delay=0)
        report = crawl(crawl_job(job, settings), progress=lambda _: None)
        referers = {entry.path: entry.headers.get("referer") for entry in site.log}
        return Crawled(report, settings, site.paths(), site.base, referers)
