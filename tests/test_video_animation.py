"""Animated GIF, WebP and APNG as short videos: frame times from durations, caps, bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from enrichment.video import sample_animation
from enrichment.video.animation import frame_duration
from kernel.errors import DecodeError, MediaTooLarge
from kernel.settings import VideoSettings
from tests.video_fixtures import demo_photo, make_animation, pattern

SIZE = (96, 64)


def _slides(durations: list[int | None]) -> list[tuple[np.ndarray, int | None]]:
    return [(pattern(SIZE, seed), ms) for seed, ms in enumerate(durations)]


@pytest.mark.parametrize(("fmt", "codec"), [("GIF", "gif"), ("WEBP", "webp"), ("PNG", "apng")])
def test_frame_times_follow_declared_durations(fmt: str, codec: str) -> None:
    # frames start at 0, 0.7, 1.5, 2.6 s; the animation lasts 3.0 s
    data = make_animation(_slides([700, 800, 1100, 400]), fmt)
    sample = sample_animation(data, VideoSettings(sample_fps=2.0, scene_changes=False))
    assert (sample.codec, sample.duration, sample.frames_decoded) == (codec, 3.0, 4)
    assert (sample.width, sample.height) == SIZE
    assert [f.ts for f in sample.frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    shown = [0, 0, 1, 2, 2, 2]  # the frame on screen at each sample time
    for frame, index in zip(sample.frames, shown, strict=True):
        assert np.array_equal(frame.rgb, pattern(SIZE, index)), (fmt, frame.ts)


def test_scene_cuts_in_an_animation() -> None:
    # frames start at 0, 1.3 and 1.8 s; the third is also the 2.0 s sample, so it is kept once
    data = make_animation(_slides([1300, 500, 1300]), "GIF")
    sample = sample_animation(data, VideoSettings())
    assert [(f.ts, f.reason) for f in sample.frames] == [
        (0.0, "fps"), (1.0, "fps"), (1.3, "scene"), (2.0, "fps"), (3.0, "fps")]


def test_zero_and_tiny_durations_count_as_100_ms() -> None:
    assert frame_duration(None) == frame_duration(0) == frame_duration(10) == frame_duration(100)
    assert float(frame_duration(None)) == 0.1 and float(frame_duration(20)) == 0.02
    data = make_animation(_slides([0] * 25), "GIF")
    sample = sample_animation(data, VideoSettings(scene_changes=False))
    assert sample.duration == 2.5
    assert [f.ts for f in sample.frames] == [0.0, 1.0, 2.0]
    for frame, index in zip(sample.frames, [0, 10, 20], strict=True):
        assert np.array_equal(frame.rgb, pattern(SIZE, index))


def test_same_frames_every_run() -> None:
    data = make_animation([(demo_photo("person_b_1", (120, 90)), 600),
                           (demo_photo("person_a_1", (120, 90)), 300),
                           (demo_photo("impostor_1", (120, 90)), 900)], "WEBP")
    first = sample_animation(data, VideoSettings())
    second = sample_animation(data, VideoSettings())
    assert [f.ts for f in first.frames] == [f.ts for f in second.frames] == [0.0, 0.6, 1.0]
    assert all(a.rgb.tobytes() == b.rgb.tobytes()
               for a, b in zip(first.frames, second.frames, strict=True))


def test_gif_bomb_is_capped() -> None:
    tiles = [np.full((4, 4, 3), value, np.uint8) for value in (0, 255)]
    frames = [(tiles[i % 2], 20) for i in range(3000)]
    data = make_animation(frames, "GIF")
    sample = sample_animation(data, VideoSettings(scene_changes=False, max_frames=10_000),
                              max_animation_frames=1000)
    assert sample.frames_decoded == 1000 and sample.duration is None
    assert len(sample.frames) == 20  # 1000 frames x 20 ms = 20 s, one sample a second
    assert any("1000-frame cap" in note for note in sample.notes)
    fps_capped = sample_animation(data, VideoSettings(scene_changes=False, max_frames=5))
    assert [f.ts for f in fps_capped.frames] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert fps_capped.frames_decoded <= 300
    assert any("frame cap of 5" in note for note in fps_capped.notes)


def test_pixel_cap_and_bad_input() -> None:
    data = make_animation(_slides([100, 100]), "GIF")
    with pytest.raises(MediaTooLarge, match="96x64"):
        sample_animation(data, VideoSettings(max_pixels=96 * 64 - 1))
    with pytest.raises(MediaTooLarge, match="exceeds 10"):
        sample_animation(data, VideoSettings(max_bytes=10))
    with pytest.raises(DecodeError, match="empty"):
        sample_animation(b"", VideoSettings())
    with pytest.raises(DecodeError, match="cannot decode animation"):
        sample_animation(b"GIF89a" + b"\x00" * 20, VideoSettings())
    with pytest.raises(DecodeError, match="cannot decode animation"):
        sample_animation(data[: len(data) // 2], VideoSettings())


def test_a_still_image_is_one_frame() -> None:
    out = io.BytesIO()
    Image.fromarray(pattern(SIZE, 3)).save(out, format="PNG")
    sample = sample_animation(out.getvalue(), VideoSettings())
    assert [f.ts for f in sample.frames] == [0.0] and sample.codec == "apng"


def test_a_slideshow_animation_samples_every_slide() -> None:
    # six slides of 0.5 s: fps samples land on slides 0, 2 and 4; the cuts add 1, 3 and 5
    data = make_animation(_slides([500] * 6), "GIF")
    sample = sample_animation(data, VideoSettings())
    assert [(f.ts, f.reason) for f in sample.frames] == [
        (0.0, "fps"), (0.5, "scene"), (1.0, "fps"), (1.5, "scene"), (2.0, "fps"), (2.5, "scene")]
    for frame, index in zip(sample.frames, range(6), strict=True):
        assert np.array_equal(frame.rgb, pattern(SIZE, index))


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])
def test_truncated_animation_keeps_the_frames_before_the_cut(fmt: str) -> None:
    data = make_animation(_slides([500] * 6), fmt)
    sample = sample_animation(data[: int(len(data) * 0.8)], VideoSettings(scene_changes=False))
    assert sample.truncated and sample.duration is None
    assert 2 <= sample.frames_decoded < 6
    last_start = (sample.frames_decoded - 1) * 0.5  # no sample after the last frame decoded
    assert [f.ts for f in sample.frames] == [float(k) for k in range(int(last_start) + 1)]
    assert any("(truncated)" in note for note in sample.notes)
