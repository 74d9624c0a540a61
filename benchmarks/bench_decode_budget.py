"""Decode cost of a header bomb: a small JPEG claiming 8000×8000, full-size vs draft decoding.

Why: issue 13 found that such a file (exactly `media.max_pixels`) took enrichment from 0.35 GB to
1.98 GB. `enrichment.decode` now draft-decodes a large JPEG at 1/2–1/8 scale down to
`media.decode_long_side`. This prints, as ratios against the full-size decode (the baseline, the
same bytes, same machine), the decode time (in this process, alternating rounds) and the peak RSS
(each variant once in a fresh child process, since RSS only grows).

    python benchmarks/bench_decode_budget.py [--seconds 5] [--side 8000]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from enrichment.decode import decode_image  # noqa: E402
from enrichment.decode_budget import DecodeBudget  # noqa: E402
from kernel.settings import MediaSettings  # noqa: E402

_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from enrichment.decode import decode_image
from enrichment.decode_budget import DecodeBudget
from kernel.settings import MediaSettings
data = open(sys.argv[2], "rb").read()
budget = DecodeBudget.from_settings(MediaSettings()) if sys.argv[3] == "draft" else None
decode_image(data, max_pixels=10**9, budget=budget)
# VmHWM, not ru_maxrss: ru_maxrss also counts the parent's RSS at fork
print(json.dumps(int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024))
"""


def flat_jpeg(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (90, 120, 150)).save(out, "JPEG", quality=50)
    return out.getvalue()


def per_second(run: Callable[[], object], seconds: float) -> float:
    run()
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        run()
        done += 1
    return done / (time.perf_counter() - started)


def peak_mb(path: Path, variant: str) -> float:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(path), variant],
                         check=True, capture_output=True, text=True)
    return float(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--side", type=int, default=8000)
    args = parser.parse_args()
    data = flat_jpeg(args.side)
    path = Path("/tmp") / f"jikimi-bench-{args.side}.jpg"
    path.write_bytes(data)
    budget = DecodeBudget.from_settings(MediaSettings())
    full = per_second(lambda: decode_image(data, max_pixels=10**9), args.seconds)
    draft = per_second(lambda: decode_image(data, max_pixels=10**9, budget=budget), args.seconds)
    full_mb, draft_mb = peak_mb(path, "full"), peak_mb(path, "draft")
    path.unlink()
    print(f"{len(data) / 1024:.0f} KB JPEG claiming {args.side}×{args.side}")
    print(f"decodes/s: full {full:.2f}, draft {draft:.2f}  (speed-up ×{draft / full:.1f})")
    print(f"peak RSS MB: full {full_mb:.0f}, draft {draft_mb:.0f}  "
          f"(ratio {draft_mb / full_mb:.2f})")


if __name__ == "__main__":
    main()
