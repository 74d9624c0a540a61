"""Throughput of the full enrichment: images/s and video frames/s, with the signals' share.

Why: issue 3 made enrichment do much more per item (video frame sampling, per-frame faces and
hashes, tracks, provenance, watermark, forensic cues, optionally a detector). This prints what a
2-core worker clears through `enrichment.analyze.analyze` — the function the stage calls per item —
and, as the in-process baseline, the same items with every signal switched off, so the ratio shows
what the signals cost. Inputs are built from the licensed demo photos (plus ../shared videos when
present); each set is warmed up once, then timed over whole rounds.

    python benchmarks/bench_enrich.py [--seconds 5] [--detector DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from enrichment.analyze import EnrichSettings, analyze  # noqa: E402
from enrichment.signals.suite import SignalSuite  # noqa: E402
from jikimi import registry  # noqa: E402
from jikimi.demo.clip import make_clip  # noqa: E402
from jikimi.demo.site import photo_bytes  # noqa: E402
from kernel.records import Media  # noqa: E402
from kernel.settings import Settings, SignalSettings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEO = ROOT.parent / "shared" / "fixtures" / "video"
PHOTOS = ["person_a_1.jpg", "person_a_2.jpg", "person_b_1.jpg", "person_b_2.jpg",
          "impostor_1.jpg", "impostor_2.jpg"]


def paired(baseline: Callable[[], int], candidate: Callable[[], int],
           seconds: float) -> tuple[float, float]:
    """Units/s of both, warmed up once, then in alternating whole rounds until each has had
    `seconds`: alternating keeps the ratio fair when the machine's load drifts."""
    baseline(), candidate()
    spent, done = [0.0, 0.0], [0, 0]
    while min(spent) < seconds:
        for i, run in enumerate((baseline, candidate)):
            started = time.perf_counter()
            done[i] += run()
            spent[i] += time.perf_counter() - started
    return done[0] / spent[0], done[1] / spent[1]


def rounds(items: list[bytes], settings: Settings, suite: SignalSuite,
           unit: Callable[[Media], int]) -> Callable[[], int]:
    engine = registry.open_face_engine(settings)
    sections = EnrichSettings(settings.media, settings.video)

    def run() -> int:
        total = 0
        for data in items:
            media = Media(media_id="bench", kind="unknown", content_type="", size=len(data))
            enriched, _ = analyze(data, media, engine, suite, sections)
            total += unit(enriched)
        return total

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--detector", type=Path, help="an ONNX detector slot folder to include")
    args = parser.parse_args()
    settings = Settings(data_dir=ROOT / "jikimi-data",
                        signals=SignalSettings(detector_dir=args.detector))
    none = SignalSuite([])
    full = registry.open_signal_suite(settings)
    images = [photo_bytes(name) for name in PHOTOS]
    clip = make_clip([(photo_bytes(n), 3.0) for n in PHOTOS[:4]], size=(640, 360), fps=25)
    videos = {"demo clip 640x360 25fps 12 s": [clip]}
    for name in ("testsrc_10s_320x240_25fps.mp4", "chair-orig-22-sd-bar.mp4"):
        if (SHARED_VIDEO / name).is_file():
            videos[name] = [(SHARED_VIDEO / name).read_bytes()]
    if len(videos) == 1:
        print(f"(../shared videos not found at {SHARED_VIDEO}: demo clip only)")
    print(f"signals: {[s.name for s in full.signals]}; {args.seconds:.0f} s per measurement")
    base_rate, full_rate = paired(rounds(images, settings, none, lambda m: 1),
                                  rounds(images, settings, full, lambda m: 1), args.seconds)
    print(f"images      faces+hashes only {base_rate:7.1f}/s   full enrichment {full_rate:7.1f}/s"
          f"   ratio {full_rate / base_rate:.2f}")
    for label, items in videos.items():
        base, frames = paired(rounds(items, settings, none, lambda m: m.frame_count),
                              rounds(items, settings, full, lambda m: m.frame_count),
                              args.seconds)
        decoded = frames * sum(_decoded_per_sampled(d, settings, full) for d in items) / len(items)
        print(f"video       {label}: sampled frames {frames:6.1f}/s full "
              f"({base:6.1f}/s without signals, ratio {frames / base:.2f}); "
              f"decoded frames {decoded:7.1f}/s")


def _decoded_per_sampled(data: bytes, settings: Settings, suite: SignalSuite) -> float:
    media = Media(media_id="bench", kind="unknown", content_type="", size=len(data))
    enriched, _ = analyze(data, media, registry.open_face_engine(settings), suite,
                          EnrichSettings(settings.media, settings.video))
    return int(enriched.info.get("frames_decoded", 0)) / max(1, enriched.frame_count)


if __name__ == "__main__":
    main()
