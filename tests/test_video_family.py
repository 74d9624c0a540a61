"""Per-frame hashes and media families: a re-encoded or resized copy is the same video."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from enrichment.hashes import pdq_distance
from enrichment.video import (
    FrameHash,
    compare_videos,
    frame_pdq,
    sample_video,
    video_vpdq,
    vpdq_or_reason,
    vpdq_unavailable_reason,
)
from kernel.errors import DecodeError
from kernel.settings import VideoSettings
from tests.video_fixtures import SHARED_VIDEO, demo_photo, encoder_available, make_video

ZERO = "0" * 64


def _flip(hex_: str, bits: int) -> str:
    return f"{int(hex_, 16) ^ ((1 << bits) - 1):064x}"


@pytest.fixture(scope="module")
def original() -> bytes:
    return make_video([(demo_photo("person_a_2"), 2.0), (demo_photo("person_b_1"), 2.0),
                       (demo_photo("impostor_1"), 2.0)], codec="mpeg4")


def _hashes(data: bytes) -> list[FrameHash]:
    return frame_pdq(sample_video(data, VideoSettings()))


def test_frame_pdq_per_sampled_frame(original: bytes) -> None:
    sample = sample_video(original, VideoSettings())
    hashes = frame_pdq(sample)
    assert [h.ts for h in hashes] == [f.ts for f in sample.frames] == [0.0, 1.0, 2.0, 3.0, 4.0,
                                                                     5.0]
    assert all(len(h.pdq_hex) == 64 and h.quality >= 50 for h in hashes)
    assert pdq_distance(hashes[0].pdq_hex, hashes[1].pdq_hex) <= 4  # the same photo
    assert pdq_distance(hashes[1].pdq_hex, hashes[2].pdq_hex) > 60  # a cut to another photo


def test_half_size_copy_with_another_codec_is_the_same_family(original: bytes) -> None:
    codec, container = ("libvpx", "webm") if encoder_available("libvpx") else ("libx264", "mp4")
    copy = make_video([(demo_photo("person_a_2"), 2.0), (demo_photo("person_b_1"), 2.0),
                       (demo_photo("impostor_1"), 2.0)], codec=codec, container=container,
                      size=(160, 120))
    assert sample_video(copy, VideoSettings()).width == 160
    match = compare_videos(_hashes(original), _hashes(copy))
    assert match.is_same_family, match
    assert match.query_match_pct == match.compared_match_pct == 100.0


def test_a_different_video_is_not(original: bytes) -> None:
    other = make_video([(demo_photo("person_b_2"), 3.0), (demo_photo("impostor_2"), 3.0)])
    match = compare_videos(_hashes(original), _hashes(other))
    assert not match.is_same_family and match.query_match_pct < 50, match


def test_a_clip_of_a_video_matches_one_way_only(original: bytes) -> None:
    clip = make_video([(demo_photo("person_a_2"), 2.0)])
    match = compare_videos(_hashes(clip), _hashes(original))
    assert match.query_match_pct == 100.0 and match.compared_match_pct < 80.0
    assert not match.is_same_family


def test_matching_rule_distance_quality_and_duplicates() -> None:
    near, far = _flip(ZERO, 31), _flip(ZERO, 32)
    assert compare_videos([FrameHash(0, ZERO, 100)], [FrameHash(0, near, 100)]).is_same_family
    assert not compare_videos([FrameHash(0, ZERO, 100)], [FrameHash(0, far, 100)]).is_same_family
    # a flat low-quality frame is ignored on either side; duplicates count once
    a = [FrameHash(0, ZERO, 100), FrameHash(1, ZERO, 100), FrameHash(2, "f" * 64, 10)]
    b = [FrameHash(0, ZERO, 90), FrameHash(1, "a" * 64, 100)]
    match = compare_videos(a, b)
    assert (match.query_match_pct, match.compared_match_pct) == (100.0, 50.0)
    assert compare_videos(a, b, min_quality=0).query_match_pct == 50.0
    assert compare_videos([], b) == compare_videos([FrameHash(0, ZERO, 10)], b)
    assert not compare_videos([], b).is_same_family


def test_vpdq_hashes_when_installed(original: bytes) -> None:
    reason = vpdq_unavailable_reason()
    if reason is not None:
        assert video_vpdq(original) is None
        pytest.skip(reason)
    features = video_vpdq(original)
    assert features is not None
    assert [round(f.ts, 3) for f in features] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert compare_videos(features, _hashes(original)).is_same_family
    with pytest.raises(DecodeError, match="not a supported video container"):
        video_vpdq(b"#EXTM3U\nhttp://127.0.0.1/x.ts\n")


def test_vpdq_failure_is_a_reason_not_a_failed_item() -> None:
    whole = make_video([(demo_photo("person_a_1"), 3.0), (demo_photo("person_b_1"), 3.0)],
                       codec="libx264", faststart=True)
    cut = whole[: len(whole) // 2]
    assert sample_video(cut, VideoSettings()).truncated  # PyAV still samples the start
    features, reason = vpdq_or_reason(cut)
    assert features is None and reason
    if vpdq_unavailable_reason() is None:
        assert reason.startswith("vPDQ could not hash the video")
        with pytest.raises(DecodeError, match="vPDQ"):
            video_vpdq(cut)
        assert vpdq_or_reason(whole)[0] is not None


def _shared(name: str) -> Path:
    path = SHARED_VIDEO / name
    if not path.exists():
        pytest.skip(f"../shared/fixtures/video/{name} not present (shared fixtures are optional)")
    return path


@cache
def _shared_hashes(path: Path) -> tuple[list[FrameHash], list[FrameHash] | None]:
    """(PDQ of our sampled frames, vPDQ or None) of a shared video, computed once per run."""
    data = path.read_bytes()
    return _hashes(data), video_vpdq(data)


@pytest.mark.parametrize(("left", "right", "same"), [
    ("testsrc_10s_320x240_25fps.mp4", "testsrc_10s_reencoded_160x120_crf35.mp4", True),
    ("chair-orig-22-sd-bar.mp4", "chair-22-with-small-logo-bar.mp4", True),
    ("testsrc_10s_320x240_25fps.mp4", "chair-orig-22-sd-bar.mp4", False),
    ("chair-orig-22-sd-bar.mp4", "pattern-sd-grey-bar.mp4", False),
])
def test_shared_threatexchange_videos(left: str, right: str, same: bool) -> None:
    (pdq_a, vpdq_a), (pdq_b, vpdq_b) = _shared_hashes(_shared(left)), _shared_hashes(_shared(right))
    match = compare_videos(pdq_a, pdq_b)
    assert match.is_same_family is same, match
    if vpdq_a is not None and vpdq_b is not None:
        assert compare_videos(vpdq_a, vpdq_b).is_same_family is same
