"""Throughput of video frame sampling alone: decoded frames/s and sampled frames/s.

Why: every crawled video is decoded front to back (sequential decoding is what makes the sampled
frames the same every run), so decode speed bounds how many video-minutes a worker clears; this
separates that cost from faces and signals (see bench_enrich.py for the whole pipeline). Clips
are built in memory from the licensed demo photos (a slow pan over each photo, so the codec has
real motion to decode), one per encoder this PyAV wheel has.

    python benchmarks/bench_video_sampling.py [--seconds 10] [--size 640x360] [--fps 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enrichment.video import frame_pdq, sample_video  # noqa: E402
from kernel.settings import VideoSettings  # noqa: E402
from tests.video_fixtures import demo_photo, encoder_available, make_video  # noqa: E402


def _panning_clip(codec: str, container: str, seconds: float, size: tuple[int, int],
                  fps: int) -> bytes:
    names = ["person_a_2", "person_b_1", "impostor_1"]
    wide = [demo_photo(name, (size[0] + 200, size[1])) for name in names]
    count = round(seconds * fps)
    frames = []
    for index in range(count):
        photo = wide[index * len(wide) // count]
        shift = (index * 3) % 200
        frames.append((np.ascontiguousarray(photo[:, shift:shift + size[0]]), 1 / fps))
    return make_video(frames, fps=fps, codec=codec, container=container, size=size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    settings = VideoSettings()
    for codec, container in [("libx264", "mp4"), ("mpeg4", "mp4"), ("libvpx-vp9", "webm")]:
        if not encoder_available(codec):
            print(f"{codec}: no encoder in this PyAV wheel, skipped")
            continue
        data = _panning_clip(codec, container, args.seconds, (size[0], size[1]), args.fps)
        sample_video(data, settings)  # warm-up
        started = time.perf_counter()
        for _ in range(args.rounds):
            sample = sample_video(data, settings)
        elapsed = (time.perf_counter() - started) / args.rounds
        hashed = time.perf_counter()
        frame_pdq(sample)
        pdq_ms = (time.perf_counter() - hashed) * 1000 / max(1, len(sample.frames))
        print(f"{sample.codec:6s} {args.size} {args.seconds:g} s @ {args.fps} fps: "
              f"{sample.frames_decoded / elapsed:7.0f} decoded frames/s, "
              f"{len(sample.frames) / elapsed:6.1f} sampled frames/s "
              f"({len(sample.frames)} sampled, {elapsed * 1000:.0f} ms per clip, "
              f"{args.seconds / elapsed:.0f}x real time); PDQ {pdq_ms:.1f} ms/frame")


if __name__ == "__main__":
    main()
