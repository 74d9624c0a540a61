"""Video caps: frames per video, pixels per frame, bytes, wall-clock decode time, duration."""

from __future__ import annotations

import numpy as np
import pytest

from enrichment.video import sample_video
from kernel.errors import MediaTooLarge
from kernel.settings import VideoSettings
from tests.video_fixtures import demo_photo, make_video, pattern


@pytest.fixture(scope="module")
def slideshow() -> bytes:
    """Eight 1-second slides of distinct patterns: 8 fps samples and 7 cuts at x.5 s."""
    slides = [(pattern((160, 96), seed), 1.0) for seed in range(8)]
    return make_video([(demo_photo("person_a_1", (160, 96)), 0.5), *slides[:-1],
                       (slides[-1][0], 0.5)], codec="libx264")


def test_all_samples_fit_without_a_cap(slideshow: bytes) -> None:
    sample = sample_video(slideshow, VideoSettings())
    assert len([f for f in sample.frames if f.reason == "fps"]) == 8
    assert [f.ts for f in sample.frames if f.reason == "scene"] == [k + 0.5 for k in range(8)]


def test_frame_cap_keeps_fps_frames_then_strongest_cuts(slideshow: bytes) -> None:
    sample = sample_video(slideshow, VideoSettings(max_frames=10))
    assert len(sample.frames) == 10
    assert [f.ts for f in sample.frames if f.reason == "fps"] == [float(k) for k in range(8)]
    assert len([f for f in sample.frames if f.reason == "scene"]) == 2
    assert [f.ts for f in sample.frames] == sorted(f.ts or 0.0 for f in sample.frames)


def test_frame_cap_below_the_fps_samples_stops_decoding(slideshow: bytes) -> None:
    sample = sample_video(slideshow, VideoSettings(max_frames=3))
    assert [(f.ts, f.reason) for f in sample.frames] == [(0.0, "fps"), (1.0, "fps"), (2.0, "fps")]
    assert sample.frames_decoded < 60 and not sample.truncated
    assert any("frame cap of 3" in note for note in sample.notes)


def test_max_duration_samples_only_the_start(slideshow: bytes) -> None:
    sample = sample_video(slideshow, VideoSettings(max_duration=2.2, scene_changes=False))
    assert [f.ts for f in sample.frames] == [0.0, 1.0, 2.0]
    assert any("first 2.2 s" in note for note in sample.notes)


def test_wall_clock_cap(slideshow: bytes) -> None:
    sample = sample_video(slideshow, VideoSettings(max_decode_seconds=0.0))
    assert sample.frames_decoded == 1 and [f.ts for f in sample.frames] == [0.0]
    assert not sample.truncated
    assert any("0 s time cap" in note for note in sample.notes)
    capped = sample_video(slideshow, VideoSettings(max_decode_seconds=0.01))
    assert 1 <= capped.frames_decoded <= 80


def test_pixel_cap_refuses_large_frames() -> None:
    data = make_video([(np.zeros((240, 320, 3), np.uint8), 0.5)])
    with pytest.raises(MediaTooLarge, match="320x240 = 76800 pixels exceeds 76799"):
        sample_video(data, VideoSettings(max_pixels=320 * 240 - 1))
    assert sample_video(data, VideoSettings(max_pixels=320 * 240)).width == 320


def test_byte_cap_refuses_large_files() -> None:
    data = make_video([(np.zeros((64, 64, 3), np.uint8), 0.5)])
    with pytest.raises(MediaTooLarge, match="exceeds 100"):
        sample_video(data, VideoSettings(max_bytes=100))
