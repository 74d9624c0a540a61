"""Throughput of the enrichment face path: decode + detect + embed, images per second.

Why: enrichment runs on every crawled image, on 2-core machines; this is the number that says how
many images a worker clears per hour and whether an optimisation (session options, input fitting,
batching) paid off. Bytes are read into memory first, so disk speed is not measured; each set is
run once to warm up (model loading, first-run allocations), then timed over whole rounds.

    python benchmarks/bench_faces.py [--seconds 5] [--config FILE] [DIR ...]

Without DIR: the demo photos, plus ../shared/faces/dev when it exists.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enrichment.decode import decode_image  # noqa: E402
from jikimi import registry  # noqa: E402
from kernel.ports import FaceEngine  # noqa: E402
from kernel.settings import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "jikimi" / "demo" / "photos"
SHARED_DEV = ROOT.parent / "shared" / "faces" / "dev"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


@dataclass
class Timing:
    images: int = 0
    faces: int = 0
    decode_s: float = 0.0
    detect_s: float = 0.0
    embed_s: float = 0.0
    sizes: list[int] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.decode_s + self.detect_s + self.embed_s


def one_round(engine: FaceEngine, blobs: list[bytes], max_pixels: int, timing: Timing) -> None:
    for data in blobs:
        t0 = time.perf_counter()
        rgb = decode_image(data, max_pixels=max_pixels).rgb
        t1 = time.perf_counter()
        faces = engine.detect(rgb)
        t2 = time.perf_counter()
        engine.embed(rgb, faces)
        t3 = time.perf_counter()
        timing.images += 1
        timing.faces += len(faces)
        timing.decode_s += t1 - t0
        timing.detect_s += t2 - t1
        timing.embed_s += t3 - t2


def bench(name: str, paths: list[Path], engine: FaceEngine, seconds: float,
          max_pixels: int) -> None:
    blobs = [path.read_bytes() for path in paths]
    one_round(engine, blobs, max_pixels, Timing())  # warm-up
    timing = Timing()
    rounds = 0
    while rounds == 0 or timing.total_s < seconds:
        one_round(engine, blobs, max_pixels, timing)
        rounds += 1
    per_image = 1000.0 / timing.images
    print(f"{name}: {len(paths)} images × {rounds} rounds, {timing.faces / timing.images:.2f} "
          f"faces/image")
    print(f"  {timing.images / timing.total_s:6.1f} images/s  "
          f"{timing.faces / timing.total_s:6.1f} faces/s  "
          f"(decode {timing.decode_s * per_image:.1f} ms, detect {timing.detect_s * per_image:.1f}"
          f" ms, embed {timing.embed_s * per_image:.1f} ms per image)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--seconds", type=float, default=5.0, help="minimum timed seconds per set")
    parser.add_argument("--config", type=Path, default=None, help="jikimi settings file")
    args = parser.parse_args(argv)
    settings = load_settings(args.config)
    started = time.perf_counter()
    engine = registry.open_face_engine(settings)
    print(f"engine {engine.model_id} loaded in {time.perf_counter() - started:.2f} s "
          f"on {os.cpu_count()} CPUs, det_size {settings.faces.det_size}")
    folders = args.folders or [DEMO] + ([SHARED_DEV] if SHARED_DEV.is_dir() else [])
    for folder in folders:
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
        if not paths:
            print(f"{folder}: no images, skipped")
            continue
        bench(str(folder), paths, engine, args.seconds, settings.media.max_pixels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
