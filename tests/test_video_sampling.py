"""Video sampling: exact timestamps, scene cuts, the same frames every run, metadata, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from enrichment.video import probe_video, sample_video
from kernel.errors import DecodeError
from kernel.settings import VideoSettings
from tests.video_fixtures import (
    demo_photo,
    encoder_available,
    make_audio_only,
    make_video,
    pattern,
)


@pytest.fixture(scope="module")
def photos() -> tuple[np.ndarray, np.ndarray]:
    return demo_photo("person_a_1"), demo_photo("person_b_1")


@pytest.fixture(scope="module")
def cut_clip(photos: tuple[np.ndarray, np.ndarray]) -> bytes:
    """2.5 s of photo A then 3.5 s of photo B at 10 fps: a hard cut between sample times."""
    return make_video([(photos[0], 2.5), (photos[1], 3.5)])


def _times(sample_frames: list) -> list[tuple[float | None, str]]:
    return [(f.ts, f.reason) for f in sample_frames]


def test_samples_exact_seconds_and_the_cut(cut_clip: bytes) -> None:
    sample = sample_video(cut_clip, VideoSettings())
    assert [f.ts for f in sample.frames if f.reason == "fps"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    scenes = [f.ts for f in sample.frames if f.reason == "scene"]
    assert scenes == [2.5]
    assert [f.ts for f in sample.frames] == sorted(f.ts or 0.0 for f in sample.frames)
    assert (sample.duration, sample.width, sample.height, sample.fps) == (6.0, 320, 240, 10.0)
    assert (sample.codec, sample.container, sample.frames_decoded) == ("mpeg4", "mp4", 60)
    assert not sample.truncated and sample.notes == []
    for frame in sample.frames:
        assert frame.rgb.shape == (240, 320, 3) and frame.rgb.dtype == np.uint8
        assert frame.rgb.flags.c_contiguous


def test_each_sample_is_the_frame_on_screen(photos: tuple[np.ndarray, np.ndarray],
                                            cut_clip: bytes) -> None:
    sample = sample_video(cut_clip, VideoSettings())
    for frame in sample.frames:
        expected = photos[0] if (frame.ts or 0.0) < 2.5 else photos[1]
        other = photos[1] if expected is photos[0] else photos[0]
        error = np.abs(frame.rgb.astype(int) - expected.astype(int)).mean()
        assert error < 8 < np.abs(frame.rgb.astype(int) - other.astype(int)).mean(), frame.ts


def test_same_frames_every_run(cut_clip: bytes) -> None:
    first = sample_video(cut_clip, VideoSettings())
    second = sample_video(cut_clip, VideoSettings())
    assert _times(first.frames) == _times(second.frames)
    for a, b in zip(first.frames, second.frames, strict=True):
        assert a.rgb.tobytes() == b.rgb.tobytes()


def test_scene_changes_can_be_switched_off(cut_clip: bytes) -> None:
    sample = sample_video(cut_clip, VideoSettings(scene_changes=False))
    assert {f.reason for f in sample.frames} == {"fps"}
    assert len(sample.frames) == 6


def test_a_cut_on_a_sample_time_is_not_sampled_twice(photos: tuple[np.ndarray, np.ndarray]
                                                     ) -> None:
    sample = sample_video(make_video([(photos[0], 3.0), (photos[1], 3.0)]), VideoSettings())
    assert _times(sample.frames) == [(float(t), "fps") for t in range(6)]


def test_fractional_sample_rate(cut_clip: bytes) -> None:
    sample = sample_video(cut_clip, VideoSettings(sample_fps=2.5, scene_changes=False))
    assert [f.ts for f in sample.frames] == [k / 2.5 for k in range(15)]


@pytest.mark.parametrize(("codec", "container", "name", "decoder"), [
    ("mpeg4", "mp4", "mp4", "mpeg4"),
    ("libx264", "mp4", "mp4", "h264"),
    ("libx264", "mov", "mov", "h264"),
    ("libx264", "m4v", "m4v", "h264"),
    ("libvpx", "webm", "webm", "vp8"),
    ("libvpx-vp9", "webm", "webm", "vp9"),
])
def test_containers_and_codecs(photos: tuple[np.ndarray, np.ndarray], codec: str,
                               container: str, name: str, decoder: str) -> None:
    if not encoder_available(codec):
        pytest.skip(f"this PyAV wheel has no {codec} encoder")
    data = make_video([(photos[0], 1.5), (photos[1], 1.5)], codec=codec, container=container)
    sample = sample_video(data, VideoSettings())
    assert (sample.container, sample.codec) == (name, decoder)
    assert _times(sample.frames) == [(0.0, "fps"), (1.0, "fps"), (1.5, "scene"), (2.0, "fps")]
    assert sample.duration == pytest.approx(3.0)
    info = probe_video(data)
    assert (info.container, info.codec, info.width, info.height) == (name, decoder, 320, 240)


def test_rotation_metadata_is_applied() -> None:
    picture = np.zeros((240, 320, 3), np.uint8)
    picture[:40, :80] = 255  # a white block in the top-left corner
    data = make_video([(picture, 1.0)], codec="libx264", rotation=90)
    sample = sample_video(data, VideoSettings())
    assert (sample.width, sample.height, sample.rotation) == (240, 320, 90)
    rgb = sample.frames[0].rgb
    assert rgb.shape == (320, 240, 3)
    assert rgb[-20:, :20].mean() > 200 and rgb[:20, :20].mean() < 50  # turned counter-clockwise
    assert any("rotation of 90" in note for note in sample.notes)


@pytest.mark.parametrize(("codec", "container", "faststart"), [
    ("libx264", "mp4", True), ("libvpx", "webm", False)])
def test_truncated_file_gives_the_frames_before_the_cut(photos: tuple[np.ndarray, np.ndarray],
                                                        codec: str, container: str,
                                                        faststart: bool) -> None:
    if not encoder_available(codec):
        pytest.skip(f"this PyAV wheel has no {codec} encoder")
    whole = make_video([(photos[0], 3.0), (photos[1], 3.0)], codec=codec, container=container,
                       faststart=faststart)
    sample = sample_video(whole[: len(whole) // 2], VideoSettings())
    assert sample.truncated
    assert [f.ts for f in sample.frames] == [0.0, 1.0, 2.0]
    assert 20 <= sample.frames_decoded < 60
    assert any("(truncated)" in note and "of 6.0 s" in note for note in sample.notes)


def test_mp4_cut_before_its_index_is_a_decode_error(cut_clip: bytes) -> None:
    with pytest.raises(DecodeError, match="truncated file, or its index is missing"):
        sample_video(cut_clip[: len(cut_clip) // 2], VideoSettings())


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty video data"),
    (b"\x00\x01garbage" * 200, "not a supported video container"),
    (b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "not a supported video container"),
    (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 8, "cannot open mp4 video"),
    (b"\x1aE\xdf\xa3" + b"\x00" * 4000, "webm|matroska"),
])
def test_garbage_is_a_one_line_decode_error(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as caught:
        sample_video(data, VideoSettings())
    assert "\n" not in str(caught.value)


def test_audio_only_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="no video stream .*audio"):
        sample_video(make_audio_only(), VideoSettings())


def test_textured_motion_is_not_a_scene_change_every_frame() -> None:
    frames = [(np.roll(pattern((320, 240), 1), 4 * i, axis=1), 0.1) for i in range(30)]
    sample = sample_video(make_video(frames, codec="libx264"), VideoSettings())
    assert len([f for f in sample.frames if f.reason == "scene"]) <= 1
