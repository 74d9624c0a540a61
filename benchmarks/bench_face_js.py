"""How long the browser takes to make one enrollment template (issue 16), on this machine and
with Chromium's CPU throttled 4× (DevTools' approximation of a mid-range phone).

face.js runs in headless Chromium against a portal served locally (tests/face_js.py), on each
demo photo, `--rounds` times after one warm-up; the median per photo is printed, with the time
to load the runtime and both models (first load, nothing cached) and the server engine's time
on the same photos for comparison. Single-threaded wasm, as the portal serves it.

    python benchmarks/bench_face_js.py [--rounds 5] [--rates 1,4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR", "true")  # a throwaway portal


def main() -> None:
    from enrichment.decode import decode_image
    from jikimi import registry
    from tests.face_js import face_page
    from tests.face_photos import NAMES, PHOTOS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rates", default="1,4", help="CPU throttling rates, comma-separated")
    args = parser.parse_args()
    photos = {name: (PHOTOS / f"{name}.jpg").read_bytes() for name in NAMES}
    with tempfile.TemporaryDirectory() as folder, face_page(Path(folder)) as page:
        print(f"runtime + models loaded in {page.load_ms:.0f} ms (unthrottled, first load)")
        engine = registry.open_face_engine(page.settings)
        for rate in (float(r) for r in args.rates.split(",")):
            page.driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": rate})
            medians = []
            for name, data in photos.items():
                page.template(data)  # warm-up
                runs = [page.template(data) for _ in range(args.rounds)]
                medians.append(statistics.median(run.ms for run in runs))
                stages = {stage: statistics.median((run.stages or {})[stage] for run in runs)
                          for stage in ("read", "detect", "align", "embed")}
                parts = ", ".join(f"{stage} {ms:.0f}" for stage, ms in stages.items())
                print(f"  {rate:g}x  {name:12s} {medians[-1]:7.0f} ms  ({parts})")
            print(f"CPU {rate:g}x slower: median {statistics.median(medians):.0f} ms per photo, "
                  f"slowest {max(medians):.0f} ms")
        page.driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 1})
        server = []
        for data in photos.values():
            started = time.perf_counter()
            rgb = decode_image(data, max_pixels=page.settings.media.max_pixels).rgb
            engine.embed(rgb, engine.detect(rgb))
            server.append((time.perf_counter() - started) * 1000)
        print(f"server engine (onnxruntime, this CPU): median {statistics.median(server):.0f} ms "
              "per photo")


if __name__ == "__main__":
    main()
