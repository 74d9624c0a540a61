"""A stream's caps and failures: bytes, segments, duration and fetch time cut it at a segment
boundary (the part before stays a decodable video, the cut is counted); a failed segment or key
ends it with one error line; a playlist that cannot be followed is one recorded error."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrichment.video.video_sampling import sample_video
from kernel.settings import VideoSettings
from tests import stream_fixtures as streams
from tests.crawl_site import Route, page
from tests.stream_fixtures import crawl_site

PAGE = {"/v.html": page('<video src="/hls/index.m3u8"></video>')}
SEGMENTS = [f"/hls/seg{i:03d}.ts" for i in range(7)]


def hls_site(**changes: Route) -> dict[str, Route]:
    return {**PAGE, **streams.hls("/hls"), **changes}


def fetched_segments(paths: list[str]) -> list[str]:
    return [p for p in paths if p.startswith("/hls/seg")]


def kept_seconds(crawled: streams.Crawled) -> float:
    _, _, body = crawled.media_at("/hls/index.m3u8")
    duration = sample_video(body, VideoSettings()).duration
    assert duration is not None
    return duration


def test_the_byte_cap_keeps_the_segments_that_fit(tmp_path: Path) -> None:
    sizes = [len(streams.hls("/hls")[s].body) for s in SEGMENTS]
    cap = sum(sizes[:3]) + sizes[3] // 2
    crawled = crawl_site(tmp_path, hls_site(), "/v.html",
                         video=VideoSettings(max_bytes=cap))
    assert crawled.report.cut == {"stream_bytes": 4} and crawled.report.errors == []
    assert fetched_segments(crawled.paths) == SEGMENTS[:4]  # the 4th was cancelled: too large
    assert kept_seconds(crawled) == pytest.approx(3.0, abs=0.15)
    assert "4 cut by max_stream_bytes" in crawled.report.summary()


def test_the_segment_cap_and_the_duration_cap_stop_before_fetching(tmp_path: Path) -> None:
    by_count = crawl_site(tmp_path / "count", hls_site(), "/v.html", max_stream_segments=2)
    assert by_count.report.cut == {"stream_segments": 5}
    assert fetched_segments(by_count.paths) == SEGMENTS[:2]
    assert kept_seconds(by_count) == pytest.approx(2.0, abs=0.15)
    by_time = crawl_site(tmp_path / "duration", hls_site(), "/v.html",
                         video=VideoSettings(max_duration=2.5))
    assert by_time.report.cut == {"stream_duration": 4}  # 0–1, 1–2, 2–3 cover 2.5 s
    assert fetched_segments(by_time.paths) == SEGMENTS[:3]


def test_the_fetch_time_cap_ends_a_slow_stream(tmp_path: Path) -> None:
    slow = {s: Route(r.body, r.content_type, delay=1.0)
            for s, r in streams.hls("/hls").items() if s in SEGMENTS}
    crawled = crawl_site(tmp_path, hls_site(**slow), "/v.html", max_stream_seconds=1.5)
    kept = len(fetched_segments(crawled.paths))
    assert 1 <= kept <= 3  # about 1 s a segment: the second ends past 1.5 s
    assert crawled.report.cut == {"stream_seconds": 7 - kept}


def test_a_failing_segment_ends_the_stream_and_keeps_what_came_before(tmp_path: Path) -> None:
    missing = Route(b"gone", "text/plain", 404)
    crawled = crawl_site(tmp_path, hls_site(**{SEGMENTS[3]: missing}), "/v.html")
    [line] = crawled.report.errors
    assert line.endswith(f"/hls/index.m3u8: hls stream cut short, segment 4/7: segment "
                         f"{crawled.base}{SEGMENTS[3]}: http 404")
    assert fetched_segments(crawled.paths) == SEGMENTS[:4]
    assert kept_seconds(crawled) == pytest.approx(3.0, abs=0.15)


def test_a_stream_whose_first_segment_fails_is_a_recorded_error(tmp_path: Path) -> None:
    crawled = crawl_site(tmp_path, hls_site(**{SEGMENTS[0]: Route(b"", "text/plain", 500)}),
                         "/v.html")
    assert crawled.report.media_new == 0
    error = crawled.fetch_error("/hls/index.m3u8")
    assert error is not None and error.startswith("hls stream segment 1/7: segment ")
    assert any(error in line for line in crawled.report.errors)


@pytest.mark.parametrize(("key", "message"), [
    (bytes(range(1, 17)), "does not decrypt (wrong key or IV: bad padding)"),
    (bytes(15), "is 15 bytes, not 16"),
])
def test_a_wrong_key_is_a_recorded_error(tmp_path: Path, key: bytes, message: str) -> None:
    routes = {"/v.html": page('<video src="/aes/index.m3u8"></video>'),
              **streams.hls("/aes", encrypted=True), "/aes/stream.key": Route(key)}
    crawled = crawl_site(tmp_path, routes, "/v.html")
    error = crawled.fetch_error("/aes/index.m3u8")
    assert error is not None and message in error and "segment 1/7" in error
    assert [p for p in crawled.paths if p.endswith(".key")] == ["/aes/stream.key"]  # once


@pytest.mark.parametrize(("playlist", "message"), [
    ("#EXTM3U\n#EXTINF:abc,\nseg000.ts\n", "not media (hls playlist: cannot be parsed"),
    ("#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-ENDLIST\n",
     "not media (hls playlist: the playlist lists no segments)"),
    ("#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"k\"\n#EXTINF:1,\nseg000.ts\n",
     "encryption SAMPLE-AES is not supported"),
    ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=4000x3000\nbig.m3u8\n",
     "every variant is larger than video.max_pixels (76800)"),
])
def test_a_playlist_that_cannot_be_followed_is_a_recorded_error(tmp_path: Path, playlist: str,
                                                                message: str) -> None:
    routes = hls_site(**{"/hls/index.m3u8": Route(playlist.encode(), streams.TYPES[".m3u8"])})
    crawled = crawl_site(tmp_path, routes, "/v.html")
    error = crawled.fetch_error("/hls/index.m3u8")
    assert error is not None and message in error, error
    assert fetched_segments(crawled.paths) == []
    assert crawled.report.sources == {"html": 1, "hls": 1}
