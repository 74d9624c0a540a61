"""Hostile video bytes: randomly corrupted and cut files give frames or a MediaError, never a crash.

Fixed seeds, so a failure reproduces; a few hundred mutants of small clips take about a second.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from enrichment.video import VideoSample, sample_animation, sample_video
from kernel.errors import MediaError
from kernel.settings import VideoSettings
from tests.video_fixtures import demo_photo, encoder_available, make_animation, make_video

SETTINGS = VideoSettings(max_decode_seconds=5.0)


def _mutants(data: bytes, seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        mutant = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            mutant[rng.randrange(len(mutant))] = rng.randrange(256)
        if rng.random() < 0.3:
            mutant = mutant[: rng.randrange(len(mutant))]
        out.append(bytes(mutant))
    return out


def _clip(kind: str) -> tuple[bytes, Callable[[bytes, VideoSettings], VideoSample]]:
    a, b = demo_photo("person_a_1", (160, 120)), demo_photo("person_b_1", (160, 120))
    if kind in {"gif", "webp"}:
        return make_animation([(a, 100), (b, 200)], kind.upper()), sample_animation
    codec, container = {"mpeg4": ("mpeg4", "mp4"), "h264": ("libx264", "mp4"),
                        "vp8": ("libvpx", "webm")}[kind]
    if not encoder_available(codec):
        pytest.skip(f"this PyAV wheel has no {codec} encoder")
    return make_video([(a, 0.5), (b, 0.5)], codec=codec, container=container,
                      faststart=container == "mp4"), sample_video


@pytest.mark.parametrize("kind", ["mpeg4", "h264", "vp8", "gif", "webp"])
def test_corrupt_and_cut_files_never_crash(kind: str) -> None:
    data, sample = _clip(kind)
    outcomes = {"ok": 0, "error": 0}
    for mutant in _mutants(data, seed=1, count=150):
        try:
            result = sample(mutant, SETTINGS)
        except MediaError as exc:
            assert "\n" not in str(exc)
            outcomes["error"] += 1
            continue
        assert result.frames and all(f.rgb.ndim == 3 for f in result.frames)
        outcomes["ok"] += 1
    assert outcomes["ok"] + outcomes["error"] == 150
